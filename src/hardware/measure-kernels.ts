// Measuring the kernel catalogue: runs every catalogue model through the runtime adapter
// (onnxruntime-node), all of them in each round (interleaved, rotated), and turns per-round times
// (from here or from the browser, web/) into a hardware profile: GOP/s and the paired cost
// relative to the fastest of the same family and shape. Not the catalogue (kernel-catalogue.ts)
// and not the description of the machine (cli/ reads it from the operating system).
import { createSession, type Session } from '../runtime/onnxruntime.js';
import { buildKernelModel, fillValues, type KernelConfig } from './kernel-catalogue.js';
import {
  PROFILE_SCHEMA,
  PROFILE_VERSION,
  type HardwareProfile,
  type KernelMeasurement,
  type ProfileMachine,
  type ProfileRuntime,
  type SkippedKernel,
} from './profile-schema.js';
import { median, pairedRatio, repetitionsFor, roundOrder } from './timing-stats.js';

/** How to time: session threads, warm-up runs, rounds, and the length of one sample. */
export interface KernelRunOptions {
  readonly threads: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly targetSeconds: number;
}

/** Seconds per run of one configuration, one value per round; or why it could not run. */
export type KernelTiming =
  | { readonly id: string; readonly seconds: readonly number[] }
  | { readonly id: string; readonly error: string };

interface Loaded {
  readonly id: string;
  readonly run: () => Promise<unknown>;
  readonly release: () => Promise<void>;
  reps: number;
  readonly seconds: number[];
}

async function load(config: KernelConfig, threads: number): Promise<Loaded | string> {
  const model = buildKernelModel(config);
  let session: Session;
  try {
    session = await createSession(model.bytes, { threads });
  } catch (error) {
    return (error as Error).message;
  }
  const { name, type, dims } = model.input;
  const data = fillValues(
    type,
    dims.reduce((x, y) => x * y, 1),
    3,
  );
  const feeds = { [name]: { type, dims, data } };
  return {
    id: config.id,
    run: () => session.run(feeds),
    release: () => session.release(),
    reps: 1,
    seconds: [],
  };
}

/** Times every configuration in onnxruntime-node, interleaved; refused ones come back as errors. */
export async function timeKernelsNode(
  configs: readonly KernelConfig[],
  options: KernelRunOptions,
): Promise<KernelTiming[]> {
  const loaded: Loaded[] = [];
  const timings = new Map<string, KernelTiming>();
  for (const config of configs) {
    const result = await load(config, options.threads);
    if (typeof result === 'string') timings.set(config.id, { id: config.id, error: result });
    else loaded.push(result);
  }
  for (const l of loaded) {
    let best = Infinity;
    for (let i = 0; i < Math.max(1, options.warmup); i++) {
      const t0 = performance.now();
      await l.run();
      best = Math.min(best, (performance.now() - t0) / 1e3);
    }
    l.reps = repetitionsFor(best, options.targetSeconds);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const i of roundOrder(loaded.length, round)) {
      const l = loaded[i]!;
      const t0 = performance.now();
      for (let k = 0; k < l.reps; k++) await l.run();
      l.seconds.push((performance.now() - t0) / 1e3 / l.reps);
    }
  }
  for (const l of loaded) {
    timings.set(l.id, { id: l.id, seconds: l.seconds });
    await l.release();
  }
  return configs.map((c) => timings.get(c.id)!);
}

/** GOP/s and paired relative cost of each timed configuration, in catalogue order. */
export function kernelMeasurements(
  configs: readonly KernelConfig[],
  timings: readonly KernelTiming[],
): { kernels: KernelMeasurement[]; skipped: SkippedKernel[] } {
  const byId = new Map(timings.map((t) => [t.id, t]));
  const timed: { config: KernelConfig; seconds: readonly number[] }[] = [];
  const skipped: SkippedKernel[] = [];
  for (const config of configs) {
    const t = byId.get(config.id);
    if (t === undefined) continue;
    const seen = skipped.some((s) => s.op === config.op && s.a === config.a && s.b === config.b);
    if ('error' in t && !seen)
      skipped.push({ op: config.op, a: config.a, b: config.b, reason: t.error });
    else if ('seconds' in t && t.seconds.length > 0) timed.push({ config, seconds: t.seconds });
  }
  const groupOf = (c: KernelConfig): string => `${c.family} ${c.shape.join('x')}`;
  const fastest = new Map<string, { seconds: readonly number[]; median: number }>();
  for (const t of timed) {
    const m = median(t.seconds);
    const current = fastest.get(groupOf(t.config));
    if (current === undefined || m < current.median) {
      fastest.set(groupOf(t.config), { seconds: t.seconds, median: m });
    }
  }
  const kernels = timed.map(({ config: c, seconds }) => {
    const m = median(seconds);
    const ref = fastest.get(groupOf(c))!;
    const relativeCost = seconds === ref.seconds ? 1 : pairedRatio(seconds, ref.seconds);
    return {
      op: c.op,
      a: c.a,
      b: c.b,
      aZeroPoint: c.aZeroPoint,
      bZeroPoint: c.bZeroPoint,
      shape: c.shape,
      gops: c.ops / (ref.median * relativeCost) / 1e9,
      relativeCost,
      medianMs: m * 1e3,
    };
  });
  return { kernels, skipped };
}

/** A measured profile from timings, tagged with the runtime and machine that produced them. */
export function measuredProfile(
  configs: readonly KernelConfig[],
  timings: readonly KernelTiming[],
  runtime: ProfileRuntime,
  machine: ProfileMachine,
): HardwareProfile {
  return {
    schema: PROFILE_SCHEMA,
    version: PROFILE_VERSION,
    source: 'measured',
    note:
      `zeropoint bench --kernels, ${runtime.name} ${runtime.version} ` +
      `(${runtime.backend}), ${runtime.threads} thread(s)`,
    measuredAt: new Date().toISOString(),
    runtime,
    machine,
    ...kernelMeasurements(configs, timings),
  };
}
