// The transformer part of `npm run bench -- latency` (`--only-transformers` runs it alone): what
// `zeropoint quantize MODEL --calib DIR` writes for each model of data/transformers/ (static int8,
// then the verdict's balanced choice among the static variants and, when none is within 5 % of
// fp32, the other recipes that follow fp32 as closely: advise/quantize-verdict.ts), with its
// held-out metric (bench/transformers' scorers), size and batch-1 latency against fp32 and static
// int8, all interleaved on one thread. ZP_MODELS=bert,gpt picks models. Asserts nothing.
import { weighedExcludes } from '../src/advise/op-payoff.js';
import { AGREEMENT_SAMPLES } from '../src/advise/mode-candidates.js';
import { judgeStatic } from '../src/advise/quantize-verdict.js';
import { compareLatency } from '../src/hardware/model-latency.js';
import { runStaticRecipe } from '../src/ptq/index.js';
import { formatVerdict } from '../src/cli/quantize/verdict.js';
import { printTable } from './harness.js';
import { calibrationFeeds, metricOf, modelBytes, TRANSFORMERS } from './transformers/models.js';

/** One row per model and output (static int8, the default output); verdict lines after. */
export async function transformerLatency(runs: number): Promise<void> {
  const rows: string[][] = [];
  const lines: string[] = [];
  const picked = process.env.ZP_MODELS?.split(',');
  for (const m of TRANSFORMERS.filter((x) => picked?.includes(x.name) ?? true)) {
    const fp32 = modelBytes(m);
    const calib = calibrationFeeds(m);
    const options = { alsoCalibrate: weighedExcludes() };
    const built = await runStaticRecipe(fp32, calib, options);
    // As the CLI: timed on the first calibration sample, agreement on the first few.
    const judged = await judgeStatic(
      fp32,
      built,
      options,
      calib[0]!,
      { runs },
      calib.slice(0, AGREEMENT_SAMPLES),
    );
    const base = await metricOf(m, fp32);
    const timed = await compareLatency([fp32, built.bytes, judged.bytes], m.latencyFeeds(), {
      runs,
    });
    for (const [label, bytes, i] of [
      ['static int8', built.bytes, 1],
      [`default (${judged.verdict.chosen ?? 'none'})`, judged.bytes, 2],
    ] as const) {
      const metric = await metricOf(m, bytes);
      rows.push([
        m.name,
        label,
        `${metric.toFixed(4)} (fp32 ${base.toFixed(4)})`,
        `${((metric / base) * 100).toFixed(2)}%`,
        `${(fp32.length / bytes.length).toFixed(2)}x`,
        `${timed.medianMs[0]!.toFixed(3)}`,
        `${timed.medianMs[i]!.toFixed(3)}`,
        `${timed.ratios[i]!.toFixed(2)}x`,
      ]);
    }
    lines.push(`${m.name}: ${formatVerdict(judged.verdict)}`);
  }
  printTable(
    ['model', 'output', 'held-out metric', '% fp32', 'smaller', 'fp32 ms', 'ms', 'vs fp32'],
    rows,
  );
  for (const l of lines) console.log(l);
  console.log(
    `transformers: batch 1 (held-out row 0), 1 thread, median of ${runs} interleaved runs`,
  );
}
