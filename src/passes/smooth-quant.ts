// Pass: SmoothQuant (Xiao et al. 2023, eq. 4): for each activation X read by MatMul/Gemm nodes
// with constant weights, s_j = max|X_j|^alpha / max|W_j|^(1 - alpha) per input channel j, then
// X / s and s * W, with the 1/s folded exactly into what makes X (a LayerNormalization's gamma and
// beta, a written-out LayerNorm's Mul/Add, a MatMul/Gemm's output columns: channel-site.ts). Q, K
// and V reading one X share s (max |W_j| over them). Where nothing before X takes 1/s exactly the
// MatMuls stay as they are, with the reason. Not the statistics (ptq/smooth-stats.ts).
import type { Graph } from '../onnx/graph.js';
import { nodeLabel } from '../onnx/graph-node.js';
import { isDefaultDomain } from '../onnx/model.js';
import { downstreamAbsMax, scaleChannels } from './channel-scale.js';
import { findChannelSite, isSite, type ChannelSite } from './channel-site.js';
import { floatConstant } from './conv-affine.js';

/** One MatMul/Gemm input SmoothQuant looked at: smoothed, or left alone and why. */
export interface SmoothDecision {
  /** The activation tensor the nodes read. */
  readonly tensor: string;
  /** The MatMul/Gemm nodes that read it with a constant weight. */
  readonly nodes: readonly string[];
  /** Where the 1/s went (the LayerNorm or MatMul before it); absent when left alone. */
  readonly foldedInto?: string;
  readonly channels?: number;
  /** Largest s_j, and max|X_j| over channels before and after (absent when left alone). */
  readonly maxScale?: number;
  readonly absMaxBefore?: number;
  readonly absMaxAfter?: number;
  readonly reason?: string;
}

/** The activations SmoothQuant can smooth in `graph` (sites), and the ones it cannot. */
export function findSmoothSites(graph: Graph): {
  sites: ChannelSite[];
  skipped: SmoothDecision[];
} {
  const readers = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (!isDefaultDomain(node.domain) || (node.opType !== 'MatMul' && node.opType !== 'Gemm')) {
      continue;
    }
    const x = node.input[0] ?? '';
    const w = floatConstant(graph, node.input[1] ?? '');
    if (x === '' || w === undefined || graph.constant(x) !== undefined) continue;
    readers.set(x, [...(readers.get(x) ?? []), nodeLabel(node)]);
  }
  const sites: ChannelSite[] = [];
  const skipped: SmoothDecision[] = [];
  for (const [tensor, nodes] of readers) {
    const found = findChannelSite(graph, tensor, 'channels-last');
    if (isSite(found)) sites.push(found);
    else skipped.push({ tensor, nodes, reason: `left alone: ${found.reason}` });
  }
  return { sites, skipped };
}

/** SmoothQuant's s for one site: max|X_j|^alpha / max|W_j|^(1 - alpha), 1 where either is 0. */
export function smoothScales(
  activation: ArrayLike<number>,
  weight: ArrayLike<number>,
  alpha: number,
): Float64Array {
  return Float64Array.from({ length: weight.length }, (_, j) => {
    const [x, w] = [activation[j] ?? 0, weight[j]!];
    const s = x > 0 && w > 0 ? x ** alpha / w ** (1 - alpha) : 1;
    // Kept inside float32's comfortable range, so neither side over- or underflows.
    return Math.min(Math.max(s, 1e-6), 1e6);
  });
}

/**
 * Smooths every site of `graph` whose per-channel activation absmax `absMax` holds, with
 * `alpha` in [0, 1]; returns one decision per site.
 */
export function smoothQuant(
  graph: Graph,
  sites: readonly ChannelSite[],
  absMax: ReadonlyMap<string, ArrayLike<number>>,
  alpha: number,
): SmoothDecision[] {
  return sites.map((site) => {
    const nodes = site.downstream.map((d) => nodeLabel(d.node));
    const x = absMax.get(site.tensor);
    if (x === undefined || x.length !== site.channels) {
      const reason = `left alone: no per-channel statistics of ${site.channels} channels`;
      return { tensor: site.tensor, nodes, reason };
    }
    const s = smoothScales(x, downstreamAbsMax(graph, site), alpha);
    scaleChannels(graph, site, s);
    const after = Array.from(x, (v, j) => v / s[j]!);
    return {
      tensor: site.tensor,
      nodes,
      foldedInto: nodeLabel(site.source),
      channels: site.channels,
      maxScale: Math.max(...s),
      absMaxBefore: Math.max(...Array.from(x)),
      absMaxAfter: Math.max(...after),
    };
  });
}
