// The second moments AdaRound's layer error needs, per site and input group: E[x_q x_q^T],
// E[x_f x_q^T] and E[x_f x_f^T] over the rows a layer's weight multiplies (im2col patches of a
// Conv, last-axis vectors of a MatMul/Gemm), x_f read from the float model and x_q from the QDQ
// model on the same calibration batches (onnxruntime, the inputs exposed as outputs). At most
// `maxRows` seeded positions per sample and layer. Not the optimisation (adaround.ts).
import { fail, seededRandom } from '../core/index.js';
import { exposeTensors, type Feeds } from '../ptq/index.js';
import { createSession, type RuntimeTensor, type Session } from '../runtime/onnxruntime.js';
import type { AdaroundSite } from './adaround-sites.js';
import { gemmFast as gemm } from './gemm-fast.js';
import { convPlan, type ConvPlan } from './ops-conv.js';

/** One site's moments, f32 [groups, k, k] each (float64 sums divided by `count`). */
export interface SiteMoments {
  readonly hqq: Float32Array;
  readonly hfq: Float32Array;
  readonly hff: Float32Array;
  readonly count: number;
}

class Accumulator {
  readonly qq: Float64Array;
  readonly fq: Float64Array;
  readonly ff: Float64Array;
  count = 0;
  private readonly product: Float32Array;

  constructor(
    readonly site: AdaroundSite,
    private readonly random: () => number,
    private readonly maxRows: number,
  ) {
    const size = site.groups * site.k * site.k;
    this.qq = new Float64Array(size);
    this.fq = new Float64Array(size);
    this.ff = new Float64Array(size);
    this.product = new Float32Array(site.k * site.k);
  }

  /** Picks up to maxRows of `total` positions, seeded. */
  private positions(total: number): Int32Array {
    if (total <= this.maxRows) return Int32Array.from({ length: total }, (_, i) => i);
    const all = Int32Array.from({ length: total }, (_, i) => i);
    for (let i = 0; i < this.maxRows; i++) {
      const j = i + Math.floor(this.random() * (total - i));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.subarray(0, this.maxRows).sort();
  }

  private addRows(g: number, xf: Float32Array, xq: Float32Array, rows: number): void {
    const k = this.site.k;
    const at = g * k * k;
    const pairs: [Float64Array, Float32Array, Float32Array][] = [
      [this.qq, xq, xq],
      [this.fq, xf, xq],
      [this.ff, xf, xf],
    ];
    for (const [sum, a, b] of pairs) {
      // sum[i, j] += a^T b: a, b [rows, k].
      const c = { data: this.product, offset: 0 };
      gemm(true, false, k, k, rows, { data: a, offset: 0 }, { data: b, offset: 0 }, c, false);
      for (let i = 0; i < k * k; i++) sum[at + i] = sum[at + i]! + this.product[i]!;
    }
  }

  add(xf: RuntimeTensor, xq: RuntimeTensor): void {
    const { site } = this;
    const f = xf.data as Float32Array;
    const q = xq.data as Float32Array;
    if (xf.type !== 'float32' || xq.type !== 'float32' || f.length !== q.length) {
      fail('bad-model', `the input of '${site.node}' differs between the float and QDQ models`, {
        node: site.node,
      });
    }
    if (site.opType !== 'Conv') {
      const total = f.length / site.k;
      const rows = this.positions(total);
      const pf = new Float32Array(rows.length * site.k);
      const pq = new Float32Array(rows.length * site.k);
      rows.forEach((r, i) => {
        pf.set(f.subarray(r * site.k, (r + 1) * site.k), i * site.k);
        pq.set(q.subarray(r * site.k, (r + 1) * site.k), i * site.k);
      });
      this.addRows(0, pf, pq, rows.length);
      this.count += rows.length;
      return;
    }
    const plan = convPlan(site.floatNode, xf.dims, site.shape);
    const batch = xf.dims[0]!;
    for (let n = 0; n < batch; n++) {
      const rows = this.positions(plan.outSize);
      for (let g = 0; g < site.groups; g++) {
        this.addRows(g, patches(plan, f, n, g, rows), patches(plan, q, n, g, rows), rows.length);
      }
      this.count += rows.length;
    }
  }

  finish(): SiteMoments {
    const scale = 1 / Math.max(1, this.count);
    const f32 = (a: Float64Array) => Float32Array.from(a, (v) => v * scale);
    return { hqq: f32(this.qq), hfq: f32(this.fq), hff: f32(this.ff), count: this.count };
  }
}

/** The im2col rows of batch n, group g at output positions `at`: f32 [at.length, cg x taps]. */
function patches(
  plan: ConvPlan,
  x: Float32Array,
  n: number,
  g: number,
  at: Int32Array,
): Float32Array {
  const { table, taps, inSize, cg, geometry } = plan;
  const k = cg * taps;
  const out = new Float32Array(at.length * k);
  for (let i = 0; i < at.length; i++) {
    const p = at[i]!;
    for (let c = 0; c < cg; c++) {
      const base = (n * geometry.channels + g * cg + c) * inSize;
      for (let t = 0; t < taps; t++) {
        const from = table[p * taps + t]!;
        out[i * k + c * taps + t] = from < 0 ? 0 : x[base + from]!;
      }
    }
  }
  return out;
}

function fetched(
  session: Session,
  feeds: Feeds,
  fetch: readonly string[],
): Promise<Record<string, RuntimeTensor>> {
  return fetch.length === 0 ? Promise.resolve({}) : session.run(feeds, [...fetch]);
}

/** Options of collectMoments. */
export interface MomentOptions {
  readonly maxRows?: number;
  readonly seed?: number;
  readonly threads?: number;
}

/**
 * The moments of every site over `batches`: x_f from `floatBytes`, x_q from `quantBytes`
 * (the two models run on each batch in turn).
 */
export async function collectMoments(
  floatBytes: Uint8Array,
  quantBytes: Uint8Array,
  sites: readonly AdaroundSite[],
  batches: readonly Feeds[],
  options: MomentOptions = {},
): Promise<Map<string, SiteMoments>> {
  const threads = options.threads ?? 1;
  const random = seededRandom(options.seed ?? 0);
  const accumulators = sites.map((s) => new Accumulator(s, random, options.maxRows ?? 512));
  const floatModel = exposeTensors(floatBytes, [...new Set(sites.map((s) => s.floatInput))]);
  const quantModel = exposeTensors(quantBytes, [...new Set(sites.map((s) => s.quantInput))]);
  const sessions = await Promise.all(
    [floatModel.bytes, quantModel.bytes].map((b) => createSession(b, { threads })),
  );
  try {
    const [floatSession, quantSession] = sessions as [Session, Session];
    for (const feeds of batches) {
      const f = { ...feeds, ...(await fetched(floatSession, feeds, floatModel.fetch)) };
      const q = { ...feeds, ...(await fetched(quantSession, feeds, quantModel.fetch)) };
      for (const acc of accumulators) acc.add(f[acc.site.floatInput]!, q[acc.site.quantInput]!);
    }
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
  return new Map(accumulators.map((a) => [a.site.weight, a.finish()]));
}
