// `npx tsx bench/advise.ts [--quick] [--skip-search | --only-search]`: the advisor's proof on the real PP-OCR
// models. (1) --activations auto against all-asymmetric and all-symmetric (percentile, the
// default method), each model scored with its own metric on held-out rendered data; (2) the
// accuracy-driven search on the recognizer against a 99.5%-of-fp32 target, guided by rendered
// lines of another seed and checked on the evaluation seed; (3) the classifier's
// recommendation under the built-in x86 profile and under one where int8 x int8 is fast;
// (4) how long `zeropoint profile` takes per model, sensitivity included.
import { readFileSync } from 'node:fs';
import {
  accuracySearch,
  runProfileRecipe,
  type ProfiledModel,
  type TensorProfile,
} from '../src/advise/index.js';
import { readCalibrationData } from '../src/cli/io/calib-data.js';
import { parseHardwareProfile } from '../src/hardware/index.js';
import { readModel } from '../src/onnx/index.js';
import { buildQuantized, modelInputs, runStaticRecipe, type Feeds } from '../src/ptq/index.js';
import { printTable } from './harness.js';
import { clsBench, detBench, recBench, type OcrBench, type RunSession } from './ocr/index.js';
import { ortRunner } from './ocr/ort.js';

const quick = process.argv.includes('--quick');
const CASES = [
  { bench: clsBench, calib: 'data/ocr/cls', count: quick ? 200 : 1000 },
  { bench: recBench, calib: 'data/ocr/rec', count: quick ? 200 : 1000 },
  { bench: detBench, calib: 'data/ocr/det', count: quick ? 4 : 16 },
] as const;
const SEARCH_SEED = 3;
const FAST = 'test/fixtures/hardware/int8-fast.json';

/** A runner that also accumulates output SQNR against the fp32 outputs recorded in `ref`. */
function comparing(run: RunSession, ref: Float32Array[] | undefined, record: Float32Array[]) {
  let signal = 0;
  let noise = 0;
  let i = 0;
  const runner: RunSession = async (inputs) => {
    const out = await run(inputs);
    const q = out[0]!.data;
    if (ref === undefined) record.push(q.slice());
    else {
      const a = ref[i++]!;
      for (let k = 0; k < a.length; k++) {
        signal += a[k]! * a[k]!;
        noise += (a[k]! - q[k]!) ** 2;
      }
    }
    return out;
  };
  return { runner, sqnr: () => 10 * Math.log10(signal / noise) };
}

async function profileOf(bench: OcrBench, calib: string, heldOut: Feeds[], hardware?: string) {
  const bytes = new Uint8Array(readFileSync(bench.modelPath));
  const batches: Feeds[] = [];
  for await (const f of readCalibrationData(calib, modelInputs(readModel(bytes)), {}))
    batches.push(f);
  return runProfileRecipe({
    model: bytes,
    name: bench.name,
    batches,
    heldOut: () => heldOut,
    checkBatches: () => batches,
    sensitivity: heldOut.length > 0,
    ...(hardware === undefined
      ? {}
      : {
          hardware: {
            profile: parseHardwareProfile(JSON.parse(readFileSync(hardware, 'utf8'))),
            file: hardware,
          },
        }),
  });
}

/** Rendered held-out samples of `seed` as single-sample feeds. */
function rendered(bench: OcrBench, count: number, seed: number): Feeds[] {
  return bench.calibrationInputs(count, seed).map(([t]) => ({
    [t!.name]: { type: 'float32', dims: t!.dims, data: t!.data },
  }));
}

