// `npm run bench -- calibrate [--samples=N] [--rounds=R] [--models=rec,cls] [--fetch=MODES]`:
// calibration wall time on the PP-OCR recognizer and classifier against fp32 inference over the
// same samples, one per run as calibration runs them (a row beside runs fp32 on same-shape
// batches of 8), on one onnxruntime thread, interleaved in one process, as ratios, with the
// process's CPU time beside (the machine is shared: CPU time is what a quiet machine's wall time
// would be for the serial cases). Each way of fetching (CalibrateOptions.fetch: 'all' copies
// every tensor out of onnxruntime, 'shared' lets reshaping copies share a fetch and reduces in
// the graph for minmax, 'derived' also recomputes arithmetic on the observer side), observers in
// this thread (serial) or a worker (cli/calibrate-worker; 'shared' with the worker is the
// default, as the CLI runs it), and 'auto' (shared or derived by the first batch's tensor
// sizes) with the worker; per method, all give the same statistics.
// The floor under every calibration is the 'shared' runs fetching the observed tensors; two rows
// beside it show what onnxruntime-node's own settings do to it: the same runs with its memory
// pattern off, and into pre-allocated outputs (one buffer per tensor, views per shape; the
// binding still returns a copy). Then where a serial percentile calibration's time goes: fp32
// runs, copying the tensors out, observing, the rest; and the default (shared, worker) against
// the floor: what is above it, split by a run of the same pipeline whose worker observes
// nothing (collecting and transferring the tensors) and the rest (observing, waiting for it). Goals (issue 15): recognizer <= 1.5x fp32, classifier <= 2x (default method,
// percentile). Samples are rendered lines (CALIBRATION_SEED), 128 by default.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
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
  rebatch,
  type Feeds,
  type ObserveHostFactory,
} from '../src/ptq/index.js';
import { createSession, type Session } from '../src/runtime/onnxruntime.js';
import { numberFlag, printTable, textFlag } from './harness.js';
import { clsBench, recBench, type OcrBench } from './ocr/index.js';

/** An in-thread host that adds the wall and CPU seconds spent observing to `spent`. */
function timedHost(spent: Spent): ObserveHostFactory {
  return (spec) => {
    const host = inThreadObserveHost(spec);
    return {
      ...host,
      observe(batch, tensors) {
        const [t0, c0] = [performance.now(), cpuSeconds()];
        const done = host.observe(batch, tensors);
        spent.wall += (performance.now() - t0) / 1000;
        spent.cpu += cpuSeconds() - c0;
        return done;
      },
    };
  };
}

type Spent = { wall: number; cpu: number };

const median = (s: readonly number[]): number => [...s].sort((a, b) => a - b)[s.length >> 1]!;

/** This process's CPU seconds (all threads: onnxruntime's, this one's and a worker's). */
function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

async function runAll(session: Session, feeds: readonly Feeds[], fetch: string[]): Promise<void> {
  const names = fetch.length > 0 ? fetch : session.outputNames.slice(0, 1);
  for (const f of feeds) await session.run(f, names);
}

type Fetch = 'all' | 'shared' | 'derived';

/** Samples per run of the batched fp32 comparison row. */
const BATCH = 8;
type Case = { name: string; fn: () => Promise<void>; wall: number[]; cpu: number[] };

/** `feeds` in runs of up to `size` samples of one shape (the recognizer's widths vary). */
async function sameShapeBatches(feeds: readonly Feeds[], size: number): Promise<Feeds[]> {
  const byShape = new Map<string, Feeds[]>();
  for (const f of feeds) {
    const key = f.x!.dims.join('x');
    byShape.set(key, [...(byShape.get(key) ?? []), f]);
  }
  const out: Feeds[] = [];
  for (const group of byShape.values()) for await (const b of rebatch(group, size)) out.push(b);
  return out;
}

