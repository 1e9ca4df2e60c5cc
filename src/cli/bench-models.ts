// `zeropoint bench MODEL [MODEL ...]`: latency (median, p90, interleaved rounds), throughput,
// peak memory, file size, and agreement of each model's outputs with the first model's on the
// same inputs. The result object is what --json prints; the table is bench-format.ts's.
// Not the kernel benchmark (bench-kernels.ts).
import { readFileSync, statSync } from 'node:fs';
import { fail } from '../core/errors.js';
import { readModel } from '../onnx/model.js';
import { createSession, runtimeVersion, type Session } from '../runtime/onnxruntime.js';
import { AgreementTally, type OutputAgreement } from './bench-agreement.js';
import {
  calibrationFeeds,
  generatedFeeds,
  inputSpecs,
  type Feeds,
  type InputSpec,
} from './bench-inputs.js';
import { measurePeakMemory } from './bench-memory.js';
import { median, pairedRatio, quantile, roundOrder } from './bench-stats.js';

/** Options of a model benchmark. */
export interface ModelBenchOptions {
  readonly threads: number;
  readonly warmup: number;
  readonly runs: number;
  readonly calib?: string;
  readonly dims: ReadonlyMap<string, number>;
  /** Measure peak memory in a child process per model (default true). */
  readonly memory?: boolean;
}

/** One model's figures. */
export interface ModelBenchResult {
  readonly file: string;
  readonly fileBytes: number;
  readonly latencyMs: { readonly median: number; readonly p90: number };
  /** Inferences per second at the median latency. */
  readonly throughput: number;
  /** Latency over the first model's, the median of per-round ratios. */
  readonly relativeLatency: number;
  /** Memory loading and running the model adds to a fresh process; null when not measured. */
  readonly peakMemoryBytes: number | null;
  readonly peakRssBytes: number | null;
  readonly memoryError?: string;
  /** Agreement with the first model per output, over up to 64 samples (the first: with itself). */
  readonly agreement: readonly OutputAgreement[];
}

/** The whole benchmark, as --json prints it. */
export interface ModelBenchReport {
  readonly runtime: { readonly name: string; readonly version: string; readonly threads: number };
  readonly warmup: number;
  readonly runs: number;
  readonly inputs: {
    readonly source: 'generated' | 'calibration';
    readonly samples: number;
    readonly shapes: Readonly<Record<string, readonly number[]>>;
  };
  readonly models: readonly ModelBenchResult[];
}

function sameInputs(a: readonly InputSpec[], b: readonly InputSpec[]): boolean {
  return a.length === b.length && a.every((s, i) => s.name === b[i]!.name && s.type === b[i]!.type);
}

/** Benchmarks the models on the same inputs, interleaved round by round. */
export async function benchModels(
  files: readonly string[],
  options: ModelBenchOptions,
): Promise<ModelBenchReport> {
  if (files.length === 0)
    fail('bad-argument', 'zeropoint bench needs at least one model (or --kernels)');
  const loaded: { file: string; bytes: Uint8Array; specs: InputSpec[] }[] = files.map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      fail('io', `cannot read ${file}: ${(error as Error).message}`, { file });
    }
    return { file, bytes, specs: inputSpecs(readModel(bytes, file)) };
  });
  const specs = loaded[0]!.specs;
  for (const m of loaded.slice(1)) {
    if (!sameInputs(specs, m.specs)) {
      fail(
        'bad-model',
        `${m.file} takes other inputs than ${files[0]}; bench compares models on the same inputs`,
        {
          file: m.file,
        },
      );
    }
  }
  const samples: Feeds[] =
    options.calib === undefined
      ? [generatedFeeds(specs, options.dims)]
      : calibrationFeeds(options.calib, specs, options.dims);
  const sessions: Session[] = [];
  for (const m of loaded) sessions.push(await createSession(m.bytes, { threads: options.threads }));
  try {
    const tallies = sessions.map(() => new AgreementTally());
    for (const feeds of samples.slice(0, 64)) {
      const reference = await sessions[0]!.run(feeds);
      for (let i = 0; i < sessions.length; i++) {
        tallies[i]!.add(reference, i === 0 ? reference : await sessions[i]!.run(feeds));
      }
    }
    for (const s of sessions)
      for (let w = 0; w < options.warmup; w++) await s.run(samples[w % samples.length]!);
    const seconds = sessions.map(() => [] as number[]);
    for (let round = 0; round < options.runs; round++) {
      const feeds = samples[round % samples.length]!;
      for (const i of roundOrder(sessions.length, round)) {
        const t0 = performance.now();
        await sessions[i]!.run(feeds);
        seconds[i]!.push((performance.now() - t0) / 1e3);
      }
    }
    const models: ModelBenchResult[] = [];
    for (const [i, m] of loaded.entries()) {
      const memory =
        options.memory === false
          ? 'not measured'
          : await measurePeakMemory({
              file: m.file,
              feeds: samples[0]!,
              threads: options.threads,
              runs: 2,
            });
      const t = seconds[i]!;
      models.push({
        file: m.file,
        fileBytes: statSync(m.file).size,
        latencyMs: { median: median(t) * 1e3, p90: quantile(t, 0.9) * 1e3 },
        throughput: 1 / median(t),
        relativeLatency: i === 0 ? 1 : pairedRatio(t, seconds[0]!),
        peakMemoryBytes: typeof memory === 'string' ? null : memory.addedBytes,
        peakRssBytes: typeof memory === 'string' ? null : memory.peakRssBytes,
        ...(typeof memory === 'string' && options.memory !== false ? { memoryError: memory } : {}),
        agreement: tallies[i]!.result(),
      });
    }
    const shapes = Object.fromEntries(
      Object.entries(samples[0]!).map(([name, t]) => [name, t.dims]),
    );
    return {
      runtime: { name: 'onnxruntime-node', version: runtimeVersion(), threads: options.threads },
      warmup: options.warmup,
      runs: options.runs,
      inputs: {
        source: options.calib === undefined ? 'generated' : 'calibration',
        samples: samples.length,
        shapes,
      },
      models,
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}
