// `zeropoint quantize MODEL --calib PATH -o OUT`: static INT8 quantization of an ONNX model to
// QDQ form. Reads the model and data, runs the ptq recipe, writes the output atomically and
// prints a short table (or one JSON object). The recipe itself lives in ptq/.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fail } from '../core/errors.js';
import { summarizePlan } from '../passes/index.js';
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
import { checkWritable, writeAtomic } from './write-atomic.js';
import { loadCache, readModelFile } from './read-inputs.js';
import { runQuantizeMode, type ModeOptions } from './quantize-modes.js';
import { formatAdvice } from './profile-format.js';
import type { QuantizeReport } from './quantize-report.js';
import { runAdvisedQuantize, wantsAdvice, withHardwareStorage } from './profile-quantize.js';
import type { DynamicReport } from '../ptq/quantize-dynamic.js';
import type { WeightsReport } from '../ptq/quantize-weights.js';

/** True when both paths name one file: the same path, or (through links) the same inode. */
function isSameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

function refuseInputAsOutput(modelPath: string, output: string): void {
  if (isSameFile(modelPath, output)) {
    fail(
      'bad-argument',
      `the output path ${output} is the input model; zeropoint never overwrites its ` +
        'input: choose another -o path',
      { file: output },
    );
  }
}

/** `--dynamic` / `--weights`: no calibration data; writes the output, returns the report. */
export function runModeQuantize(
  modelPath: string,
  output: string,
  mode: ModeOptions,
): DynamicReport | WeightsReport {
  refuseInputAsOutput(modelPath, output);
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
  refuseInputAsOutput(modelPath, flags.output);
  if (wantsAdvice(flags)) return runAdvisedQuantize(modelPath, flags);
  const cachePath = flags.cache;
  if (cachePath !== undefined && [modelPath, flags.output].some((p) => isSameFile(p, cachePath))) {
    fail('bad-argument', `--cache ${cachePath} names the input or output model; give a .json path`);
  }
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
  const summary = summarizePlan(result.plan);
  return {
    input: modelPath,
    output: flags.output,
    mode: 'static',
    method,
    activations: {
      ...summary.activation,
      storage:
        summary.activation.scheme === 'symmetric' && summary.activation.qtype === 'uint8'
          ? 'symmetric grid stored as uint8 with zero point 128 (fast uint8 x int8 kernels)'
          : `${summary.activation.qtype}`,
    },
    samples,
    calibrationMs: result.calibrationMs,
    cache: flags.cache ?? null,
    sizeBefore: bytes.length,
    sizeAfter: result.bytes.length,
    biasCorrected: result.insert.correctedBias,
    plan: summary,
    notes: [
      ...result.calibration.notes.map((n) => JSON.stringify(n)),
      ...(result.plan.channelMeans.length > 0 && result.insert.correctedBias === 0
        ? [
            'bias correction: the calibration cache holds no channel means; calibrate again to correct biases',
          ]
        : []),
    ],
  };
}

function kb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} KB`;
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
    ...(r.advice === undefined ? [] : ['', formatAdvice(r.advice)]),
  ].join('\n');
}
