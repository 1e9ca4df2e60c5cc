// Min and max of the finite values of a float32 tensor, per tensor or per channel, with counts of
// finite, NaN and infinite values, through the WebAssembly SIMD kernels chunk by chunk. The same
// results as src/observers/scan.ts's loops (the reference and the fallback, which the observers
// keep); undefined here means "no fast path": SIMD missing or disabled. Arrays in the kernels'
// memory (resident.ts) are scanned in place.
import { layoutOf } from '../../core/index.js';
import { CHUNK, wasmKernels } from './instance.js';
import { residentAt } from './resident.js';

/** Per-group extremes of the finite values (+Inf / -Inf for a group with none; -0 as +0). */
export interface MinMaxGroups {
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly finite: number;
  readonly nan: number;
  readonly infinite: number;
}

/**
 * x: f32 [shape] -> min, max f32 [groups]: one group when `axis` is undefined, else one per
 * index of that axis. Undefined when the fast path is unavailable.
 */
export function minmaxFast(
  x: Float32Array,
  shape: readonly number[] | undefined,
  axis: number | undefined,
): MinMaxGroups | undefined {
  const fast = wasmKernels();
  const resident = residentAt(x); // read where it lives, in the shared instance
  const k = fast === undefined ? undefined : (resident?.kernels ?? fast);
  if (k === undefined) return undefined;
  const n = x.length;
  let mode = 0;
  let length = 1;
  let inner = n;
  if (axis !== undefined) {
    const layout = layoutOf(shape ?? [n], { kind: 'per-axis', axis });
    length = layout.length;
    inner = layout.inner;
    mode = inner === 1 ? 2 : 1;
  }
  const [minp, maxp, counters, xp] = k.reserve([length * 4, length * 4, 8, CHUNK * 4]) as [
    number,
    number,
    number,
    number,
  ];
  const buffer = k.buffer;
  const mins = new Float32Array(buffer, minp, length).fill(Infinity);
  const maxs = new Float32Array(buffer, maxp, length).fill(-Infinity);
  const counts = new Int32Array(buffer, counters, 2);
  const view = new Float32Array(buffer, xp, CHUNK);
  let nan = 0;
  let infinite = 0;
  const at = resident?.offset;
  for (let s = 0; s < n; s += CHUNK) {
    const c = Math.min(CHUNK, n - s);
    if (at === undefined) view.set(x.subarray(s, s + c));
    counts.fill(0);
    const p = at === undefined ? xp : at + s * 4;
    k.exports.minmaxChunk(p, s, c, mode, length, inner, minp, maxp, counters);
    nan += counts[0]!;
    infinite += counts[1]!;
  }
  const min = new Float64Array(length);
  const max = new Float64Array(length);
  for (let g = 0; g < length; g++) {
    min[g] = mins[g]! + 0;
    max[g] = maxs[g]! + 0;
  }
  return { min, max, finite: n - nan - infinite, nan, infinite };
}
