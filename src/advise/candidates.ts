// The quantization candidates the advisor weighs for one tensor, each with its error: symmetric
// int8, asymmetric uint8 and asymmetric int8, under every calibration method that reads a
// histogram (minmax, percentile, entropy, mse), per tensor, and for weights also per channel.
// Activations are scored from their calibration histogram (expected error), and a clipped range
// the range guard rejects is shown as the builder uses it: min/max, marked. Weights are scored
// exactly, on their values. Not the choice among them (recommend.ts).
import {
  chooseQParams,
  chooseTensorQParams,
  qparamsFromRanges,
  quantRange,
  type QType,
  type QuantSpec,
  type Scheme,
} from '../core/index.js';
import { quantMetricsFast, quantizeFast } from '../kernels/index.js';
import {
  clipsDestructively,
  histogramError,
  HistogramObserver,
  methodsWith,
  type ExpectedError,
  type Histogram,
  type HistogramMethod,
} from '../observers/index.js';

/** A calibration method the advisor compares (minmax reads the histogram's exact extremes). */
export type RangeMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

/** Every method compared, in report order: those the registry marks `advised`. */
export const RANGE_METHODS = methodsWith('advised') as readonly RangeMethod[];

/** The three schemes compared, as the issue names them. */
export const CANDIDATE_SPECS: readonly QuantSpec[] = [
  { qtype: 'int8', scheme: 'symmetric' },
  { qtype: 'uint8', scheme: 'asymmetric' },
  { qtype: 'int8', scheme: 'asymmetric' },
];

/** One candidate and its error. */
export interface Candidate {
  readonly qtype: QType;
  readonly scheme: Scheme;
  readonly granularity: 'per-tensor' | 'per-channel';
  readonly method: RangeMethod;
  /** The real range the parameters were chosen for (per channel: the widest channel's). */
  readonly range: { readonly min: number; readonly max: number };
  /** Scale and zero point (per channel: the median channel's scale, zero point of channel 0). */
  readonly scale: number;
  readonly zeroPoint: number;
  readonly metrics: ExpectedError;
  /**
   * Set when the range guard replaces this method's range by min/max, as the builder does
   * (ptq/output-ranges.ts): the range the method chose and its expected SQNR. The fields above
   * are then min/max's. Judged on the group's histogram; the builder judges each tensor's.
   */
  readonly guarded: { readonly range: Candidate['range']; readonly sqnrDb: number } | null;
}

/** Bounds a group's range is clipped to (a folded Relu's, a Sigmoid's), as insertQdq clips. */
export interface Clamp {
  readonly min?: number;
  readonly max?: number;
}

/** The range `method` reads from `histogram` for `spec`, clipped to `clamp`. */
export function methodRange(
  histogram: Histogram,
  method: RangeMethod,
  spec: QuantSpec,
  clamp: Clamp = {},
): { min: number; max: number } {
  const kind: HistogramMethod = method === 'minmax' ? 'histogram' : method;
  const r = new HistogramObserver(kind, {}, histogram).range(spec);
  const min = Math.max(r.min, clamp.min ?? -Infinity);
  const max = Math.max(min, Math.min(r.max, clamp.max ?? Infinity));
  return { min, max };
}

/** Candidates of an activation from its calibration histogram: expected errors. */
export function activationCandidates(
  histogram: Histogram,
  clamp: Clamp = {},
  methods: readonly RangeMethod[] = RANGE_METHODS,
): Candidate[] {
  const snapshot = histogram.snapshot();
  return CANDIDATE_SPECS.flatMap((spec) => {
    const score = (method: RangeMethod): Candidate => {
      const range = methodRange(histogram, method, spec, clamp);
      const { scale, zeroPoint } = chooseQParams(range.min, range.max, spec);
      const grid = quantRange(spec);
      const metrics = histogramError(snapshot, { qtype: spec.qtype, scale, zeroPoint, grid });
      const per = 'per-tensor' as const;
      return { ...spec, granularity: per, method, range, scale, zeroPoint, metrics, guarded: null };
    };
    const minmax = score('minmax');
    return methods.map((method): Candidate => {
      if (method === 'minmax') return minmax;
      const own = score(method);
      if (!clipsDestructively(own.metrics.sqnrDb, minmax.metrics.sqnrDb)) return own;
      return { ...minmax, method, guarded: { range: own.range, sqnrDb: own.metrics.sqnrDb } };
    });
  });
}

/**
 * Candidates of a weight w (f32 [shape]) from its values: every method per tensor, and minmax
 * per channel along `axis` when given. Errors are measured, not estimated.
 */
export function weightCandidates(
  w: Float32Array,
  shape: readonly number[],
  axis: number | undefined,
  methods: readonly RangeMethod[] = RANGE_METHODS,
): Candidate[] {
  const histogram = new HistogramObserver('histogram');
  histogram.observe(w);
  const out: Candidate[] = [];
  for (const spec of CANDIDATE_SPECS) {
    for (const method of methods) {
      const range = methodRange(histogram.histogram, method, spec);
      const ranges = { min: Float32Array.of(range.min), max: Float32Array.of(range.max) };
      const params = qparamsFromRanges(ranges, spec, { kind: 'per-tensor' });
      const m = quantMetricsFast(w, quantizeFast(w, shape, params), shape, params);
      out.push({
        ...spec,
        granularity: 'per-tensor',
        method,
        range,
        scale: params.scale[0]!,
        zeroPoint: params.zeroPoint[0]!,
        metrics: pick(m),
        guarded: null,
      });
    }
    if (axis === undefined) continue;
    const params = chooseTensorQParams(w, shape, spec, { kind: 'per-axis', axis });
    const m = quantMetricsFast(w, quantizeFast(w, shape, params), shape, params);
    const scales = [...params.scale].sort((a, b) => a - b);
    out.push({
      ...spec,
      granularity: 'per-channel',
      method: 'minmax',
      range: extent(w),
      scale: scales[scales.length >> 1]!,
      zeroPoint: params.zeroPoint[0]!,
      metrics: pick(m),
      guarded: null,
    });
  }
  return out;
}

function pick(m: ExpectedError): ExpectedError {
  return {
    mse: m.mse,
    sqnrDb: m.sqnrDb,
    clippedFraction: m.clippedFraction,
    gridUsed: m.gridUsed,
  };
}

function extent(x: Float32Array): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** The candidate with the highest SQNR among those matching `where` (ties: the first). */
export function bestCandidate(
  candidates: readonly Candidate[],
  where: (c: Candidate) => boolean,
): Candidate | undefined {
  let best: Candidate | undefined;
  for (const c of candidates) {
    if (where(c) && (best === undefined || c.metrics.sqnrDb > best.metrics.sqnrDb)) best = c;
  }
  return best;
}
