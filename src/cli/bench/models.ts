// `zeropoint bench MODEL [MODEL ...]`: latency (median, p90, interleaved rounds), throughput,
// peak memory, file size, and agreement of each model's outputs with the first model's on the
// same inputs. The result object is what --json prints; the table is bench-format.ts's.
// Not the kernel benchmark (node-kernels.ts).
import { readFileSync, statSync } from 'node:fs';
import { fail } from '../../core/errors.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import { readModel } from '../../onnx/model.js';
import { createSession, runtimeVersion, type Session } from '../../runtime/onnxruntime.js';
import { AgreementTally, type OutputAgreement } from '../../ptq/agreement-tally.js';
import { modelInputs } from '../../ptq/model-inputs.js';
import { feedsOfShapes, inputSpecs, resolveShapes, type Feeds, type InputSpec } from './inputs.js';
import { measurePeakMemory } from './memory.js';
import { median, pairedRatio, quantile, roundOrder } from '../../hardware/index.js';
import type { ImageOptions } from '../io/calib-images.js';
import { openCalibrationData } from '../io/calib-data.js';

/** Options of a model benchmark. */
export interface ModelBenchOptions {
  readonly threads: number;
  readonly warmup: number;
  readonly runs: number;
  /** Calibration data to feed, read as `quantize --calib` reads it (.npy, .npz or images). */
  readonly calib?: string;
  /** Preprocessing when `calib` is a folder of images. */
  readonly image?: ImageOptions;
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
    /** `input:axis` -> size for dynamic dimensions bench chose (batch 1, image 224). */
    readonly defaults: Readonly<Record<string, number>>;
    /** With generated inputs: what their agreement figures do not say, and what to pass. */
    readonly note: string | null;
  };
  readonly models: readonly ModelBenchResult[];
}

/** At most this many samples are compared (and kept in memory). */
const MAX_SAMPLES = 64;

/** What agreement on generated inputs means, in the report and under the table. */
export const RANDOM_INPUTS_NOTE =
  'agreement is measured on random inputs, which says little about accuracy on real data; ' +
  'pass --calib with real samples (images, .npy, .npz or .jsonl, as quantize reads them) for a meaningful figure';

/** Up to MAX_SAMPLES batches of the calibration data at `path`, read as quantize reads it. */
export async function calibrationSamples(
  path: string,
  model: ModelProto,
  image: ImageOptions | undefined,
): Promise<Feeds[]> {
  const data = await openCalibrationData(path, modelInputs(model), {
    ...(image === undefined ? {} : { image }),
  });
  const samples: Feeds[] = [];
  for await (const batch of data.batches) {
    samples.push(batch);
    if (samples.length === MAX_SAMPLES) break;
  }
  return samples;
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
  const loaded = files.map((file) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      fail('io', `cannot read ${file}: ${(error as Error).message}`, { file });
    }
    const model = readModel(bytes, file);
    return { file, bytes, model, specs: inputSpecs(model) };
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
      ? []
      : await calibrationSamples(options.calib, loaded[0]!.model, options.image);
  const { shapes, defaults } = resolveShapes(specs, options.dims, samples[0]);
  if (samples.length === 0) samples.push(feedsOfShapes(specs, shapes));
  for (const [name, t] of Object.entries(samples[0]!)) {
    if (t.dims.join(',') !== shapes[name]?.join(',')) {
      fail(
        'bad-argument',
        `--dim sets input '${name}' to [${shapes[name]?.join(', ')}], but the --calib samples ` +
          `are [${t.dims.join(', ')}]; drop the --dim flag`,
        { input: name },
      );
    }
  }
  const sessions: Session[] = [];
  for (const m of loaded) sessions.push(await createSession(m.bytes, { threads: options.threads }));
  try {
    const tallies = sessions.map(() => new AgreementTally());
    for (const feeds of samples) {
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
    return {
      runtime: { name: 'onnxruntime-node', version: runtimeVersion(), threads: options.threads },
      warmup: options.warmup,
      runs: options.runs,
      inputs: {
        source: options.calib === undefined ? 'generated' : 'calibration',
        samples: samples.length,
        shapes,
        defaults,
        note: options.calib === undefined ? RANDOM_INPUTS_NOTE : null,
      },
      models,
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}
