// Browser side of the kernel benchmark: loaded by the page kernel-server.ts serves, it fetches
// each kernel model and its input, runs them in onnxruntime-web (WebAssembly, one thread) in the
// rounds and orders the plan gives, and returns seconds per run. Nothing is fetched from
// anywhere but the local server. Not statistics: Node turns the seconds into the profile.
import * as ort from 'onnxruntime-web';

/** One kernel for the page: where its model and raw input bytes are, and the input's type. */
export interface PageKernel {
  readonly id: string;
  readonly model: string;
  readonly input: string;
  readonly inputName: string;
  readonly inputType: 'uint8' | 'int8' | 'float32';
  readonly dims: readonly number[];
}

/** What Node asks the page to run: kernels, warm-up runs, one order of indices per round. */
export interface PagePlan {
  readonly kernels: readonly PageKernel[];
  readonly warmup: number;
  readonly orders: readonly (readonly number[])[];
  readonly targetSeconds: number;
}

/** Seconds per run per round, or the error of a kernel the runtime refused; and the browser. */
export interface PageResult {
  readonly timings: readonly (
    | { readonly id: string; readonly seconds: number[] }
    | { readonly id: string; readonly error: string }
  )[];
  readonly ortVersion: string;
  readonly userAgent: string;
  readonly cores: number;
  readonly crossOriginIsolated: boolean;
}

interface Loaded {
  readonly index: number;
  readonly run: () => Promise<unknown>;
  reps: number;
  readonly seconds: number[];
}

async function bytesAt(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

function typed(
  type: PageKernel['inputType'],
  buffer: ArrayBuffer,
): Uint8Array | Int8Array | Float32Array {
  return type === 'float32'
    ? new Float32Array(buffer)
    : type === 'int8'
      ? new Int8Array(buffer)
      : new Uint8Array(buffer);
}

async function load(kernel: PageKernel, index: number): Promise<Loaded | string> {
  try {
    const session = await ort.InferenceSession.create(await bytesAt(kernel.model), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const data = typed(kernel.inputType, await bytesAt(kernel.input));
    const feeds = { [kernel.inputName]: new ort.Tensor(kernel.inputType, data, kernel.dims) };
    return { index, run: () => session.run(feeds), reps: 1, seconds: [] };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Runs the plan: loads every kernel, warms up, then times the rounds in the given orders. */
export async function runKernels(plan: PagePlan): Promise<PageResult> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const loaded: Loaded[] = [];
  const errors = new Map<number, string>();
  for (const [index, kernel] of plan.kernels.entries()) {
    const result = await load(kernel, index);
    if (typeof result === 'string') errors.set(index, result);
    else loaded.push(result);
  }
  for (const l of loaded) {
    let best = Infinity;
    for (let i = 0; i < Math.max(1, plan.warmup); i++) {
      const t0 = performance.now();
      await l.run();
      best = Math.min(best, (performance.now() - t0) / 1e3);
    }
    l.reps = Math.max(1, Math.min(10_000, Math.round(plan.targetSeconds / best)));
  }
  const byIndex = new Map(loaded.map((l) => [l.index, l]));
  for (const order of plan.orders) {
    for (const index of order) {
      const l = byIndex.get(index);
      if (l === undefined) continue;
      const t0 = performance.now();
      for (let k = 0; k < l.reps; k++) await l.run();
      l.seconds.push((performance.now() - t0) / 1e3 / l.reps);
    }
  }
  return {
    timings: plan.kernels.map((kernel, index) => {
      const error = errors.get(index);
      return error === undefined
        ? { id: kernel.id, seconds: byIndex.get(index)!.seconds }
        : { id: kernel.id, error };
    }),
    ortVersion: ort.env.versions.web ?? ort.env.versions.common,
    userAgent: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated,
  };
}

(globalThis as unknown as { zeropointRunKernels: typeof runKernels }).zeropointRunKernels =
  runKernels;
