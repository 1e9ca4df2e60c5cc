// `npm run bench -- latency [--quick]`: per model of the accuracy bench (CASES), the default
// static output's latency against fp32 before and after the rewrites that unlock fast kernels
// (depthwise channel padding, integer MaxPool/Resize/Mul/Add only where they pay off), with
// size ratio and accuracy, and the verdict line `zeropoint quantize` prints. Latency: one
// thread, interleaved in one run per model, on the case's latency input. Asserts nothing.
import { readFileSync } from 'node:fs';
import { weighedExcludes } from '../src/advise/op-payoff.js';
import { judgeStatic } from '../src/advise/quantize-verdict.js';
import { compareLatency } from '../src/hardware/model-latency.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { readModel } from '../src/onnx/index.js';
import { modelInputs, runStaticRecipe } from '../src/ptq/index.js';
import { CASES } from './accuracy.js';
import { printTable } from './harness.js';
import { ortRunner } from './ocr/ort.js';

export async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const runs = quick ? 15 : 40;
  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const c of CASES) {
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const batches = readCalibrationData(c.calib, modelInputs(readModel(fp32)), {});
    const first = await runStaticRecipe(fp32, batches, { alsoCalibrate: weighedExcludes() });
    const cache = first.calibration;
    const before = await runStaticRecipe(fp32, undefined, { cache, padChannels: false });
    const data = new Float32Array(c.latencyShape.reduce((a, b) => a * b, 1)).map((_, i) =>
      Math.sin(i),
    );
    const name = modelInputs(readModel(fp32))[0]!.name;
    const feeds = { [name]: { type: 'float32' as const, dims: c.latencyShape, data } };
    // What `zeropoint quantize` writes: the verdict's choice (balanced) among the variants.
    const judged = await judgeStatic(fp32, first, { alsoCalibrate: weighedExcludes() }, feeds, {
      runs,
    });
    const after = judged.bytes;
    const payoff = judged.payoff;
    const count = quick ? Math.ceil(c.evalCount / 4) : c.evalCount;
    const score = async (bytes: Uint8Array) =>
      (await c.bench.evaluate(await ortRunner(bytes), count)).value;
    const [base, a, b] = [await score(fp32), await score(before.bytes), await score(after)];
    const timed = await compareLatency([fp32, before.bytes, after], feeds, { runs });
    const padded = first.pads.filter((p) => p.padded !== undefined).length;
    for (const [label, bytes, value, i] of [
      ['before', before.bytes, a, 1],
      ['after', after, b, 2],
    ] as const) {
      rows.push([
        `${c.bench.name} ${label}`,
        `${((value / base) * 100).toFixed(1)}%`,
        `${(fp32.length / bytes.length).toFixed(2)}x`,
        `${timed.medianMs[0]!.toFixed(2)}`,
        `${timed.medianMs[i]!.toFixed(2)}`,
        `${timed.ratios[i]!.toFixed(2)}x`,
        label === 'after' ? `${padded} dw padded; ${judged.verdict.chosen ?? 'none'}` : '',
      ]);
    }
    const ops = payoff.ops.map((o) => `${o.op} x${o.nodes} float ${o.latency.toFixed(2)}x`);
    console.log(`${c.bench.name}: integer ops weighed: ${ops.join(', ') || 'none'}`);
    verdicts.push(`${c.bench.name}: verdict: ${judged.verdict.words}`);
  }
  printTable(
    ['model', '% of fp32', 'smaller', 'fp32 ms', 'int8 ms', 'vs fp32', 'rewrites; chosen'],
    rows,
  );
  for (const v of verdicts) console.log(v);
  console.log(`\nlatency: onnxruntime-node, 1 thread, median of ${runs} interleaved runs`);
}