async function compareSchemes(): Promise<void> {
  console.log('\n== --activations auto vs all-asymmetric vs all-symmetric (percentile) ==');
  for (const c of CASES) {
    const fp32 = new Uint8Array(readFileSync(c.bench.modelPath));
    const started = performance.now();
    const profiled = await profileOf(c.bench, c.calib, []);
    const ms = performance.now() - started;
    const uniform = async (activations: 'asymmetric' | 'symmetric') =>
      (await runStaticRecipe(fp32, undefined, { activations, cache: profiled.calibration })).bytes;
    const models: [string, Uint8Array][] = [
      ['all asymmetric', await uniform('asymmetric')],
      ['all symmetric', await uniform('symmetric')],
      ['auto', buildQuantized(profiled.prepared, profiled.auto, profiled.source).bytes],
    ];
    const ref: Float32Array[] = [];
    const base = await c.bench.evaluate(
      comparing(await ortRunner(fp32), undefined, ref).runner,
      c.count,
    );
    const rows = [['fp32', base.value.toFixed(4), '100.00%', 'inf']];
    for (const [label, bytes] of models) {
      const m = comparing(await ortRunner(bytes), ref, []);
      const score = await c.bench.evaluate(m.runner, c.count);
      rows.push([
        label,
        score.value.toFixed(4),
        pct(score.value / base.value),
        m.sqnr().toFixed(2),
      ]);
    }
    console.log(
      `\n${c.bench.name}: ${base.metric} on ${base.count} held-out samples (seed 2); profile ${(ms / 1000).toFixed(1)} s`,
    );
    console.log(`  per tensor: ${describe(profiled)}`);
    console.log(`  --activations auto: ${profiled.profile.auto.reason}`);
    printTable(['configuration', base.metric, '% of fp32', 'output SQNR dB'], rows);
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function describe(p: ProfiledModel): string {
  const counts = new Map<string, number>();
  for (const t of p.profile.tensors) {
    if (t.kind !== 'activation') continue;
    const key = `${t.recommendation.scheme} ${t.recommendation.qtype} (${t.recommendation.rule})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

async function search(): Promise<void> {
  console.log('\n== accuracy-driven search: PP-OCRv4 recognizer, target 99.5% of fp32 ==');
  const bench = recBench;
  const lines = quick ? 200 : 1000;
  const final = quick ? 200 : 1000;
  const started = performance.now();
  const profiled = await profileOf(bench, 'data/ocr/rec', rendered(bench, 16, SEARCH_SEED));
  const sens = profiled.profile.sensitivity!;
  console.log(
    `profile with sensitivity: ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${sens.layers.length} layers on ${sens.samples} rendered lines in ${(sens.ms / 1000).toFixed(1)} s)`,
  );
  const fp32 = await bench.evaluate(await ortRunner(bench.modelPath), lines, SEARCH_SEED);
  const check = await bench.evaluate(await ortRunner(bench.modelPath), final);
  const minmax = { ...profiled.source, method: 'minmax' } as const;
  const starts = [
    ['--activations auto (the recommendations)', profiled.auto, profiled.source],
    ['--activations asymmetric --method minmax', { activations: 'asymmetric' }, minmax],
  ] as const;
  for (const [label, start, source] of starts) {
    const result = await accuracySearch({
      prepared: profiled.prepared,
      start,
      source,
      ranking: sens.layers,
      groups: profiled.groups,
      names: profiled.names,
      evaluate: async (bytes) =>
        (await bench.evaluate(await ortRunner(bytes), lines, SEARCH_SEED)).value,
      target: 0.995 * fp32.value,
      trials: 12,
      startLabel: label,
    });
    console.log(`\nstarting from ${label}:`);
    printTable(
      [
        'trial',
        'change',
        `char accuracy (seed ${SEARCH_SEED}, ${lines} lines)`,
        '% of fp32',
        'met',
        's',
      ],
      result.trials.map((t) => [
        String(t.index),
        t.change.length > 70 ? `${t.change.slice(0, 67)}...` : t.change,
        t.score.toFixed(4),
        pct(t.score / fp32.value),
        t.meetsTarget ? 'yes' : 'no',
        (t.ms / 1000).toFixed(1),
      ]),
    );
    const startBytes = buildQuantized(profiled.prepared, start, source).bytes;
    const before = await bench.evaluate(await ortRunner(startBytes), final);
    const after = await bench.evaluate(await ortRunner(result.bytes), final);
    console.log(
      `check on seed 2 (${final} lines): fp32 ${check.value.toFixed(4)}; start ` +
        `${before.value.toFixed(4)} (${pct(before.value / check.value)}); searched (trial ` +
        `${result.chosen.index}) ${after.value.toFixed(4)} (${pct(after.value / check.value)}); ` +
        `int16: ${result.chosen.int16.length} layers, float: ${result.chosen.float.length} layers`,
    );
  }
}

async function hardware(): Promise<void> {
  console.log('\n== PP-OCR classifier: recommendation under two hardware profiles ==');
  const x86 = await profileOf(clsBench, 'data/ocr/cls', []);
  const fast = await profileOf(clsBench, 'data/ocr/cls', [], FAST);
  for (const [label, p] of [
    ['built-in x86 (onnxruntime-node)', x86],
    [FAST, fast],
  ] as const) {
    console.log(`${label}: ${p.profile.hardware.storage.reason}\n  ${describe(p)}`);
  }
  const byId = new Map<string, TensorProfile>(fast.profile.tensors.map((t) => [t.id, t]));
  const activations = x86.profile.tensors.filter((t) => t.kind === 'activation');
  const changed = activations.filter((t) => {
    const other = byId.get(t.id)?.recommendation;
    return other !== undefined && other.scheme !== t.recommendation.scheme;
  });
  const stored = activations.filter(
    (t) => byId.get(t.id)?.recommendation.qtype !== t.recommendation.qtype,
  );
  console.log(
    `storage changes for ${stored.length} of ${activations.length} activation groups; ` +
      `the scheme changes for ${changed.length}; for example:`,
  );
  for (const t of changed.slice(0, 3)) {
    const other = byId.get(t.id)!.recommendation;
    console.log(
      `  ${t.id}: ${t.recommendation.scheme} ${t.recommendation.qtype} -> ` +
        `${other.scheme} ${other.qtype}: ${other.reason}`,
    );
  }
}

async function timings(): Promise<void> {
  console.log('\n== zeropoint profile timings (4 held-out samples, sensitivity on) ==');
  for (const c of CASES) {
    const bytes = new Uint8Array(readFileSync(c.bench.modelPath));
    const all: Feeds[] = [];
    for await (const f of readCalibrationData(c.calib, modelInputs(readModel(bytes)), {}))
      all.push(f);
    const held = Math.min(4, Math.max(1, Math.floor(all.length / 4)));
    const started = performance.now();
    const p = await runProfileRecipe({
      model: bytes,
      name: c.bench.name,
      batches: all.slice(0, all.length - held),
      heldOut: () => all.slice(all.length - held),
    });
    const total = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${c.bench.name}: ${total} s in all; ${JSON.stringify(p.profile.timings)}; ` +
        `${p.profile.sensitivity?.layers.length ?? 0} layers`,
    );
  }
}

if (!process.argv.includes('--only-search')) {
  await compareSchemes();
  await hardware();
  await timings();
}
if (!process.argv.includes('--skip-search')) await search();
