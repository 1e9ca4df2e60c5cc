// `npm run bench -- latency [--quick] [--repeat=N] [--only-weights|--only-transformers|--only-conv]`:
// per model of the accuracy bench (CASES; ZP_MODELS=rec,det picks by name), the default static
// output's latency against fp32 before and after the rewrites that unlock fast kernels (depthwise
// channel padding, the builder's exact integer rewrites, integer MaxPool/Resize/Mul/Add only
// where they pay off), with size ratio and accuracy, and the verdict line `zeropoint quantize`
// prints; then the same for the transformers (latency-transformers.ts). Latency: one thread,
// process CPU time, models interleaved in a rotating order on the case's latency input, the
// median of per-round ratios to fp32 with their interquartile spread and the load average beside
// it; --repeat=N times the same models N times to show how far one figure moves. Asserts nothing.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { weighedExcludes } from '../src/advise/op-payoff.js';
import { judgeStatic, judgeWeights } from '../src/advise/quantize-verdict.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { runWeightsRecipe } from '../src/ptq/quantize-weights.js';
import { compareLatency, type LatencyComparison } from '../src/hardware/model-latency.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { readModel } from '../src/onnx/index.js';
import { modelInputs, runStaticRecipe } from '../src/ptq/index.js';
import { CASES } from './accuracy.js';
import { printTable } from './harness.js';
import { transformerLatency } from './latency-transformers.js';
import { ortRunner } from './ocr/ort.js';

export async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const runs = quick ? 15 : 40;
  const rows: string[][] = [];
  const verdicts: string[] = [];
  // --only-weights / --only-transformers: that part alone.
  const only = process.argv.find((a) => a.startsWith('--only-'));
  const repeatArg = process.argv.find((a) => a.startsWith('--repeat='));
  const repeat = Math.max(1, Number(repeatArg?.slice('--repeat='.length) ?? 1) || 1);
  const picked = process.env.ZP_MODELS?.split(',');
  if (only === undefined || only === '--only-transformers') await transformerLatency(runs);
  if (only === '--only-transformers') return;
  const cases = CASES.filter((c) => picked?.some((p) => c.bench.name.includes(p)) ?? true);
  for (const c of only === '--only-weights' ? [] : cases) {
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const inputs = modelInputs(readModel(fp32));
    const batches = readCalibrationData(c.calib, inputs, {});
    const first = await runStaticRecipe(fp32, batches, { alsoCalibrate: weighedExcludes() });
    const cache = first.calibration;
    const before = await runStaticRecipe(fp32, undefined, {
      cache,
      padChannels: false,
      integerRewrites: false,
    });
    const data = new Float32Array(c.latencyShape.reduce((a, b) => a * b, 1)).map((_, i) =>
      Math.sin(i),
    );
    const name = inputs[0]!.name;
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
    const timings: LatencyComparison[] = [];
    const loads: number[] = [];
    for (let r = 0; r < repeat; r++) {
      loads.push(loadavg()[0]!);
      timings.push(await compareLatency([fp32, before.bytes, after], feeds, { runs }));
    }
    const timed = timings[timings.length - 1]!;
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
        timings.map((t) => `${t.ratios[i]!.toFixed(3)}x`).join(' '),
        timings.map((t) => t.spread[i]!.map((x) => x.toFixed(2)).join('-')).join(' '),
        loads.map((l) => l.toFixed(1)).join(' '),
        label === 'after' ? `${padded} dw padded; ${judged.verdict.chosen ?? 'none'}` : '',
      ]);
    }
    const ops = payoff.ops.map((o) => `${o.op} x${o.nodes} float ${o.latency.toFixed(2)}x`);
    console.log(`${c.bench.name}: integer ops weighed: ${ops.join(', ') || 'none'}`);
    verdicts.push(`${c.bench.name}: verdict: ${judged.verdict.words}`);
  }
  printTable(
    [
      'model',
      '% of fp32',
      'smaller',
      'fp32 ms',
      'int8 ms',
      'vs fp32',
      'IQR',
      'load',
      'rewrites; chosen',
    ],
    rows,
  );
  for (const v of verdicts) console.log(v);
  if (only !== '--only-conv') await weightOnly(runs);
  console.log(
    `\nlatency: onnxruntime-node, 1 thread, process CPU time, median of ${runs} interleaved ` +
      'rounds (vs fp32: median of per-round ratios, one figure per --repeat=N; IQR: their ' +
      'interquartile range; load: 1-minute load average when each started)',
  );
}

/** A GPT-like MatMul stack: `layers` blocks of qkv [d, 3d], out [d, d], up [d, 4d], down [4d, d]. */
function gptStack(d: number, layers: number): Uint8Array {
  const b = new ModelBuilder();
  b.input('x', 'float32', [1, d]);
  let h = 'x';
  let seed = 1;
  const w = (name: string, k: number, n: number) =>
    b.initializer(
      name,
      'float32',
      [k, n],
      Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 0.618 + seed++) * 0.05),
    );
  for (let l = 0; l < layers; l++) {
    const qkv = b.op('MatMul', [h, w(`qkv${l}`, d, 3 * d)]);
    const q = b.op('Slice', [
      qkv,
      b.initializer(`s${l}`, 'int64', [1], [0]),
      b.initializer(`e${l}`, 'int64', [1], [d]),
      b.initializer(`a${l}`, 'int64', [1], [1]),
    ]);
    const attn = b.op('Add', [h, b.op('MatMul', [q, w(`out${l}`, d, d)])]);
    const up = b.op('Relu', [b.op('MatMul', [attn, w(`up${l}`, d, 4 * d)])]);
    h = b.op('Add', [attn, b.op('MatMul', [up, w(`down${l}`, 4 * d, d)])]);
  }
  b.output(h, 'float32');
  return b.bytes(13, 8);
}

/** Weight-only int4 on a synthetic GPT-like stack (one token): the default form and per shape. */
async function weightOnly(runs: number): Promise<void> {
  const fp32 = gptStack(512, 4);
  const x = Float32Array.from({ length: 512 }, (_, i) => Math.cos(i * 0.37));
  const feeds = { x: { type: 'float32' as const, dims: [1, 512], data: x } };
  const { bytes } = runWeightsRecipe(fp32, { bits: 4 });
  const judged = await judgeWeights(fp32, bytes, { bits: 4 }, feeds, { runs });
  console.log('\nweight-only int4, GPT-like MatMul stack (d 512, 4 layers, 1 token):');
  for (const s of judged.shapes) {
    const t = s.timings.map((f) => `${f.format} int${f.bits} ${f.latency.toFixed(2)}x`);
    console.log(
      `  [${s.k}, ${s.n}] x${s.weights.length}: ${t.join(', ')} -> ${s.chosen.format} int${s.chosen.bits}`,
    );
  }
  for (const c of judged.verdict.candidates) {
    console.log(
      `  ${c.label}: ${c.smaller.toFixed(2)}x smaller, ${c.latency.toFixed(2)}x fp32's latency`,
    );
  }
  console.log(`  verdict: ${judged.verdict.words}`);
}
