// The decision flow, per tensor: weights get symmetric int8 (per channel where they have an
// axis), which onnxruntime's fast kernels take; an activation gets the scheme whose expected
// SQNR, less what its kernel costs on the target hardware, is highest, and a one-sentence
// reason a person can check against the candidates' numbers. Not the error figures
// (candidates.ts) and not the kernel figures (storage-choice.ts, hardware/).
import type { QType, Scheme } from '../core/index.js';
import { bestCandidate, type Candidate, type RangeMethod } from './candidates.js';
import type { TensorStats } from './tensor-stats.js';

/** Which rule decided, for the summary's "why" column. */
export type Rule =
  | 'non-negative'
  | 'non-positive'
  | 'skewed'
  | 'zero-centred'
  | 'asymmetric-better'
  | 'symmetric-better'
  | 'cheaper'
  | 'tie'
  | 'weight';

/** What the advisor recommends for one tensor, and why. */
export interface Recommendation {
  readonly qtype: QType;
  readonly scheme: Scheme;
  readonly granularity: 'per-tensor' | 'per-channel';
  readonly method: RangeMethod;
  readonly rule: Rule;
  readonly reason: string;
  /** Expected SQNR of the recommendation (dB), and its margin over the other scheme. */
  readonly sqnrDb: number;
  readonly marginDb: number;
  /** Relative kernel time of the recommendation on the target hardware (null: no figure). */
  readonly cost: number | null;
}

/**
 * The candidate of `r`'s scheme and stored type under `method` (the recommendation's own by
 * default); a symmetric recommendation's candidate is the int8 one, whatever it is stored as.
 */
export function recommendedCandidate(
  candidates: readonly Candidate[],
  r: Recommendation,
  method: RangeMethod = r.method,
): Candidate | undefined {
  const qtype = r.scheme === 'symmetric' ? 'int8' : r.qtype;
  return candidates.find((c) => c.scheme === r.scheme && c.qtype === qtype && c.method === method);
}

/** 6.02 dB (one bit of precision) is worth a kernel twice as fast: how cost weighs against SQNR. */
export const DB_PER_DOUBLING = 6.02;

/** Skewness beyond which a distribution counts as skewed. */
const SKEWED = 1;

