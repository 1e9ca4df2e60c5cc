// The error each activation recommendation actually gives on held-out data: run the float model
// with the calibrated tensors exposed, quantize their values with the recommended parameters
// and compare, so the report can set the expected SQNR (from the calibration histogram) beside
// the measured one. Every per-tensor candidate is measured too, for the accuracy search's
// per-group method choice. Values are dropped batch by batch. Not the histogram estimate itself.
import { QTYPES } from '../core/index.js';
import type { Feeds } from '../ptq/index.js';
import { exposeTensors } from '../ptq/index.js';
import type { Candidate, RangeMethod } from './candidates.js';
import type { TensorProfile } from './profile-types.js';
import { createSession } from '../runtime/onnxruntime.js';

interface Sums {
  signal: number;
  noise: number;
  count: number;
}

/** Adds the error of quantizing x with (scale, zeroPoint) on [qmin, qmax] to `sums`. */
function accumulate(
  sums: Sums,
  x: Float32Array,
  scale: number,
  zeroPoint: number,
  qmin: number,
  qmax: number,
): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    let q = Math.round(Math.fround(v / scale)) + zeroPoint;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    const e = v - Math.fround((q - zeroPoint) * scale);
    sums.signal += v * v;
    sums.noise += e * e;
    sums.count++;
  }
}

/** Methods the accuracy search may switch a group's range to, by measured SQNR. */
export const SEARCH_METHODS: readonly RangeMethod[] = ['percentile', 'mse', 'minmax'];

/** The key of a candidate in `measured.candidates`. */
export function candidateKey(
  c: Pick<Candidate, 'scheme' | 'qtype'> & { readonly method: string },
): string {
  return `${c.scheme} ${c.qtype} ${c.method}`;
}

const sqnr = (s: Sums): number => (s.noise === 0 ? Infinity : 10 * Math.log10(s.signal / s.noise));

/** `profiles` with `measured` filled in for each activation, from `heldOut` batches. */
export async function measureActivations(
  prepared: Uint8Array,
  profiles: readonly TensorProfile[],
  heldOut: readonly Feeds[],
): Promise<TensorProfile[]> {
  const names = [...new Set(profiles.flatMap((p) => p.calibrated))];
  if (names.length === 0 || heldOut.length === 0) return [...profiles];
  const exposed = exposeTensors(prepared, names);
  const sums = new Map<string, Sums>();
  const each = new Map<string, Map<Candidate, Sums>>();
  // Each activation's per-tensor candidates, one pass per distinct (qtype, scale, zero point):
  // the recommendation is one of them, and guarded or agreeing methods share parameters.
  const passes = new Map<TensorProfile, [Candidate, Sums][]>();
  for (const p of profiles) {
    const rec = p.recommendation;
    const c = p.candidates.find(
      (k) => k.scheme === rec.scheme && k.method === rec.method && k.granularity === 'per-tensor',
    );
    if (c === undefined) continue;
    const distinct = new Map<string, [Candidate, Sums]>();
    const others = new Map<Candidate, Sums>();
    for (const k of p.candidates) {
      if (k.granularity !== 'per-tensor') continue;
      const key = `${k.qtype} ${k.scale} ${k.zeroPoint}`;
      if (!distinct.has(key)) distinct.set(key, [k, { signal: 0, noise: 0, count: 0 }]);
      others.set(k, distinct.get(key)![1]);
    }
    sums.set(p.id, others.get(c)!);
    each.set(p.id, others);
    passes.set(p, [...distinct.values()]);
  }
  const session = await createSession(exposed.bytes);
  try {
    for (const feeds of heldOut) {
      const outputs = await session.run(feeds, exposed.fetch);
      for (const [p, pass] of passes) {
        for (const name of p.calibrated) {
          const t = outputs[name] ?? feeds[name];
          if (t?.type !== 'float32') continue;
          const x = t.data as Float32Array;
          for (const [k, into] of pass) {
            const { qmin, qmax } = QTYPES[k.qtype];
            accumulate(into, x, k.scale, k.zeroPoint, qmin, qmax);
          }
        }
      }
    }
  } finally {
    await session.release();
  }
  return profiles.map((p) => {
    const s = sums.get(p.id);
    if (s === undefined || s.count === 0) return p;
    const candidates: Record<string, number> = {};
    for (const [k, into] of each.get(p.id) ?? []) candidates[candidateKey(k)] = sqnr(into);
    return { ...p, measured: { sqnrDb: sqnr(s), mse: s.noise / s.count, candidates } };
  });
}
