// Whether onnxruntime's integer MaxPool, Resize, Mul and Add pay off on this machine for this
// model: one static variant per op type with that op kept float, all timed against the default
// build in one interleaved run (broadcast QLinearMul and uint8 MaxPool measured slower than
// float at the PP-OCR classifier's shapes); op types whose float variant is faster stay float.
// Only latency changes: the weights, hence the size, are the same. Not per-node placement.
import { isZeropointError } from '../core/index.js';
import { compareLatency, type LatencyOptions } from '../hardware/model-latency.js';
import { planQuantization, requiredOpset } from '../passes/index.js';
import {
  prepareModel,
  runStaticRecipe,
  type CalibrationResult,
  type StaticOptions,
} from '../ptq/index.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';

/** The op types whose integer kernel is weighed against float. */
export const WEIGHED_OPS: readonly string[] = ['MaxPool', 'Resize', 'Mul', 'Add'];

/**
 * Every exclude list weighIntegerOps may build (each non-empty subset of WEIGHED_OPS): pass it as
 * StaticOptions.alsoCalibrate so that one calibration serves all of them.
 */
export function weighedExcludes(): string[][] {
  const subsets: string[][] = [];
  for (let mask = 1; mask < 1 << WEIGHED_OPS.length; mask++) {
    subsets.push(WEIGHED_OPS.filter((_, i) => (mask >> i) & 1));
  }
  return subsets;
}

/** One op type's measurement. */
export interface OpPayoff {
  readonly op: string;
  /** Quantized nodes of this type in the default build. */
  readonly nodes: number;
  /** Latency of the build with this op type float, as a multiple of the default build's. */
  readonly latency: number;
  readonly keepFloat: boolean;
}

/** The measurements and the build with every losing op type float (undefined: none lost). */
export interface OpPayoffResult {
  readonly ops: readonly OpPayoff[];
  readonly exclude: readonly string[];
  readonly bytes: Uint8Array | undefined;
}

/** How much faster a float variant must be to win (default 0.02: 2 %, above timing noise). */
const MARGIN = 0.02;

/**
 * Times, for each op type of WEIGHED_OPS that the default plan runs on integers, the static build of
 * `fp32` with that type float against `base` (the default build, same options and calibration,
 * which must cover weighedExcludes()).
 */
export async function weighIntegerOps(
  fp32: Uint8Array,
  base: Uint8Array,
  options: StaticOptions & { readonly cache: CalibrationResult },
  feeds: Readonly<Record<string, RuntimeTensor>>,
  latency: LatencyOptions = {},
): Promise<OpPayoffResult> {
  const plan = planQuantization(prepareModel(fp32, requiredOpset(options)).graph, options);
  const counts = new Map<string, number>();
  for (const d of plan.nodes) {
    if (d.status !== 'float' && d.status !== 'folded' && WEIGHED_OPS.includes(d.opType)) {
      counts.set(d.opType, (counts.get(d.opType) ?? 0) + 1);
    }
  }
  const types = [...counts.keys()];
  if (types.length === 0) return { ops: [], exclude: [], bytes: undefined };
  const build = async (ops: readonly string[]) =>
    (
      await runStaticRecipe(fp32, undefined, {
        ...options,
        exclude: [...(options.exclude ?? []), ...ops],
      })
    ).bytes;
  // A calibration that does not cover a variant (a cache from a run without alsoCalibrate)
  // leaves that op type integer, unweighed.
  const built: { op: string; bytes: Uint8Array }[] = [];
  for (const op of types) {
    try {
      built.push({ op, bytes: await build([op]) });
    } catch (error) {
      if (!isZeropointError(error, 'bad-argument')) throw error;
    }
  }
  if (built.length === 0) return { ops: [], exclude: [], bytes: undefined };
  const weighed = built.map((b) => b.op);
  const variants = built.map((b) => b.bytes);
  const timed = await compareLatency([base, ...variants], feeds, latency);
  const ops = weighed.map((op, i) => {
    const ratio = timed.ratios[i + 1]!;
    return { op, nodes: counts.get(op)!, latency: ratio, keepFloat: ratio < 1 - MARGIN };
  });
  const exclude = ops.filter((o) => o.keepFloat).map((o) => o.op);
  if (exclude.length === 0) return { ops, exclude, bytes: undefined };
  if (exclude.length > 1) {
    try {
      return { ops, exclude, bytes: await build(exclude) };
    } catch (error) {
      if (!isZeropointError(error, 'bad-argument')) throw error;
    }
  }
  // One type, or a combination the calibration does not cover: the fastest single one.
  const best = ops.filter((o) => o.keepFloat).sort((a, b) => a.latency - b.latency)[0]!;
  return { ops, exclude: [best.op], bytes: variants[weighed.indexOf(best.op)]! };
}
