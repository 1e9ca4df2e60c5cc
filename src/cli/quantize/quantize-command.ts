// `zeropoint quantize MODEL --calib PATH -o OUT`: static INT8 quantization of an ONNX model to
// QDQ form, and the command's registration with every mode's flags (--dynamic, --weights and the
// advised --activations auto|--target dispatch from here). Reads the model and data, makes one
// library call (api/'s quantizeStatic, quantizeDynamic or quantizeWeights), writes the output
// atomically and prints a short table (or the report as JSON). The recipes live below.
import type { Command } from 'commander';
import { quantizeStatic, type QuantizeStaticResult } from '../../api/index.js';
import { fail } from '../../core/errors.js';
import { RANGE_GUARD_DB } from '../../observers/index.js';
import { modelInputs, type DynamicReport, type WeightsReport } from '../../ptq/index.js';
import { num, table } from '../common/format.js';
import { progressBar } from '../common/progress.js';
import { openCalibrationData } from '../io/calib-data.js';
import { loadCache, readModelFile, readModelProto } from '../io/read-inputs.js';
import { runExternalMode, wantsExternalData } from './external-mode.js';
import { checkOutputPaths, checkWritable, writeAtomic } from '../io/write-atomic.js';
import { runAdvisedQuantize, wantsAdvice, withHardwareStorage } from './advised.js';
import { calibrateMode } from './weight-calibration.js';
import { formatQat, runQatQuantize, wantsQat, type QatFlags } from './qat.js';
import {
  formatAdaround,
  runAdaroundQuantize,
  wantsAdaround,
  type AdaroundFlags,
} from './adaround.js';
import { runFloat16Modes, type Float16Flags } from './float16-variants.js';
import {
  formatRewrites,
  rewritesFromFlags,
  wantsRewrites,
  type RewriteFlags,
} from './rewrite-flags.js';
import { formatAdvice } from './advised-format.js';
import { imageFromFlags, planFromFlags, runFromFlags, type QuantizeFlags } from './flags.js';
import {
  formatModeReport,
  parseModeFlags,
  runQuantizeMode,
  type ModeFlags,
  type ModeOptions,
} from './modes.js';
import type { QuantizeReport } from '../../report/quantize-report.js';
import {
  AGREEMENT_SAMPLES,
  judgeStatic,
  keepSamples,
  weighedExcludes,
  type Verdict,
  type VerdictOptions,
} from '../../advise/index.js';
import type { Feeds } from '../../ptq/index.js';
import {
  checkMaxLatency,
  formatVerdict,
  modeVerdict,
  verdictFeeds,
  verdictFromFlags,
  type VerdictFlags,
} from './verdict.js';
import { prestartObserveWorker, workerObserveHost } from '../calibrate-worker/worker-host.js';
import { addQuantizeOptions } from './options.js';
import { formatWeightsQat, runWeightsQatQuantize } from './weights-qat.js';

/**
 * `--dynamic` / `--weights`: no calibration data; writes the output (the verdict's choice when
 * `verdict` is given, timed on generated inputs), returns the report.
 */
export async function runModeQuantize(
  modelPath: string,
  output: string,
  mode: ModeOptions,
  verdict?: VerdictOptions,
  externalData?: string | boolean,
): Promise<(DynamicReport | WeightsReport) & { verdict?: Verdict }> {
  checkOutputPaths(modelPath, output);
  const input = readModelProto(modelPath);
  if (wantsExternalData(input.model, externalData)) {
    return runExternalMode(modelPath, input, output, mode, externalData);
  }
  const { bytes, model } = input;
  checkWritable(output);
  const result = await runQuantizeMode(bytes, mode);
  if (verdict === undefined) {
    writeAtomic(output, result.model);
    return result.report;
  }
  const feeds = verdictFeeds(model, undefined);
  const judged = await modeVerdict(bytes, result.model, mode, feeds, verdict);
  writeAtomic(output, judged.bytes);
  return { ...result.report, verdict: judged.verdict };
}

