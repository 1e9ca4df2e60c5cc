// `zeropoint quantize MODEL --calib PATH -o OUT`: static INT8 quantization of an ONNX model to
// QDQ form. Reads the model and data, runs the ptq recipe, writes the output atomically and
// prints a short table (or one JSON object). The recipe itself lives in ptq/.
import { fail } from '../core/errors.js';
import { RANGE_GUARD_DB } from '../observers/index.js';
import { modelInputs, quantizeStatic, type StaticResult } from '../ptq/index.js';
import { openCalibrationData } from './calib-data.js';
import { num, table } from './format.js';
import { progressBar } from './progress.js';
import {
  imageFromFlags,
  planFromFlags,
  runFromFlags,
  type QuantizeFlags,
} from './quantize-flags.js';
import { checkOutputPaths, checkWritable, writeAtomic } from './write-atomic.js';
import { loadCache, readModelFile } from './read-inputs.js';
import { runQuantizeMode, type ModeOptions } from './quantize-modes.js';
import { formatAdvice } from './profile-format.js';
import { quantizeReport, type QuantizeReport } from './quantize-report.js';
import { runAdvisedQuantize, wantsAdvice, withHardwareStorage } from './profile-quantize.js';
import type { DynamicReport } from '../ptq/quantize-dynamic.js';
import type { WeightsReport } from '../ptq/quantize-weights.js';

/** `--dynamic` / `--weights`: no calibration data; writes the output, returns the report. */
export function runModeQuantize(
  modelPath: string,
  output: string,
  mode: ModeOptions,
): DynamicReport | WeightsReport {
  checkOutputPaths(modelPath, output);
  const { bytes } = readModelFile(modelPath);
  checkWritable(output);
  const result = runQuantizeMode(bytes, mode);
  writeAtomic(output, result.bytes);
  return result.report;
}

/** Runs the command and returns the report (printing is the caller's). */
export async function runQuantize(
  modelPath: string,
  flags: QuantizeFlags,
): Promise<QuantizeReport> {
  checkOutputPaths(modelPath, flags.output, flags.cache);
  if (wantsAdvice(flags)) return runAdvisedQuantize(modelPath, flags);
  const { bytes, model } = readModelFile(modelPath);
  checkWritable(flags.output);
  const { plan, method, observerOptions } = planFromFlags(withHardwareStorage(flags));
  const cache = loadCache(flags.cache);
  let samples = cache?.samples ?? 0;
  let result: StaticResult;
  const bar = progressBar(undefined, 'calibrating', { quiet: flags.json === true });
  try {
    let data: Awaited<ReturnType<typeof openCalibrationData>> | undefined;
    if (cache === undefined) {
      if (flags.calib === undefined) {
        fail('bad-argument', 'static quantization needs calibration data: --calib PATH');
      }
      data = await openCalibrationData(flags.calib, modelInputs(model), {
        ...runFromFlags(flags),
        image: imageFromFlags(flags),
      });
      samples = data.samples ?? 0;
    }
    result = await quantizeStatic(bytes, data?.batches, {
      ...plan,
      method,
      observerOptions,
      ...runFromFlags(flags),
      ...(data?.samples === undefined ? {} : { total: data.samples }),
      ...(cache === undefined ? {} : { cache }),
      onProgress: (done, total) => {
        samples = done;
        bar.update(done, total);
      },
    });
  } finally {
    bar.stop();
  }
  writeAtomic(flags.output, result.bytes);
  if (flags.cache !== undefined && cache === undefined) {
    writeAtomic(flags.cache, JSON.stringify(result.calibration));
  }
  return quantizeReport({
    input: modelPath,
    output: flags.output,
    cache: flags.cache,
    method,
    sizeBefore: bytes.length,
    built: result,
    samples,
    calibrationMs: result.calibrationMs,
    notes: result.calibration.notes.map((n) => JSON.stringify(n)),
  });
}

function kb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;
}

/** One line on the clipped ranges the range guard replaced by min/max. */
function guardLine(byMethod: Readonly<Record<string, number>>): string {
  const each = Object.entries(byMethod).map(([m, n]) => `${n} ${m}`);
  return (
    `range guard: min/max replaced ${each.join(', ')} range(s) that cost over ` +
    `${RANGE_GUARD_DB} dB of SQNR (--json lists them)`
  );
}

/** The short table a person reads after `zeropoint quantize`. */
export function formatQuantize(r: QuantizeReport): string {
  const rows = Object.entries(r.plan.byOp)
    .sort((a, b) => b[1].quantized + b[1].sharesScale - (a[1].quantized + a[1].sharesScale))
    .map(([op, s]) => [
      op,
      String(s.quantized + s.sharesScale),
      String(s.folded),
      String(s.float),
      Object.entries(s.floatReasons)
        .map(([why, n]) => (n > 1 ? `${why} (${n})` : why))
        .join('; '),
    ]);
  const calibration =
    r.calibrationMs === 0
      ? `calibration: from cache ${r.cache ?? ''}`
      : `calibration: ${r.samples} samples, ${r.method}, ${num(r.calibrationMs / 1000, 3)} s` +
        (r.cache === null ? '' : `, statistics saved to ${r.cache}`);
  return [
    `${r.input} -> ${r.output}`,
    calibration,
    `activations: ${r.activations.scheme} ${r.activations.qtype}; ${r.activations.storage}`,
    '',
    table(['op', 'integer', 'folded', 'float', 'why float'], rows),
    '',
    `nodes: ${r.plan.integer} of ${r.plan.nodes} run on integers or fold away, ${r.plan.float} stay float`,
    `size: ${kb(r.sizeBefore)} -> ${kb(r.sizeAfter)} (${(r.sizeBefore / r.sizeAfter).toFixed(2)}x smaller)`,
    ...(r.biasCorrected === 0
      ? []
      : [`bias correction: ${r.biasCorrected} Conv biases corrected for weight rounding`]),
    ...(r.rangeFallbacks.count === 0 ? [] : [guardLine(r.rangeFallbacks.byMethod)]),
    ...(r.advice === undefined ? [] : ['', formatAdvice(r.advice)]),
  ].join('\n');
}