async function benchModel(
  bench: OcrBench,
  samples: number,
  rounds: number,
  modes: readonly Fetch[],
): Promise<string[][]> {
  const feeds: Feeds[] = bench
    .calibrationInputs(samples)
    .map(([x]) => ({ x: { type: 'float32', dims: x!.dims, data: x!.data } }));
  const batched = await sameShapeBatches(feeds, BATCH);
  const bytes = new Uint8Array(readFileSync(bench.modelPath));
  const { model, graph } = prepareModel(bytes, requiredOpset({}));
  const plan = planQuantization(graph, {});
  const prepared = writeModel(model);
  const averaged = new Set(plan.channelMeans.map((m) => m.tensor));
  const exposed = {
    all: exposeTensors(prepared, plan.calibrate, { averaged }),
    shared: exposeTensors(prepared, plan.calibrate, { derive: 'copies', averaged }),
    derived: exposeTensors(prepared, plan.calibrate, { derive: 'arithmetic', averaged }),
  };
  const fp32 = await createSession(prepared, { threads: 1 });
  const sessions = new Map<Fetch, Session>();
  for (const f of ['all', 'shared', 'derived'] as const) {
    sessions.set(f, await createSession(exposed[f].bytes, { threads: 1 }));
  }
  const spent = new Map<Fetch, Spent>();
  const results = new Map<string, Map<string, string>>();
  const make = (name: string, fn: () => Promise<void>): Case => ({ name, fn, wall: [], cpu: [] });
  const calibrateCase = (
    method: 'percentile' | 'minmax',
    fetch: Fetch | 'auto',
    worker: boolean,
  ): Case =>
    make(`${method}, fetch ${fetch}, ${worker ? 'worker' : 'serial'}`, async () => {
      const timed = (fetch === 'auto' ? undefined : spent.get(fetch)) ?? { wall: 0, cpu: 0 };
      if (method === 'percentile' && !worker && fetch !== 'auto') spent.set(fetch, timed);
      const r = await calibrate(prepared, plan.calibrate, feeds, {
        method,
        means: plan.channelMeans,
        fetch,
        observeHost: worker ? workerObserveHost : timedHost(timed),
      });
      const same = results.get(method) ?? new Map<string, string>();
      same.set(fetch, JSON.stringify(r));
      results.set(method, same);
    });
  const runsCase = (fetch: Fetch): Case => {
    const e = exposed[fetch];
    const derived = e.derived.length === 0 ? '' : ` (+${e.derived.length} derived)`;
    return make(`runs fetching ${e.fetch.length}${derived}`, () =>
      runAll(sessions.get(fetch)!, feeds, [...e.fetch]),
    );
  };
  const fp32Case = make('fp32 inference', () => runAll(fp32, feeds, []));
  const floor = await ortFloorCases(exposed.shared.bytes, [...exposed.shared.fetch], feeds);
  const runs = new Map(modes.map((f) => [f, runsCase(f)]));
  // The default's pipeline with a worker that observes nothing: runs, collecting, transfers.
  const transferOnly = make('percentile, fetch shared, worker observing nothing', async () => {
    await calibrate(prepared, plan.calibrate, feeds, {
      method: 'percentile',
      means: plan.channelMeans,
      fetch: 'shared',
      observeHost: (spec) => workerObserveHost({ ...spec, observe: [], means: [], derive: [] }),
    });
  });
  const serial = new Map(modes.map((f) => [f, calibrateCase('percentile', f, false)]));
  const cases = [
    fp32Case,
    make(`fp32 inference, ${batched.length} runs of <= ${BATCH} same-shape samples`, () =>
      runAll(fp32, batched, []),
    ),
    ...runs.values(),
    ...(modes.includes('shared')
      ? [
          make(`${runs.get('shared')!.name}, memory pattern off`, floor.noPattern),
          make(`${runs.get('shared')!.name}, into pre-allocated outputs`, floor.preallocated),
          transferOnly,
        ]
      : []),
    ...modes.flatMap((f) => [serial.get(f)!, calibrateCase('percentile', f, true)]),
    calibrateCase('percentile', 'auto', true),
    ...modes.filter((f) => f !== 'derived').map((f) => calibrateCase('minmax', f, false)),
  ];
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const [t0, c0] = [performance.now(), cpuSeconds()];
      await c.fn();
      c.wall.push((performance.now() - t0) / 1000);
      c.cpu.push(cpuSeconds() - c0);
    }
  }
  await Promise.all([
    fp32.release(),
    floor.release(),
    ...[...sessions.values()].map((s) => s.release()),
  ]);
  for (const [method, same] of results) {
    if (new Set(same.values()).size !== 1) throw new Error(`${method} statistics differ`);
  }
  const [base, baseCpu] = [median(fp32Case.wall), median(fp32Case.cpu)];
  const name = `${bench.name} (${samples})`;
  const ratio = (s: number, b: number) => `${(s / b).toFixed(2)}x`;
  const row = (c: string, wall: number, cpu?: number): string[] => [
    name,
    c,
    wall.toFixed(2),
    ratio(wall, base),
    cpu === undefined ? '' : cpu.toFixed(2),
    cpu === undefined ? '' : ratio(cpu, baseCpu),
  ];
  // Where a serial percentile calibration's time goes: the fp32 runs, the copies out (runs with
  // the extra outputs less fp32), observing (deriving included; mean of rounds), the rest.
  const profile = (fetch: Fetch, runs: Case, serial: Case): string[][] => {
    const observe = spent.get(fetch)!;
    const part = (x: Case, o: number, pick: (x: Case) => number[]) => median(pick(x)) - o;
    const both = (label: string, wall: number, cpu: number) =>
      row(`  ${fetch}: ${label}`, wall, cpu);
    const [w, c] = [(x: Case) => x.wall, (x: Case) => x.cpu];
    return [
      both('fp32 runs', base, baseCpu),
      both('copying tensors out', part(runs, base, w), part(runs, baseCpu, c)),
      both('observing', observe.wall / rounds, observe.cpu / rounds),
      both(
        'the rest',
        part(serial, base, w) - part(runs, base, w) - observe.wall / rounds,
        part(serial, baseCpu, c) - part(runs, baseCpu, c) - observe.cpu / rounds,
      ),
    ];
  };
  // The default (shared, worker) against its floor, the runs it cannot avoid: what is above it,
  // and whether the worker's side (the serial observing time) could be what it waits for.
  const aboveFloor = (): string[][] => {
    const floorRuns = runs.get('shared')!;
    const worker = cases.find((c) => c.name === 'percentile, fetch shared, worker')!;
    const observe = spent.get('shared')!;
    const [w, c] = [median(floorRuns.wall), median(floorRuns.cpu)];
    return [
      row('  default (shared, worker): the floor, runs fetching', w, c),
      row(
        '  default: observing (serial measure: the worker side)',
        observe.wall / rounds,
        observe.cpu / rounds,
      ),
      row('  default: above the floor', median(worker.wall) - w, median(worker.cpu) - c),
      row(
        '  default: of which the pipeline and transfers',
        median(transferOnly.wall) - w,
        median(transferOnly.cpu) - c,
      ),
      row(
        '  default: of which observing and waiting for it',
        median(worker.wall) - median(transferOnly.wall),
        median(worker.cpu) - median(transferOnly.cpu),
      ),
    ];
  };
  return [
    ...cases.map((c) => row(c.name, median(c.wall), median(c.cpu))),
    ...modes.flatMap((f) => profile(f, runs.get(f)!, serial.get(f)!)),
    ...(modes.includes('shared') ? aboveFloor() : []),
  ];
}

