// `npm run bench -- equalize [--quick]`: cross-layer equalization (`--equalize`) against plain
// static INT8 on the PP-OCR classifier, recognizer and detector, scored with each model's own
// metric on held-out data (bench/ocr), with per-channel weights (the default) and per-tensor
// weights (where DFQ's equalization was meant to help most). Also the fp32 model after
// equalization, which must score exactly what fp32 does. Figures only; asserts nothing.
import { readFileSync } from 'node:fs';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { readModel } from '../src/onnx/index.js';
import { buildGraph, writeModel } from '../src/onnx/index.js';
import { equalizeConvPairs } from '../src/passes/index.js';
import {
  modelInputs,
  prepareModel,
  runStaticRecipe,
  type StaticOptions,
} from '../src/ptq/index.js';
import { CASES } from './accuracy.js';
import { printTable } from './harness.js';
import { ortRunner } from './ocr/ort.js';

const VARIANTS: readonly { label: string; options: StaticOptions }[] = [
  { label: 'int8 per-channel', options: {} },
  { label: 'int8 per-channel --equalize', options: { equalize: true } },
  { label: 'int8 per-tensor', options: { weightGranularity: 'per-tensor' } },
  {
    label: 'int8 per-tensor --equalize',
    options: { weightGranularity: 'per-tensor', equalize: true },
  },
];

export async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const names = (process.env.ZP_MODELS ?? 'cls,rec,det').split(',');
  for (const c of CASES.filter((k) => names.some((n) => k.bench.name.includes(n)))) {
    if (c.calib.includes('wakeword')) continue;
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const count = quick ? Math.ceil(c.evalCount / 4) : c.evalCount;
    const base = await c.bench.evaluate(await ortRunner(fp32), count);
    const { model } = prepareModel(fp32, 13);
    const report = equalizeConvPairs(buildGraph(model));
    const equalized = await c.bench.evaluate(await ortRunner(writeModel(model)), count);
    const rows = [
      ['fp32', base.value.toFixed(4), '100.0%', ''],
      ['fp32 --equalize', equalized.value.toFixed(4), pct(equalized.value, base.value), ''],
    ];
    for (const v of VARIANTS) {
      const batches = readCalibrationData(c.calib, modelInputs(readModel(fp32)), {});
      const t0 = performance.now();
      const { bytes } = await runStaticRecipe(fp32, batches, v.options);
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      const metric = await c.bench.evaluate(await ortRunner(bytes), count);
      rows.push([v.label, metric.value.toFixed(4), pct(metric.value, base.value), seconds]);
      console.error(`  ${c.bench.name}: ${v.label} done`);
    }
    console.log(
      `\n${c.bench.name}: ${base.metric} on ${base.count} held-out samples; ` +
        `${report.pairs.length} conv pairs equalized in ${report.iterations} sweeps, ` +
        `${report.skipped.length} conv inputs not equalizable`,
    );
    printTable([' model', base.metric, '% of fp32', 'quantize s'], rows);
  }
}

function pct(value: number, base: number): string {
  return `${((value / base) * 100).toFixed(1)}%`;
}
