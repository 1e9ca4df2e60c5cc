// `npm run bench -- calibrate [--samples=N] [--rounds=R] [--models=rec,cls]`: calibration wall
// time (default method, percentile) on the PP-OCR recognizer and classifier against fp32
// inference over the same samples on one onnxruntime thread, interleaved in one process and
// printed as ratios. Before (every tensor fetched from onnxruntime, `derive: false`) and after
// (tensors derivable from others recomputed by the observers), each with the observers in this
// thread and in a worker (cli/calibrate-worker); all four must give the same statistics. Then
// the profile of where a serial calibration's time goes: onnxruntime's runs, copying the
// observed tensors out, observing (deriving included), and the rest. Goals (issue 15):
// recognizer <= 1.5x fp32, classifier <= 2x. Samples are rendered lines (CALIBRATION_SEED).
import { readFileSync } from 'node:fs';
import {
  prestartObserveWorker,
  workerObserveHost,
} from '../src/cli/calibrate-worker/worker-host.js';
import { planQuantization, requiredOpset } from '../src/passes/index.js';
import { writeModel } from '../src/onnx/index.js';
import {
  calibrate,
  exposeTensors,
  inThreadObserveHost,
  prepareModel,
  type Feeds,
  type ObserveHostFactory,
} from '../src/ptq/index.js';
import { createSession, type Session } from '../src/runtime/onnxruntime.js';
import { printTable } from './harness.js';
import { clsBench, recBench, type OcrBench } from './ocr/index.js';

/** `--name=V` from the command line (bench/main.ts takes bare words for bench names). */
function flag(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 1);
}

/** An in-thread host that adds the time spent observing to `spent.ms`. */
function timedHost(spent: { ms: number }): ObserveHostFactory {
  return (spec) => {
    const host = inThreadObserveHost(spec);
    return {
      ...host,
      observe(batch, tensors) {
        const t0 = performance.now();
        const done = host.observe(batch, tensors);
        spent.ms += performance.now() - t0;
        return done;
      },
    };
  };
}

const median = (s: readonly number[]): number => [...s].sort((a, b) => a - b)[s.length >> 1]!;

async function runAll(session: Session, feeds: readonly Feeds[], fetch: string[]): Promise<void> {
  const names = fetch.length > 0 ? fetch : session.outputNames.slice(0, 1);
  for (const f of feeds) await session.run(f, names);
}

async function benchModel(bench: OcrBench, samples: number, rounds: number): Promise<string[][]> {
  const feeds: Feeds[] = bench
    .calibrationInputs(samples)
    .map(([x]) => ({ x: { type: 'float32', dims: x!.dims, data: x!.data } }));
  const bytes = new Uint8Array(readFileSync(bench.modelPath));
  const { model, graph } = prepareModel(bytes, requiredOpset({}));
  const plan = planQuantization(graph, {});
  const prepared = writeModel(model);
  const averaged = new Set(plan.channelMeans.map((m) => m.tensor));
  const all = exposeTensors(prepared, plan.calibrate, { averaged });
  const some = exposeTensors(prepared, plan.calibrate, { derive: true, averaged });
  const fp32 = await createSession(prepared, { threads: 1 });
  const fetchAll = await createSession(all.bytes, { threads: 1 });
  const fetchSome = await createSession(some.bytes, { threads: 1 });
  const options = { method: 'percentile', means: plan.channelMeans } as const;
  const spent = { before: { ms: 0 }, after: { ms: 0 } };
  const results = new Map<string, string>();
  const calibrateCase = (
    name: string,
    derive: boolean,
    host: ObserveHostFactory,
  ): [string, () => Promise<void>] => [
    name,
    async () => {
      const r = await calibrate(prepared, plan.calibrate, feeds, {
        ...options,
        derive,
        observeHost: host,
      });
      results.set(name, JSON.stringify(r));
    },
  ];
  const cases: [string, () => Promise<void>][] = [
    ['fp32 inference', () => runAll(fp32, feeds, [])],
    [
      `runs fetching all ${all.fetch.length} tensors`,
      () => runAll(fetchAll, feeds, [...all.fetch]),
    ],
    [
      `runs fetching ${some.fetch.length} (+${some.derived.length} derived)`,
      () => runAll(fetchSome, feeds, [...some.fetch]),
    ],
    calibrateCase('before: calibrate, serial', false, timedHost(spent.before)),
    calibrateCase('before: calibrate, worker', false, workerObserveHost),
    calibrateCase('after: calibrate, serial', true, timedHost(spent.after)),
    calibrateCase('after: calibrate, worker', true, workerObserveHost),
  ];
  const times = cases.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, fn]] of cases.entries()) {
      const t0 = performance.now();
      await fn();
      times[i]!.push((performance.now() - t0) / 1000);
    }
  }
  await Promise.all([fp32.release(), fetchAll.release(), fetchSome.release()]);
  if (new Set(results.values()).size !== 1) throw new Error('calibration statistics differ');
  const m = times.map(median);
  const base = m[0]!;
  const name = `${bench.name} (${samples})`;
  const row = (c: string, s: number, best = ''): string[] => [
    name,
    c,
    s.toFixed(2),
    best,
    `${(s / base).toFixed(2)}x`,
  ];
  // Where a serial calibration's time goes: runs, the copies out, observing (mean), the rest.
  const profile = (label: string, runs: number, serial: number, observe: number): string[][] => [
    row(`  ${label} serial: onnxruntime fp32 runs`, base),
    row(`  ${label} serial: copying tensors out`, runs - base),
    row(`  ${label} serial: observing`, observe),
    row(`  ${label} serial: the rest`, serial - runs - observe),
  ];
  return [
    ...cases.map(([c], i) => row(c, m[i]!, Math.min(...times[i]!).toFixed(2))),
    ...profile('before', m[1]!, m[3]!, spent.before.ms / 1000 / rounds),
    ...profile('after', m[2]!, m[5]!, spent.after.ms / 1000 / rounds),
  ];
}

/** Prints the table; see the file comment. */
export async function run(): Promise<void> {
  const samples = Number(flag('--samples', '128'));
  const rounds = Number(flag('--rounds', '3'));
  const models = flag('--models', 'rec,cls').split(',');
  prestartObserveWorker();
  const rows: string[][] = [];
  for (const bench of [recBench, clsBench]) {
    if (models.some((m) => bench.name.endsWith(m))) {
      rows.push(...(await benchModel(bench, samples, rounds)));
    }
  }
  console.log(`onnxruntime 1 thread; median of ${rounds} interleaved rounds; ratio to fp32`);
  console.log('all four calibrations gave the same statistics');
  printTable(['model (samples)', 'case', 'median s', 'best s', 'ratio'], rows);
}
