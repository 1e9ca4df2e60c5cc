// The tensor-loop cases that the loop benchmark times in Node and in the browser alike (the same
// function runs in both, so their figures compare): the TypeScript reference and the
// WebAssembly SIMD kernels on one float32 tensor, interleaved, medians per case. Not printing.
import {
  chooseTensorQParams,
  dequantize,
  quantize,
  type Granularity,
  type QuantSpec,
} from '../core/index.js';
import {
  dequantizeFast,
  memoryBoundPassWasm,
  quantizeFast,
  setWasmKernelsEnabled,
  wasmKernelsActive,
} from '../kernels/index.js';
import { HistogramObserver, MinMaxObserver } from '../observers/index.js';

/** One timed case: the reference loop (`ts`) and the kernel (`wasm`) doing the same work. */
export interface LoopCase {
  readonly name: string;
  readonly ts: () => unknown;
  readonly wasm: () => unknown;
}

/** Median seconds per run of each case's two sides, and whether SIMD ran. */
export interface LoopTimings {
  readonly simd: boolean;
  readonly cases: readonly { name: string; ts: number; wasm: number }[];
}

/** Deterministic data: a sum of three uniforms from a fixed-seed generator, as float32. */
export function loopData(n: number): Float32Array {
  let s = 1;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: n }, () => (next() + next() + next() - 1.5) * 2);
}

function withoutWasm(f: () => unknown): () => unknown {
  return () => {
    setWasmKernelsEnabled(false);
    try {
      return f();
    } finally {
      setWasmKernelsEnabled(true);
    }
  };
}

/** The cases on x viewed as [rows, x.length / rows]. */
export function loopCases(x: Float32Array, rows = 1024): LoopCase[] {
  const shape = [rows, x.length / rows];
  const bytes = new Uint8Array(x.length);
  const int8: QuantSpec = { qtype: 'int8', scheme: 'symmetric' };
  const uint8: QuantSpec = { qtype: 'uint8', scheme: 'asymmetric' };
  const tensor: Granularity = { kind: 'per-tensor' };
  const axis: Granularity = { kind: 'per-axis', axis: 0 };
  const p8 = chooseTensorQParams(x, shape, int8, tensor);
  const pu = chooseTensorQParams(x, shape, uint8, axis);
  const q8 = quantize(x, shape, p8) as Int8Array;
  // Outputs are reused: fresh pages cost more than the loops in some sandboxes.
  const q8out = new Int8Array(x.length);
  const quOut = new Uint8Array(x.length);
  const f32out = new Float32Array(x.length);
  const pass = (): void => {
    for (let i = 0; i < x.length; i++) bytes[i] = x[i]!;
  };
  return [
    { name: 'memory-bound pass', ts: pass, wasm: () => memoryBoundPassWasm(x, bytes) },
    {
      name: 'quantize int8 per tensor',
      ts: () => quantize(x, shape, p8, q8out),
      wasm: () => quantizeFast(x, shape, p8, q8out),
    },
    {
      name: 'quantize uint8 per axis',
      ts: () => quantize(x, shape, pu, quOut),
      wasm: () => quantizeFast(x, shape, pu, quOut),
    },
    {
      name: 'dequantize int8 per tensor',
      ts: () => dequantize(q8, shape, p8, f32out),
      wasm: () => dequantizeFast(q8, shape, p8, f32out),
    },
    {
      name: 'minmax observe',
      ts: withoutWasm(() => new MinMaxObserver().observe(x)),
      wasm: () => new MinMaxObserver().observe(x),
    },
    {
      name: 'histogram observe',
      ts: withoutWasm(() => new HistogramObserver().observe(x)),
      wasm: () => new HistogramObserver().observe(x),
    },
  ];
}

/** Times every side of every case once to warm up, then `rounds` interleaved rounds. */
export function timeLoopCases(cases: readonly LoopCase[], rounds: number): LoopTimings {
  const fns = cases.flatMap((c) => [c.ts, c.wasm]);
  const samples = fns.map(() => [] as number[]);
  for (const f of fns) f();
  for (let r = 0; r < rounds; r++) {
    fns.forEach((f, i) => {
      const t0 = performance.now();
      f();
      samples[i]!.push((performance.now() - t0) / 1e3);
    });
  }
  const median = (s: number[]): number => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
  return {
    simd: wasmKernelsActive(),
    cases: cases.map((c, i) => ({
      name: c.name,
      ts: median(samples[2 * i]!),
      wasm: median(samples[2 * i + 1]!),
    })),
  };
}
