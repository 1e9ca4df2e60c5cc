// `npm run bench -- activation-matmul`: static INT8 with activationMatMul 'quantize' against
// 'float' (MatMuls of two activations, attention's QK^T and AV) on the PP-OCR recognizer and
// the three transformers of data/transformers/: held-out metric of each and single-threaded
// batch-1 latency of both, interleaved in one process with compareLatency (paired ratios to
// fp32 and of float to quantize). The figures behind the default; asserts nothing.
import { readFileSync } from 'node:fs';
import { compareLatency } from '../src/hardware/model-latency.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { modelInputs, runStaticRecipe } from '../src/ptq/index.js';
import { readModel } from '../src/onnx/index.js';
import { quantizeStatic } from '../src/api/index.js';
import { createSession, type RuntimeTensor } from '../src/runtime/onnxruntime.js';
import { printTable } from './harness.js';
import { recBench } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';
import { calibrationFeeds, modelBytes, TRANSFORMERS } from './transformers/models.js';

type Mode = 'quantize' | 'float';
const MODES: readonly Mode[] = ['quantize', 'float'];

/** One model's row: metric per mode, medians and paired ratios. */
interface Row {
  readonly model: string;
  readonly fp32: number;
  readonly metrics: readonly number[];
  readonly ms: readonly number[];
  readonly ratios: readonly number[];
  /** Paired ratios float / quantize over the same rounds, one per repeat. */
  readonly floatVsQuantize: readonly number[];
}

/** Timed rounds: the recognizer (~50 ms a run) and the transformers (under 1 ms a run). */
const REC_RUNS = Number(process.env.ZP_RUNS ?? 60);
const TRANSFORMER_RUNS = Number(process.env.ZP_TRANSFORMER_RUNS ?? 1000);
/** How many times float is timed against quantize alone (each a paired median ratio). */
const REPEATS = 3;

/** Times fp32, quantize, float; then float against quantize alone, REPEATS times. */
async function timeAll(
  models: readonly Uint8Array[],
  feeds: Record<string, RuntimeTensor>,
  runs: number,
) {
  const all = await compareLatency(models, feeds, { runs, threads: 1 });
  const pairs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const pair = await compareLatency([models[1]!, models[2]!], feeds, { runs, threads: 1 });
    pairs.push(pair.ratios[1]!);
  }
  return { ms: all.medianMs, ratios: all.ratios, floatVsQuantize: pairs };
}

async function recognizer(): Promise<Row> {
  const fp32 = new Uint8Array(readFileSync(recBench.modelPath));
  const count = Number(process.env.ZP_REC_COUNT ?? 400);
  const base = await recBench.evaluate(await ortRunner(fp32), count);
  const batches = () => readCalibrationData('data/ocr/rec', modelInputs(readModel(fp32)), {});
  const built: Uint8Array[] = [];
  const metrics: number[] = [];
  for (const activationMatMul of MODES) {
    const { bytes } = await runStaticRecipe(fp32, batches(), { activationMatMul });
    built.push(bytes);
    metrics.push((await recBench.evaluate(await ortRunner(bytes), count)).value);
    console.error(`  recognizer: ${activationMatMul} done`);
  }
  const session = await createSession(fp32, { threads: 1 });
  const name = session.inputNames[0]!;
  await session.release();
  const shape = [1, 3, 48, 320];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  const t = await timeAll(
    [fp32, ...built],
    { [name]: { type: 'float32', dims: shape, data } },
    REC_RUNS,
  );
  return { model: `PP-OCRv4 rec (${count})`, fp32: base.value, metrics, ...t };
}

async function transformers(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const m of TRANSFORMERS) {
    const fp32 = modelBytes(m);
    const calib = calibrationFeeds(m);
    const score = async (bytes: Uint8Array) => {
      const s = await createSession(bytes, { threads: 1 });
      try {
        return await m.evaluate(s);
      } finally {
        await s.release();
      }
    };
    const built: Uint8Array[] = [];
    const metrics: number[] = [];
    for (const activationMatMul of MODES) {
      const { model } = await quantizeStatic(fp32, calib, { activationMatMul });
      built.push(model);
      metrics.push(await score(model));
      console.error(`  ${m.name}: ${activationMatMul} done`);
    }
    const t = await timeAll([fp32, ...built], m.latencyFeeds(), TRANSFORMER_RUNS);
    rows.push({ model: m.name, fp32: await score(fp32), metrics, ...t });
  }
  return rows;
}

export async function run(): Promise<void> {
  const which = process.env.ZP_MODELS ?? 'rec,bert,gpt,vit';
  const rows: Row[] = [];
  if (which.includes('rec')) rows.push(await recognizer());
  if (/bert|gpt|vit/.test(which)) rows.push(...(await transformers()));
  const pct = (v: number, b: number) => `${((v / b) * 100).toFixed(2)}%`;
  printTable(
    ['model', 'fp32', 'quantize', 'float', 'ms fp32', 'ms quantize', 'ms float', 'float/quantize'],
    rows.map((r) => [
      r.model,
      r.fp32.toFixed(4),
      pct(r.metrics[0]!, r.fp32),
      pct(r.metrics[1]!, r.fp32),
      r.ms[0]!.toFixed(2),
      `${r.ms[1]!.toFixed(2)} (${r.ratios[1]!.toFixed(2)}x)`,
      `${r.ms[2]!.toFixed(2)} (${r.ratios[2]!.toFixed(2)}x)`,
      r.floatVsQuantize.map((x) => `${x.toFixed(3)}x`).join(' '),
    ]),
  );
  console.log(
    `\nlatency: onnxruntime-node, 1 thread, batch 1, median of ${REC_RUNS} (recognizer) or ` +
      `${TRANSFORMER_RUNS} (transformers) rounds, models interleaved in a rotating order;`,
  );
  console.log(`float/quantize: paired median ratios of ${REPEATS} more runs of the two alone`);
}
