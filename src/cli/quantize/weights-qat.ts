// `zeropoint quantize MODEL --weights int4 --calib PATH --qat [--steps N] [--lr X]
// [--batch-size B] [--learn weights|both] [--holdout N] -o OUT`: weight-only quantization (GPTQ
// on the training split by default), then the block codes fine-tuned by distillation from the
// fp32 outputs (api/'s quantizeWeightsQat), with a progress line on stderr. Flags in, one
// library call, the file written atomically. Not the training (qat/) and not static --qat.
import { quantizeWeightsQat, type WeightsQatReport } from '../../api/index.js';
import { fail } from '../../core/errors.js';
import type { WeightsOptions } from '../../ptq/index.js';
import { progressBar } from '../common/progress.js';
import { formatFigures, rankedBy } from '../../qat/held-out-judge.js';
import { checkOutputPaths, writeAtomic } from '../io/write-atomic.js';
import type { QuantizeFlags } from './flags.js';
import { openTraining, stepLine, type QatFlags } from './qat.js';

/** Runs `--weights ... --qat` and writes the model; returns the report (printing is the caller's). */
export async function runWeightsQatQuantize(
  modelPath: string,
  options: WeightsOptions,
  flags: QuantizeFlags & QatFlags,
): Promise<WeightsQatReport> {
  checkOutputPaths(modelPath, flags.output);
  if (flags.calib === undefined) {
    fail('bad-argument', '--weights with --qat needs calibration data: --calib PATH');
  }
  if (options.format === 'matmulnbits') {
    fail(
      'bad-argument',
      '--qat trains blocked DequantizeLinear weights: drop --format matmulnbits',
    );
  }
  const learn = flags.learn ?? 'weights';
  if (learn !== 'weights' && learn !== 'both') {
    fail('bad-argument', `--learn with --weights --qat takes weights|both, not '${learn}'`);
  }
  if (flags.accumulate !== undefined) {
    fail('bad-argument', '--accumulate applies to static --qat only');
  }
  if (flags.loss !== undefined) {
    fail('bad-argument', '--loss applies to static --qat only (weight-only QAT distils from fp32)');
  }
  const { bytes, numbers, data } = await openTraining(modelPath, flags.calib, flags);
  const quiet = flags.json === true;
  const bar = progressBar(data.samples, 'calibrating (weights)', { quiet });
  const line = stepLine(bar, quiet);
  try {
    const { model: out, report } = await quantizeWeightsQat(bytes, data.batches, {
      ...options,
      learnScales: learn === 'both',
      ...numbers,
      onProgress: (_stage, done, total) => bar.update(done, total),
      onStep: (step, total, loss, heldOut) => line(step, total, loss, heldOut),
    });
    writeAtomic(flags.output, out);
    return report;
  } finally {
    bar.stop();
  }
}

/** What a person reads after `--weights ... --qat`. */
export function formatWeightsQat(input: string, output: string, r: WeightsQatReport): string {
  const kb = (n: number) => `${(n / 1e3).toFixed(1)} KB`;
  return [
    `${input} -> ${output}`,
    `weights: ${r.weights} blocked weight tensors, ${kb(r.bytesIn)} -> ${kb(r.bytesOut)} ` +
      `(${(r.bytesIn / r.bytesOut).toFixed(2)}x smaller)`,
    `qat: ${r.steps} steps on ${r.trainBatches} batch(es), ${r.heldOutBatches} held out, ` +
      `loss ${r.loss}${r.loss === 'kl-logits' ? ` (T ${r.temperature})` : ''}, ` +
      `${(r.ms / 1000).toFixed(1)} s`,
    `held-out agreement with fp32: PTQ ${formatFigures(r.heldOut.before)} -> QAT ` +
      (r.heldOut.after === undefined
        ? 'n/a (a loss was not finite)'
        : formatFigures(r.heldOut.after)),
    r.kept === 'qat'
      ? `kept: the fine-tuned codes (step ${r.bestStep}, by held-out ${rankedBy(r.keepBy, r.heldOut.before)})`
      : `kept: the PTQ codes (fine-tuning did not improve held-out ${rankedBy(r.keepBy, r.heldOut.before)})`,
  ].join('\n');
}
