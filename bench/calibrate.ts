// `npm run bench -- calibrate [--samples=N] [--rounds=R]`: calibration wall time (default method,
// percentile) on the PP-OCR recognizer and classifier against fp32 inference over the same
// samples on one onnxruntime thread, interleaved in one process and printed as ratios; the
// observers in this thread (serial) and in a worker (cli/calibrate-worker), whose statistics
// are checked equal. Goals (issue 15): recognizer <= 1.5x fp32, classifier <= 2x. Also the
// split of a serial run: time inside observe against everything else (onnxruntime's run and
// copying its outputs out). Samples are rendered lines (CALIBRATION_SEED), 128 by default.
import { readFileSync } from 'node:fs';
import {
  prestartObserveWorker,
  workerObserveHost,
} from '../src/cli/calibrate-worker/worker-host.js';
import { planQuantization, requiredOpset } from '../src/passes/index.js';
import { writeModel } from '../src/onnx/index.js';
import {
  calibrate,
  inThreadObserveHost,
  prepareModel,
  type Feeds,
  type ObserveHostFactory,
} from '../src/ptq/index.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { printTable } from './harness.js';
import { clsBench, recBench, type OcrBench } from './ocr/index.js';

/** `--name=N` from the command line (bench/main.ts takes bare words for bench names). */
function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 1));
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

async function benchModel(bench: OcrBench, samples: number, rounds: number): Promise<string[][]> {
  const feeds: Feeds[] = bench
    .calibrationInputs(samples)
    .map(([x]) => ({ x: { type: 'float32', dims: x!.dims, data: x!.data } }));
  const bytes = new Uint8Array(readFileSync(bench.modelPath));
  const { model, graph } = prepareModel(bytes, requiredOpset({}));
  const plan = planQuantization(graph, {});
  const prepared = writeModel(model);
  const fp32 = await createSession(prepared, { threads: 1 });
  const options = { method: 'percentile', means: plan.channelMeans } as const;
  const spent = { ms: 0 };
  const results = new Map<string, string>();
  const cases: [string, () => Promise<void>][] = [
    [
      'fp32 inference',
      async () => {
        for (const f of feeds) await fp32.run(f);
      },
    ],
    ...(
      [
        ['calibrate, serial', timedHost(spent)],
        ['calibrate, worker', workerObserveHost],
      ] as const
    ).map(([name, host]): [string, () => Promise<void>] => [
      name,
      async () => {
        const r = await calibrate(prepared, plan.calibrate, feeds, {
          ...options,
          observeHost: host,
        });
        results.set(name, JSON.stringify(r));
      },
    ]),
  ];
  const times = cases.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, fn]] of cases.entries()) {
      const t0 = performance.now();
      await fn();
      times[i]!.push((performance.now() - t0) / 1000);
    }
  }
  await fp32.release();
  if (new Set(results.values()).size !== 1) throw new Error('worker and serial statistics differ');
  const median = (s: number[]): number => [...s].sort((a, b) => a - b)[s.length >> 1]!;
  const base = median(times[0]!);
  const serial = median(times[1]!);
  const observe = spent.ms / 1000 / rounds;
  const name = `${bench.name} (${samples})`;
  return [
    ...cases.map(([c], i) => {
      const m = median(times[i]!);
      return [
        name,
        c,
        m.toFixed(2),
        Math.min(...times[i]!).toFixed(2),
        `${(m / base).toFixed(2)}x`,
      ];
    }),
    [name, '  serial: inside observe', observe.toFixed(2), '', `${(observe / base).toFixed(2)}x`],
    [name, '  serial: the rest', (serial - observe).toFixed(2), '', ''],
  ];
}

/** Prints the table; see the file comment. */
export async function run(): Promise<void> {
  const samples = flag('--samples', 128);
  const rounds = flag('--rounds', 3);
  prestartObserveWorker();
  const rows: string[][] = [];
  for (const bench of [recBench, clsBench])
    rows.push(...(await benchModel(bench, samples, rounds)));
  console.log(`onnxruntime 1 thread; median of ${rounds} interleaved rounds; ratio to fp32`);
  printTable(['model (samples)', 'case', 'median s', 'best s', 'ratio'], rows);
}