/** Runs the command and returns the report (printing is the caller's). */
export async function runQuantize(
  modelPath: string,
  flags: QuantizeFlags & VerdictFlags & RewriteFlags,
): Promise<QuantizeReport & { verdict?: Verdict }> {
  checkOutputPaths(modelPath, flags.output, flags.cache);
  if (wantsAdvice(flags) && wantsRewrites(flags)) {
    fail('bad-argument', '--equalize and --smooth-quant apply to plain static quantization');
  }
  if (flags.searchLatency === true && flags.target === undefined && !flags.targetMetric) {
    fail(
      'bad-argument',
      "--search-latency is the accuracy search's second objective: give --target",
    );
  }
  if (wantsAdvice(flags)) return runAdvisedQuantize(modelPath, flags);
  const { bytes, model } = readModelFile(modelPath);
  checkWritable(flags.output);
  const { plan, method, observerOptions } = planFromFlags(withHardwareStorage(flags));
  const cache = loadCache(flags.cache);
  if (cache === undefined) prestartObserveWorker();
  const verdict = verdictFromFlags(flags);
  const samples: Feeds[] = [];
  let result: QuantizeStaticResult;
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
    }
    const batches =
      data === undefined ? undefined : keepSamples(data.batches, AGREEMENT_SAMPLES, samples);
    result = await quantizeStatic(bytes, batches, {
      ...plan,
      ...rewritesFromFlags(flags),
      ...(verdict === undefined ? {} : { alsoCalibrate: weighedExcludes() }),
      method,
      observerOptions,
      ...runFromFlags(flags),
      observeHost: workerObserveHost,
      ...(data?.samples === undefined ? {} : { total: data.samples }),
      ...(cache === undefined ? {} : { cache }),
      files: {
        input: modelPath,
        output: flags.output,
        ...(flags.cache === undefined ? {} : { cache: flags.cache }),
      },
      onProgress: (_stage, done, total) => bar.update(done, total),
    });
  } finally {
    bar.stop();
  }
  let written = result.model;
  let judged: Verdict | undefined;
  if (verdict !== undefined) {
    const options = { ...plan, method, observerOptions };
    const quantized = { bytes: result.model, calibration: result.calibration };
    const feeds = verdictFeeds(model, samples[0]);
    ({ bytes: written, verdict: judged } = await judgeStatic(
      bytes,
      quantized,
      options,
      feeds,
      verdict,
      samples.length > 0 ? samples : [feeds],
    ));
  }
  writeAtomic(flags.output, written);
  if (flags.cache !== undefined && cache === undefined) {
    writeAtomic(flags.cache, JSON.stringify(result.calibration));
  }
  return judged === undefined ? result.report : { ...result.report, verdict: judged };
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
    ...formatRewrites(r),
    ...(r.advice === undefined ? [] : ['', formatAdvice(r.advice)]),
  ].join('\n');
}

type Flags = QuantizeFlags &
  ModeFlags &
  VerdictFlags &
  RewriteFlags &
  Float16Flags &
  QatFlags &
  AdaroundFlags;

/**
 * `--adaround` or `--qat`: static quantization that then learns on --calib (or, with
 * `--weights`, weight-only codes fine-tuned). Refuses the other modes' flags (and the two
 * together), prints the report; false when neither flag is given.
 */
async function runLearnedStatic(model: string, flags: Flags): Promise<boolean> {
  const adaround = wantsAdaround(flags);
  if (!adaround && !wantsQat(flags)) return false;
  const float16 = flags.fp16 === true || (flags.variants ?? false) !== false;
  const mode = parseModeFlags(flags);
  if (!adaround && mode?.mode === 'weights' && !wantsAdvice(flags) && !float16) {
    const r = await runWeightsQatQuantize(model, mode.options, flags);
    console.log(
      flags.json === true ? JSON.stringify(r, null, 2) : formatWeightsQat(model, flags.output, r),
    );
    return true;
  }
  const others = mode !== undefined || wantsAdvice(flags) || wantsRewrites(flags);
  if ((adaround && wantsQat(flags)) || others || float16) {
    fail(
      'bad-argument',
      adaround
        ? '--adaround learns the rounding of plain static quantization: drop the other mode flags'
        : '--qat fine-tunes plain static quantization: drop the other mode flags',
    );
  }
  const [report, lines] = adaround
    ? await runAdaroundQuantize(model, flags).then((r) => [r, formatAdaround(r)] as const)
    : await runQatQuantize(model, flags).then((r) => [r, formatQat(r)] as const);
  console.log(
    flags.json === true
      ? JSON.stringify(report, null, 2)
      : [formatQuantize(report), '', ...lines].join('\n'),
  );
  return true;
}

/** Adds `zeropoint quantize` to the program. */
export function registerQuantize(program: Command): void {
  const quantizeCommand = program
    .command('quantize')
    .description('quantize an ONNX model to a QDQ model that onnxruntime runs on integers')
    .argument('<model>', 'float32 ONNX model (never modified), or a folder with --variants');
  addQuantizeOptions(quantizeCommand);
  quantizeCommand.action(async (model: string, flags: Flags) => {
    if (await runLearnedStatic(model, flags)) return;
    const float = await runFloat16Modes(model, flags);
    if (float !== undefined) {
      console.log(flags.json === true ? JSON.stringify(float.report, null, 2) : float.text);
      return;
    }
    if ((flags.output as string | undefined) === undefined) {
      fail('bad-argument', "required option '-o, --output <file>' not specified");
    }
    const mode = await calibrateMode(model, parseModeFlags(flags), flags);
    if (mode !== undefined && wantsRewrites(flags)) {
      fail('bad-argument', '--equalize and --smooth-quant apply to static quantization (--calib)');
    }
    let report: { readonly verdict?: Verdict };
    let text: string;
    if (mode !== undefined) {
      const verdict = verdictFromFlags(flags);
      const r = await runModeQuantize(model, flags.output, mode, verdict, flags.externalData);
      [report, text] = [r, formatModeReport(r)];
    } else {
      const r = await runQuantize(model, flags);
      [report, text] = [r, formatQuantize(r)];
    }
    const line = report.verdict === undefined ? [] : [formatVerdict(report.verdict)];
    console.log(flags.json === true ? JSON.stringify(report, null, 2) : [text, ...line].join('\n'));
    if (report.verdict !== undefined) checkMaxLatency(report.verdict);
  });
}
