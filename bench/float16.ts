// `npm run bench -- float16 [--quick]`: the real PP-OCR models converted to float16 (float32 I/O,
// as transformers.js's model_fp16.onnx) and then quantized from that fp16 model (static int8,
// dynamic int8, int4 weight-only), each scored on held-out rendered data against fp32, beside
// the same recipe on the fp32 model; plus the output agreement of the fp16-I/O form and its
// dynamic quantization with their fp16 source. Figures only: asserts nothing.
import { readFileSync } from 'node:fs';
import { runFloat16Recipe } from '../src/ptq/float16-model.js';
import type { Feeds } from '../src/ptq/index.js';
import { compareOutputs } from '../src/ptq/output-agreement.js';
import { runDynamicRecipe } from '../src/ptq/quantize-dynamic.js';
import { runStaticRecipe } from '../src/ptq/quantize-static.js';
import { runWeightsRecipe } from '../src/ptq/quantize-weights.js';
import { printTable } from './harness.js';
import { clsBench, detBench, recBench, type OcrBench } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';

const quick = process.argv.includes('--quick');
const CASES: readonly { bench: OcrBench; evalCount: number }[] = [
  { bench: clsBench, evalCount: quick ? 100 : 400 },
  { bench: recBench, evalCount: quick ? 100 : 400 },
  { bench: detBench, evalCount: quick ? 4 : 16 },
];

function feedsOf(bench: OcrBench, count: number): Feeds[] {
  return bench
    .calibrationInputs(count)
    .map((inputs) =>
      Object.fromEntries(
        inputs.map((t) => [t.name, { type: 'float32' as const, dims: t.dims, data: t.data }]),
      ),
    );
}

const mb = (n: number) => (n / 1e6).toFixed(2);

async function benchCase(bench: OcrBench, evalCount: number): Promise<string[][]> {
  const fp32 = new Uint8Array(readFileSync(bench.modelPath));
  const calib = feedsOf(bench, 16);
  const fp16 = runFloat16Recipe(fp32).bytes;
  const models: [string, () => Promise<Uint8Array> | Uint8Array][] = [
    ['fp32', () => fp32],
    ['fp16', () => fp16],
    ['static int8 (from fp32)', async () => (await runStaticRecipe(fp32, calib)).bytes],
    ['static int8 (from fp16)', async () => (await runStaticRecipe(fp16, calib)).bytes],
    ['dynamic int8 (from fp32)', () => runDynamicRecipe(fp32).bytes],
    ['dynamic int8 (from fp16)', () => runDynamicRecipe(fp16).bytes],
    ['int4 weights (from fp32)', () => runWeightsRecipe(fp32, { bits: 4 }).bytes],
    ['int4 weights (from fp16)', () => runWeightsRecipe(fp16, { bits: 4 }).bytes],
  ];
  const rows: string[][] = [];
  let base: number | undefined;
  for (const [name, make] of models) {
    const started = performance.now();
    const bytes = await make();
    const seconds = (performance.now() - started) / 1000;
    const metric = await bench.evaluate(await ortRunner(bytes), evalCount);
    base ??= metric.value;
    rows.push([
      bench.name,
      name,
      `${metric.metric} ${metric.value.toFixed(4)}`,
      `${((100 * metric.value) / base).toFixed(2)}%`,
      mb(bytes.length),
      seconds.toFixed(1),
    ]);
    console.error(`${bench.name} ${name}: ${metric.value.toFixed(4)}`);
  }
  // The float16-I/O form: fed float16 (feedsFor casts), compared with its own fp16 source.
  const half = runFloat16Recipe(fp32, { io: 'float16' }).bytes;
  const held = feedsOf(bench, 4);
  for (const [name, bytes, reference] of [
    ['fp16 I/O vs fp32', half, fp32],
    ['fp16 I/O dynamic vs fp16 I/O', runDynamicRecipe(half).bytes, half],
  ] as const) {
    const [a] = await compareOutputs(reference, bytes, held);
    rows.push([bench.name, name, `cosine ${a!.cosine.toFixed(6)}`, '', mb(bytes.length), '']);
  }
  return rows;
}

/** Runs the benchmark and prints its table. */
export async function run(): Promise<void> {
  const rows: string[][] = [];
  for (const { bench, evalCount } of CASES) rows.push(...(await benchCase(bench, evalCount)));
  printTable(['model', 'variant', 'held-out metric', '% of fp32', 'MB', 'build s'], rows);
}
