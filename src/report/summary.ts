// The part of the report a person scans in a minute, as data: how many activation groups got
// which scheme and why, with the median expected and measured SQNR of each kind of decision; how
// far expectations were from held-out measurements; where the range guard replaces a clipped
// range, per method; the weights in one line. Rendered by
// html-report.ts and printed by the CLI. Not the per-tensor detail.
import {
  RANGE_METHODS,
  recommendedCandidate,
  type ModelProfile,
  type TensorProfile,
} from '../advise/index.js';

/** One row of the decision table: a scheme chosen by one rule. */
export interface DecisionRow {
  readonly scheme: string;
  readonly rule: string;
  readonly count: number;
  /** Median expected SQNR (dB) of the chosen candidates, from calibration histograms. */
  readonly expectedDb: number;
  /** Median measured SQNR (dB) on held-out samples; null when none were held out. */
  readonly measuredDb: number | null;
  /** One tensor of the row, and its reason, as an example. */
  readonly example: string;
  readonly reason: string;
}

/** The summary of a profile. */
export interface ProfileSummary {
  readonly activations: number;
  readonly weights: number;
  readonly bySchemeCount: Readonly<Record<string, number>>;
  readonly decisions: readonly DecisionRow[];
  /** Median and largest |expected - measured| SQNR over activations measured (dB). */
  readonly agreement: {
    readonly medianDb: number;
    readonly worstDb: number;
    readonly worst: string;
  } | null;
  /** Median SQNR gain of per-channel over per-tensor symmetric weights (dB). */
  readonly perChannelGainDb: number | null;
  /**
   * Per clipping method, the activation groups whose range under the recommended scheme the
   * range guard replaces by min/max (the profile's own method: those it builds with).
   */
  readonly rangeGuard: Readonly<Record<string, readonly string[]>>;
}

function median(values: readonly number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function scheme(p: TensorProfile): string {
  const r = p.recommendation;
  return `${r.scheme} ${r.qtype}`;
}

/** Summarises a profile's decisions. */
export function summarize(profile: ModelProfile): ProfileSummary {
  const activations = profile.tensors.filter((p) => p.kind === 'activation');
  const weights = profile.tensors.filter((p) => p.kind === 'weight');
  const bySchemeCount: Record<string, number> = {};
  const rows = new Map<string, TensorProfile[]>();
  for (const p of activations) {
    bySchemeCount[scheme(p)] = (bySchemeCount[scheme(p)] ?? 0) + 1;
    const key = `${scheme(p)}|${p.recommendation.rule}`;
    rows.set(key, [...(rows.get(key) ?? []), p]);
  }
  const decisions = [...rows.entries()]
    .map(([key, members]): DecisionRow => {
      const [s, rule] = key.split('|') as [string, string];
      const measured = members.flatMap((m) => (m.measured === null ? [] : [m.measured.sqnrDb]));
      const example = members[0]!;
      return {
        scheme: s,
        rule,
        count: members.length,
        expectedDb: median(members.map((m) => m.recommendation.sqnrDb)),
        measuredDb: measured.length === 0 ? null : median(measured),
        example: example.id,
        reason: example.recommendation.reason,
      };
    })
    .sort((a, b) => b.count - a.count);
  const diffs = activations.flatMap((p) =>
    p.measured === null ||
    !Number.isFinite(p.measured.sqnrDb) ||
    !Number.isFinite(p.recommendation.sqnrDb)
      ? []
      : [{ id: p.id, d: Math.abs(p.measured.sqnrDb - p.recommendation.sqnrDb) }],
  );
  const worst = diffs.reduce<{ id: string; d: number } | undefined>(
    (w, x) => (w === undefined || x.d > w.d ? x : w),
    undefined,
  );
  const gains = weights.flatMap((w) => {
    const find = (g: string) =>
      w.candidates.find(
        (c) => c.scheme === 'symmetric' && c.method === 'minmax' && c.granularity === g,
      );
    const pc = find('per-channel');
    const pt = find('per-tensor');
    return pc === undefined || pt === undefined ? [] : [pc.metrics.sqnrDb - pt.metrics.sqnrDb];
  });
  const rangeGuard: Record<string, string[]> = {};
  for (const method of RANGE_METHODS.filter((m) => m !== 'minmax')) {
    rangeGuard[method] = activations
      .filter(
        (p) =>
          (recommendedCandidate(p.candidates, p.recommendation, method)?.guarded ?? null) !== null,
      )
      .map((p) => p.id);
  }
  return {
    activations: activations.length,
    weights: weights.length,
    bySchemeCount,
    decisions,
    agreement:
      worst === undefined
        ? null
        : { medianDb: median(diffs.map((x) => x.d)), worstDb: worst.d, worst: worst.id },
    perChannelGainDb: gains.length === 0 ? null : median(gains.filter(Number.isFinite)),
    rangeGuard,
  };
}
