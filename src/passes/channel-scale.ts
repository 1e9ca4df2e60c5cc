// Applies a per-channel scale s to a channel site (channel-site.ts): upstream constants divided
// by s[c], downstream weights multiplied by s[c], so the float model computes what it did (up to
// float32 rounding of the edited constants), and reads a site's per-channel weight ranges.
// The one "scale a channel across a pair of ops, fold exactly" edit that cross-layer
// equalization and SmoothQuant share. Not the choice of s.
import { fail } from '../core/index.js';
import type { Graph } from '../onnx/graph.js';
import { floatConstant, setConstant } from './conv-affine.js';
import type { ChannelSite, ConstantEdit } from './channel-site.js';

/** The channel of each entry of a constant of `shape` under `edit`. */
function channelOf(edit: ConstantEdit, shape: readonly number[]): (e: number) => number {
  const stride = shape.slice(edit.axis + 1).reduce((a, b) => a * b, 1);
  const size = shape[edit.axis] ?? 1;
  if (edit.groups === undefined || edit.groups === 1) {
    return (e) => Math.floor(e / stride) % size;
  }
  // Conv W [M, C/group, k...]: output row o belongs to group floor(o / (M / group)).
  const perGroupRows = (shape[0] ?? 1) / edit.groups;
  const rowSize = size * stride;
  return (e) =>
    Math.floor(Math.floor(e / rowSize) / perGroupRows) * size + (Math.floor(e / stride) % size);
}

/** The float values and shape of the constant `edit` points at. */
function constantOf(graph: Graph, edit: ConstantEdit): { data: Float32Array; shape: number[] } {
  const name = edit.node.input[edit.input] ?? '';
  const data = floatConstant(graph, name);
  const shape = graph.constantValue(name)?.shape;
  if (data === undefined || shape === undefined) {
    fail('bad-model', `'${name}' is no longer a float constant`, { tensor: name });
  }
  return { data, shape };
}

/** Per-channel max |value| of the constant under `edit`, over `channels` channels. */
export function channelAbsMax(graph: Graph, edit: ConstantEdit, channels: number): Float64Array {
  const { data, shape } = constantOf(graph, edit);
  const of = channelOf(edit, shape);
  const out = new Float64Array(channels);
  for (let e = 0; e < data.length; e++) {
    const c = of(e);
    const v = Math.abs(data[e]!);
    if (v > out[c]!) out[c] = v;
  }
  return out;
}

/** Per-channel max |weight| over every downstream reader of the site (Q, K, V share it). */
export function downstreamAbsMax(graph: Graph, site: ChannelSite): Float64Array {
  const out = new Float64Array(site.channels);
  for (const edit of site.downstream) {
    const r = channelAbsMax(graph, edit, site.channels);
    for (let c = 0; c < out.length; c++) out[c] = Math.max(out[c]!, r[c]!);
  }
  return out;
}

/**
 * Divides the site's tensor's channel c by s[c] upstream and multiplies it back downstream;
 * every s[c] must be positive and finite.
 */
export function scaleChannels(graph: Graph, site: ChannelSite, s: ArrayLike<number>): void {
  for (let c = 0; c < site.channels; c++) {
    const v = s[c]!;
    if (!(v > 0 && Number.isFinite(v))) {
      fail('bad-argument', `s[${c}] = ${v} for '${site.tensor}' is not positive`, {
        tensor: site.tensor,
      });
    }
  }
  for (const edit of [...site.upstream, ...site.downstream]) {
    const { data, shape } = constantOf(graph, edit);
    const of = channelOf(edit, shape);
    const out = new Float32Array(data.length);
    for (let e = 0; e < data.length; e++) {
      const f = s[of(e)]!;
      out[e] = edit.power > 0 ? data[e]! * f : data[e]! / f;
    }
    setConstant(graph, edit.node, edit.input, out, shape, '_scaled');
  }
}