/**
 * The 'shared' runs straight on onnxruntime-node, for the floor's two side rows: a session with
 * its memory pattern off, and one fetching into pre-allocated outputs (float32 only; one buffer
 * per tensor as long as its longest shape, viewed per input shape).
 */
async function ortFloorCases(
  bytes: Uint8Array,
  fetch: string[],
  feeds: readonly Feeds[],
): Promise<{
  noPattern: () => Promise<void>;
  preallocated: () => Promise<void>;
  release: () => Promise<void>;
}> {
  const options = (memoryPattern: boolean): ort.InferenceSession.SessionOptions => ({
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    enableMemPattern: memoryPattern,
    logSeverityLevel: 4,
  });
  const [plain, noPattern] = await Promise.all([
    ort.InferenceSession.create(bytes, options(true)),
    ort.InferenceSession.create(bytes, options(false)),
  ]);
  const input = (f: Feeds) => ({
    x: new ort.Tensor('float32', f.x!.data as Float32Array, f.x!.dims),
  });
  const inputs = feeds.map(input);
  const shapes = new Map<string, ort.InferenceSession.OnnxValueMapType>();
  for (const x of inputs) {
    const key = x.x.dims.join('x');
    if (!shapes.has(key)) shapes.set(key, await plain.run(x, fetch));
  }
  const longest = new Map<string, number>();
  for (const outputs of shapes.values()) {
    for (const [name, t] of Object.entries(outputs)) {
      if (t.type === 'float32') longest.set(name, Math.max(longest.get(name) ?? 0, t.size));
    }
  }
  const buffers = new Map([...longest].map(([name, n]) => [name, new Float32Array(n)]));
  const fetches = new Map(
    [...shapes].map(([key, outputs]) => [
      key,
      Object.fromEntries(
        Object.entries(outputs).map(([name, t]) => {
          const b = buffers.get(name);
          return [
            name,
            b === undefined ? null : new ort.Tensor('float32', b.subarray(0, t.size), t.dims),
          ];
        }),
      ),
    ]),
  );
  return {
    noPattern: async () => {
      for (const x of inputs) await noPattern.run(x, fetch);
    },
    preallocated: async () => {
      for (const x of inputs) await plain.run(x, fetches.get(x.x.dims.join('x'))!);
    },
    release: async () => {
      await Promise.all([plain.release(), noPattern.release()]);
    },
  };
}

/** Prints the table; see the file comment. */
export async function run(): Promise<void> {
  const samples = numberFlag('samples', 128);
  const rounds = numberFlag('rounds', 3);
  const models = textFlag('models', 'rec,cls').split(',');
  const modes = textFlag('fetch', 'all,shared,derived').split(',') as Fetch[];
  if (modes.some((m) => !['all', 'shared', 'derived'].includes(m))) {
    throw new Error(`--fetch takes all, shared and derived, got ${modes.join(',')}`);
  }
  prestartObserveWorker();
  const rows: string[][] = [];
  for (const bench of [recBench, clsBench]) {
    if (models.some((m) => bench.name.endsWith(m))) {
      rows.push(...(await benchModel(bench, samples, rounds, modes)));
    }
  }
  console.log(
    `onnxruntime 1 thread; median of ${rounds} interleaved rounds; ratios to fp32 inference ` +
      'one sample per run, as calibration runs (the batched fp32 row is for comparison)',
  );
  console.log('each method gave the same statistics however its tensors were fetched');
  printTable(['model (samples)', 'case', 'wall s', 'ratio', 'CPU s', 'CPU ratio'], rows);
}
