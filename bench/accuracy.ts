// `npm run bench -- accuracy [--quick]`: static INT8 on the real PP-OCR models and openWakeWord's
// embedding model, scored with each model's own metric on held-out rendered or synthesized
// data: fp32 against each activation scheme and calibration method, with file size and
// single-threaded latency measured in the same run.
// Calibration runs once per model (a histogram); every method's ranges come from that cache.
import { readFileSync } from 'node:fs';
import type { ObserverKind } from '../src/observers/index.js';
import type { ActivationMode } from '../src/passes/index.js';
import { runStaticRecipe, type CalibrationResult } from '../src/ptq/index.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { modelInputs } from '../src/ptq/index.js';
import { readModel } from '../src/onnx/index.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';
import { printTable } from './harness.js';
import { clsBench, detBench, recBench, type OcrBench } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';
import { wakewordBench, type WakewordBench } from './wakeword/index.js';

/** A real model, its calibration data, how many held-out samples to score, a latency input. */
export interface ModelCase {
  readonly bench: OcrBench | WakewordBench;
  readonly calib: string;
  readonly evalCount: number;
  /** One input for latency: [N, C, H, W] (the wake-word embedding model: [N, 76, 32, 1]). */
  readonly latencyShape: readonly number[];
}

/** The four real models every accuracy-style bench scores. */
export const CASES: readonly ModelCase[] = [
  { bench: clsBench, calib: 'data/ocr/cls', evalCount: 400, latencyShape: [1, 3, 48, 192] },
  { bench: recBench, calib: 'data/ocr/rec', evalCount: 400, latencyShape: [1, 3, 48, 320] },
  { bench: detBench, calib: 'data/ocr/det', evalCount: 16, latencyShape: [1, 3, 640, 640] },
  {
    bench: wakewordBench,
    calib: 'data/wakeword/calib',
    evalCount: 240,
    latencyShape: [1, 76, 32, 1],
  },
];

const VARIANTS: readonly { activations: ActivationMode; method: ObserverKind }[] = [
  { activations: 'asymmetric', method: 'minmax' },
  { activations: 'asymmetric', method: 'percentile' },
  { activations: 'asymmetric', method: 'mse' },
  { activations: 'asymmetric', method: 'entropy' },
  { activations: 'symmetric', method: 'minmax' },
  { activations: 'symmetric', method: 'percentile' },
  { activations: 'symmetric', method: 'mse' },
  { activations: 'symmetric', method: 'entropy' },
];

/** Median single-threaded latency of each model on one fixed input, interleaved. */
export async function latencies(
  models: readonly Uint8Array[],
  shape: readonly number[],
  runs: number,
) {
  const sessions = await Promise.all(models.map((m) => createSession(m, { threads: 1 })));
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  const samples = models.map(() => [] as number[]);
  for (let r = -2; r < runs; r++) {
    for (const [i, s] of sessions.entries()) {
      const feeds: Record<string, RuntimeTensor> = {
        [s.inputNames[0]!]: { type: 'float32', dims: shape, data },
      };
      const t0 = performance.now();
      await s.run(feeds);
      if (r >= 0) samples[i]!.push(performance.now() - t0);
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
}

export async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  for (const c of CASES) {
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const count = quick ? Math.ceil(c.evalCount / 4) : c.evalCount;
    const base = await c.bench.evaluate(await ortRunner(fp32), count);
    // One histogram calibration per activation mode (the plans differ); every method reads it.
    const caches = new Map<ActivationMode, CalibrationResult>();
    const variants: { label: string; bytes: Uint8Array; value: number; fallbacks: number }[] = [];
    for (const v of VARIANTS) {
      let cache = caches.get(v.activations);
      if (cache === undefined) {
        const batches = readCalibrationData(c.calib, modelInputs(readModel(fp32)), {});
        const first = await runStaticRecipe(fp32, batches, { ...v, method: 'percentile' });
        cache = first.calibration;
        caches.set(v.activations, cache);
      }
      const { bytes, fallbacks } = await runStaticRecipe(fp32, undefined, { ...v, cache });
      const metric = await c.bench.evaluate(await ortRunner(bytes), count);
      const label = `${v.activations} ${v.method}`;
      variants.push({ label, bytes, value: metric.value, fallbacks: fallbacks.length });
    }
    const times = await latencies([fp32, ...variants.map((v) => v.bytes)], c.latencyShape, 15);
    console.log(`\n${c.bench.name}: ${base.metric} on ${base.count} held-out samples`);
    printTable(
      ['model', base.metric, '% of fp32', 'guard', 'size', 'smaller', 'latency ms', 'vs fp32'],
      [
        [
          'fp32',
          base.value.toFixed(4),
          '100.0%',
          '',
          kb(fp32.length),
          '1.00x',
          ms(times[0]!),
          '1.00x',
        ],
        ...variants.map((v, i) => [
          `int8 ${v.label}`,
          v.value.toFixed(4),
          `${((v.value / base.value) * 100).toFixed(1)}%`,
          String(v.fallbacks),
          kb(v.bytes.length),
          `${(fp32.length / v.bytes.length).toFixed(2)}x`,
          ms(times[i + 1]!),
          `${(times[i + 1]! / times[0]!).toFixed(2)}x`,
        ]),
      ],
    );
  }
  console.log('\nlatency: onnxruntime-node, 1 thread, median of 15 interleaved runs on one input');
  console.log('guard: tensors whose clipped range the range guard replaced by min/max');
}

function kb(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${(n / 1e3).toFixed(0)} KB`;
}

function ms(x: number): string {
  return x.toFixed(2);
}