const db = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'exact');
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} dB`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const g = (x: number): string => String(Number(x.toPrecision(3)));

/** Activation costs of the two schemes as stored on this hardware (null: no figure). */
export interface SchemeCosts {
  readonly symmetric: number | null;
  readonly asymmetric: number | null;
  /** The activation type both schemes are stored as. */
  readonly qtype: QType;
}

/** Levels used of a candidate's grid, as a count. */
function levelsUsed(c: Candidate): number {
  const levels = c.scheme === 'symmetric' ? 255 : 256;
  return Math.round(c.metrics.gridUsed * levels);
}

/**
 * Differences below this are not evidence: expected SQNRs from a calibration histogram agree
 * with held-out measurements to about half a dB.
 */
export const TIE_DB = 0.5;

/**
 * Above this SQNR (7.5 effective bits) a tensor's quantization noise is far below what limits
 * a model, so a better grid there buys nothing measurable: both schemes count as equal.
 */
export const NEAR_LOSSLESS_DB = 45;

/**
 * The recommendation for an activation, from its statistics, candidates and costs. The scheme
 * with the higher SQNR less its cost penalty wins; when accuracy cannot tell the schemes apart
 * (within TIE_DB, or both past NEAR_LOSSLESS_DB) the cheaper kernel wins, and at equal cost
 * asymmetric, onnxruntime's default, stays.
 */
export function recommendActivation(
  stats: TensorStats,
  candidates: readonly Candidate[],
  costs: SchemeCosts,
  method: RangeMethod = 'minmax',
): Recommendation {
  const of = (scheme: Scheme): Candidate => {
    const qtype = scheme === 'symmetric' ? 'int8' : costs.qtype;
    const match = (c: Candidate) => c.scheme === scheme && c.qtype === qtype;
    return (
      candidates.find((c) => match(c) && c.method === method) ?? bestCandidate(candidates, match)!
    );
  };
  const sym = of('symmetric');
  const asym = of('asymmetric');
  const symCost = costs.symmetric ?? 1;
  const asymCost = costs.asymmetric ?? 1;
  const gain = asym.metrics.sqnrDb - sym.metrics.sqnrDb;
  const tie =
    Math.abs(gain) < TIE_DB ||
    Math.min(sym.metrics.sqnrDb, asym.metrics.sqnrDb) >= NEAR_LOSSLESS_DB;
  let chooseAsym: boolean;
  if (tie) {
    chooseAsym = asymCost <= symCost * 1.02;
  } else {
    const base = Math.min(symCost, asymCost);
    const penalty = (cost: number): number => DB_PER_DOUBLING * Math.log2(cost / base);
    chooseAsym = asym.metrics.sqnrDb - penalty(asymCost) >= sym.metrics.sqnrDb - penalty(symCost);
  }
  const chosen = chooseAsym ? asym : sym;
  return {
    qtype: costs.qtype,
    scheme: chosen.scheme,
    granularity: 'per-tensor',
    method: chosen.method,
    ...explain(stats, sym, asym, chooseAsym, tie, asymCost / symCost),
    sqnrDb: chosen.metrics.sqnrDb,
    marginDb: chooseAsym ? gain : -gain,
    cost: chooseAsym ? costs.asymmetric : costs.symmetric,
  };
}

type Shape = 'non-negative' | 'non-positive' | 'skewed' | 'zero-centred';

/** The distribution's shape as the decision flow names it. */
export function shapeOf(stats: TensorStats): Shape {
  if (stats.min >= 0) return 'non-negative';
  if (stats.max <= 0) return 'non-positive';
  const oneSided = Math.abs(stats.negativeFraction - 0.5) > 0.3;
  return Math.abs(stats.skewness) > SKEWED || oneSided ? 'skewed' : 'zero-centred';
}

function explain(
  stats: TensorStats,
  sym: Candidate,
  asym: Candidate,
  chooseAsym: boolean,
  tie: boolean,
  ratio: number,
): { rule: Rule; reason: string } {
  const gain = asym.metrics.sqnrDb - sym.metrics.sqnrDb;
  const shape = shapeOf(stats);
  const facts = `${pct(stats.negativeFraction)} negative, skewness ${stats.skewness.toFixed(1)}`;
  const both = `(${db(sym.metrics.sqnrDb)} vs ${db(asym.metrics.sqnrDb)} dB)`;
  const used = `uses ${levelsUsed(asym)} levels where symmetric uses ${levelsUsed(sym)}`;
  const cheaper = ratio > 1.02 ? `${(1 / ratio).toFixed(2)}x` : `${ratio.toFixed(2)}x`;
  const why = tie
    ? Math.abs(gain) < TIE_DB
      ? `within ${TIE_DB} dB ${both}`
      : `both past ${NEAR_LOSSLESS_DB} dB ${both}`
    : '';
  if (chooseAsym && gain > 0 && shape !== 'zero-centred') {
    const head =
      shape === 'non-negative'
        ? `non-negative (min = ${g(stats.min)}, e.g. post-ReLU)`
        : shape === 'non-positive'
          ? `non-positive (max = ${g(stats.max)})`
          : `skewed (${facts}; grid [${g(asym.range.min)}, ${g(asym.range.max)}])`;
    const extra = tie && ratio < 0.98 ? `, and it is the cheaper kernel here (${cheaper})` : '';
    return { rule: shape, reason: `${head}: asymmetric ${used}; ${signed(gain)} SQNR${extra}` };
  }
  if (tie && ratio > 1.02 && !chooseAsym) {
    return {
      rule: 'cheaper',
      reason:
        `${shape} (${facts}); the schemes are ${why}: symmetric, with no zero point, takes ` +
        `${cheaper} the kernel time here`,
    };
  }
  if (tie) {
    return {
      rule: 'tie',
      reason:
        `${shape} (${facts}); the schemes are ${why} and cost the same here: ` +
        `asymmetric, onnxruntime's default`,
    };
  }
  if (chooseAsym) {
    return {
      rule: 'asymmetric-better',
      reason: `${shape} (${facts}): asymmetric is ${signed(gain)} SQNR ${both}`,
    };
  }
  return {
    rule: shape === 'zero-centred' ? 'zero-centred' : 'symmetric-better',
    reason: `${shape} (${facts}): symmetric is ${signed(-gain)} SQNR ${both}`,
  };
}

/** The recommendation for a weight: symmetric int8, per channel where it has an axis. */
export function recommendWeight(
  stats: TensorStats,
  candidates: readonly Candidate[],
  perChannel: boolean,
): Recommendation {
  const granularity = perChannel ? 'per-channel' : 'per-tensor';
  const find = (scheme: Scheme, qtype: QType, gran: string) =>
    candidates.find(
      (c) =>
        c.scheme === scheme && c.qtype === qtype && c.granularity === gran && c.method === 'minmax',
    )!;
  const chosen = find('symmetric', 'int8', granularity);
  const asym = find('asymmetric', 'uint8', granularity);
  const perTensor = find('symmetric', 'int8', 'per-tensor');
  const gain = chosen.metrics.sqnrDb - asym.metrics.sqnrDb;
  const channels = perChannel
    ? `; per channel ${signed(chosen.metrics.sqnrDb - perTensor.metrics.sqnrDb)} over per tensor`
    : '';
  return {
    qtype: 'int8',
    scheme: 'symmetric',
    granularity,
    method: 'minmax',
    rule: 'weight',
    reason:
      `weight (${pct(stats.negativeFraction)} negative, skewness ${stats.skewness.toFixed(1)}): ` +
      `symmetric int8, which onnxruntime's u8 x s8 kernels take, is ${signed(gain)} SQNR ` +
      `against asymmetric uint8${channels}`,
    sqnrDb: chosen.metrics.sqnrDb,
    marginDb: gain,
    cost: null,
  };
}
