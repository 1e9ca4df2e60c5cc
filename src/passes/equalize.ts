// Pass: data-free cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019, sec. 4.1,
// as AIMET and AMD Quark do it). For Conv -> (Relu | LeakyRelu | Clip(0, inf) | nothing) -> Conv,
// depthwise -> pointwise included, output channel i of the first conv is divided by
// s_i = sqrt(r1_i * r2_i) / r2_i and input channel i of the second multiplied by it (r: per-channel
// weight absmax), iterated to convergence, so both see ranges sqrt(r1_i * r2_i) and per-channel
// int8 weights lose less. Exact in float. Not bias absorption, and not Relu6 or HardSwish pairs
// (not positive-homogeneous: listed as skipped with the reason).
import type { Graph } from '../onnx/graph.js';
import { nodeLabel } from '../onnx/graph-node.js';
import { channelAbsMax, downstreamAbsMax, scaleChannels } from './channel-scale.js';
import { findChannelSite, isSite, type ChannelSite } from './channel-site.js';

/** One equalized pair (or chain link): the conv before the tensor and the convs reading it. */
export interface EqualizedPair {
  readonly tensor: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly channels: number;
  /** Mean over channels of min(r1, r2) / max(r1, r2) before and after (1: equal ranges). */
  readonly balanceBefore: number;
  readonly balanceAfter: number;
}

/** What equalization did. */
export interface EqualizeReport {
  readonly pairs: readonly EqualizedPair[];
  /** Tensors read only by convs that could not be equalized, and why. */
  readonly skipped: readonly { readonly tensor: string; readonly reason: string }[];
  readonly iterations: number;
}

/** Options of equalizeConvPairs. */
export interface EqualizeOptions {
  /** Sweeps over all pairs at most (default 20). */
  readonly maxIterations?: number;
  /** Stop once no scale moves by more than this factor minus 1 (default 1e-4). */
  readonly tolerance?: number;
}

function balance(r1: Float64Array, r2: Float64Array): number {
  let sum = 0;
  for (let c = 0; c < r1.length; c++) {
    const [a, b] = [r1[c]!, r2[c]!];
    sum += Math.max(a, b) === 0 ? 1 : Math.min(a, b) / Math.max(a, b);
  }
  return r1.length === 0 ? 1 : sum / r1.length;
}

function ranges(graph: Graph, site: ChannelSite): [Float64Array, Float64Array] {
  return [channelAbsMax(graph, site.upstreamWeight!, site.channels), downstreamAbsMax(graph, site)];
}

/** Equalizes every Conv -> (positive-homogeneous op) -> Conv pair of `graph` in place. */
export function equalizeConvPairs(graph: Graph, options: EqualizeOptions = {}): EqualizeReport {
  const { maxIterations = 20, tolerance = 1e-4 } = options;
  const sites: ChannelSite[] = [];
  const skipped: { tensor: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Conv') continue;
    const tensor = node.input[0] ?? '';
    if (seen.has(tensor)) continue;
    seen.add(tensor);
    const producer = graph.producer(tensor);
    if (producer === undefined || producer.opType === 'Constant') continue;
    const found = findChannelSite(graph, tensor, 'channels-first');
    if (isSite(found) && found.upstreamWeight !== undefined && found.source.opType === 'Conv') {
      sites.push(found);
    } else if (graph.uses(tensor).every((u) => u.node.opType === 'Conv')) {
      skipped.push({ tensor, reason: isSite(found) ? 'no Conv before it' : found.reason });
    }
  }
  const before = sites.map((site) => balance(...ranges(graph, site)));
  let iterations = 0;
  for (let moved = Infinity; moved > tolerance && iterations < maxIterations; iterations++) {
    moved = 0;
    for (const site of sites) {
      const [r1, r2] = ranges(graph, site);
      const s = Float64Array.from(r1, (a, c) => {
        const b = r2[c]!;
        return a > 0 && b > 0 ? Math.sqrt(a * b) / b : 1;
      });
      for (const v of s) moved = Math.max(moved, Math.abs(v - 1));
      scaleChannels(graph, site, s);
    }
  }
  const pairs = sites.map((site, i) => ({
    tensor: site.tensor,
    from: nodeLabel(site.source),
    to: site.downstream.map((d) => nodeLabel(d.node)),
    channels: site.channels,
    balanceBefore: before[i]!,
    balanceAfter: balance(...ranges(graph, site)),
  }));
  return { pairs, skipped, iterations };
}
