// `npm run bench -- dynamic [--quick]`: dynamic INT8 (no calibration data) on the real conv nets,
// the three PP-OCR models and openWakeWord's embedding model, in each Conv form: left float,
// int8 weights through Cast -> Mul (the default) or a DequantizeLinear, ConvInteger. Per form: the model's own
// metric on held-out data against fp32, file size, and single-threaded latency measured
// interleaved with fp32 in one process. Figures only; asserts nothing.
import { readFileSync } from 'node:fs';
import { runDynamicRecipe, type DynamicConvForm } from '../src/ptq/quantize-dynamic.js';
import { CASES, latencies } from './accuracy.js';
import { printTable } from './harness.js';
import { ortRunner } from './ocr/ort.js';

const FORMS: readonly DynamicConvForm[] = ['float', 'cast-mul', 'dequantize', 'integer'];
const ROUNDS = 25;

export async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  for (const c of CASES) {
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const count = quick ? Math.ceil(c.evalCount / 4) : c.evalCount;
    const base = await c.bench.evaluate(await ortRunner(fp32), count);
    const variants = [];
    for (const conv of FORMS) {
      const { bytes, report } = runDynamicRecipe(fp32, { conv });
      const convs = report.nodes.filter((n) => n.opType === 'Conv').length;
      const metric = await c.bench.evaluate(await ortRunner(bytes), count);
      variants.push({ label: `dynamic, Conv ${conv} (${convs} int8)`, bytes, value: metric.value });
    }
    const times = await latencies(
      [fp32, ...variants.map((v) => v.bytes)],
      c.latencyShape,
      quick ? 8 : ROUNDS,
    );
    console.log(`\n${c.bench.name}: ${base.metric} on ${base.count} held-out samples`);
    const row = (label: string, value: number, bytes: number, time: number) => [
      label,
      value.toFixed(4),
      `${((value / base.value) * 100).toFixed(2)}%`,
      `${(bytes / 1e6).toFixed(2)} MB`,
      `${(fp32.length / bytes).toFixed(2)}x`,
      time.toFixed(2),
      `${(time / times[0]!).toFixed(2)}x`,
    ];
    printTable(
      ['model', base.metric, '% of fp32', 'size', 'smaller', 'latency ms', 'vs fp32'],
      [
        row('fp32', base.value, fp32.length, times[0]!),
        ...variants.map((v, i) => row(v.label, v.value, v.bytes.length, times[i + 1]!)),
      ],
    );
  }
  console.log(
    `\nlatency: onnxruntime-node, 1 thread, median of ${quick ? 8 : ROUNDS} interleaved runs on one input`,
  );
}
