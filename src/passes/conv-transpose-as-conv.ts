// Float pass (prepareModel, after the affine folds): a ConvTranspose whose kernel equals its
// stride (s x s, no padding or overlap, group 1) computes each output pixel from one input pixel,
// so it is a 1x1 Conv to M s^2 channels followed by DepthToSpace (CRD): the same sums, which the
// planner then quantizes as a QLinearConv; onnxruntime CPU has no integer ConvTranspose. The
// DepthToSpace then moves below the elementwise activation after it, so that one fuses with the
// Conv. PP-OCRv4's detector head ends in two such 2x2 ConvTransposes. Not other geometries.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attr, attrInt, attrInts, attrString, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import { dropIfUnused, floatConstant } from './conv-affine.js';

/** One ConvTranspose the pass replaced. */
export interface ConvTransposeRewrite {
  readonly node: string;
  /** The stride (= kernel size) along both axes. */
  readonly stride: number;
  /** The upstream DepthToSpace it absorbed (an earlier ConvTranspose's), if any. */
  readonly joined?: string;
  /** The elementwise ops the DepthToSpace moved below (their names). */
  readonly movedBelow: readonly string[];
}

/** Elementwise ops with one activation input (input 0) that commute with moving pixels. */
const ELEMENTWISE = new Set([
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Clip',
]);

const allEqual = (values: readonly number[] | undefined, to: number): boolean =>
  values === undefined || values.every((v) => v === to);

/** What the pass reads of a ConvTranspose it can replace: stride, weight [C, M, s, s], bias. */
interface Replaceable {
  readonly stride: number;
  readonly weight: Float32Array;
  readonly channels: number;
  readonly outputs: number;
  readonly bias: Float32Array | undefined;
}

/** The ConvTranspose's stride and constants (each decoded once) when the pass can replace it. */
function replaceable(graph: Graph, node: NodeProto): Replaceable | undefined {
  if (node.opType !== 'ConvTranspose' || !isDefaultDomain(node.domain)) return undefined;
  const weight = graph.constantValue(node.input[1] ?? '');
  if (weight?.dtype !== 'float32' || weight.shape.length !== 4) return undefined;
  const [channels, outputs, kh, kw] = weight.shape as [number, number, number, number];
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const kernel = attrInts(node, 'kernel_shape') ?? [kh, kw];
  const square = kh === kw && kh > 1 && strides[0] === kh && strides[1] === kw;
  if (!square || kernel[0] !== kh || kernel[1] !== kw) return undefined;
  if (attrInt(node, 'group', 1) !== 1 || attrInts(node, 'output_shape') !== undefined) {
    return undefined;
  }
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return undefined;
  const geometry = ['pads', 'output_padding'].every((a) => allEqual(attrInts(node, a), 0));
  if (!geometry || !allEqual(attrInts(node, 'dilations'), 1)) return undefined;
  const biasName = node.input[2] ?? '';
  const bias = floatConstant(graph, biasName);
  if (biasName !== '' && bias === undefined) return undefined;
  return { stride: kh, weight: weight.data, channels, outputs, bias };
}

/**
 * The CRD DepthToSpace (block > 1) that writes `x` when `x` has no other reader: its pixels can
 * be read before they are moved (the Conv's weights take the block's positions).
 */
function upstreamShuffle(graph: Graph, x: string): NodeProto | undefined {
  const node = graph.producer(x);
  if (node?.opType !== 'DepthToSpace' || !isDefaultDomain(node.domain)) return undefined;
  if (attrString(node, 'mode', 'DCR') !== 'CRD' || attrInt(node, 'blocksize', 0) < 2) {
    return undefined;
  }
  return graph.consumers(x).length === 1 && !graph.isGraphOutput(x) ? node : undefined;
}

/**
 * Weights [M S^2, C s1^2, 1, 1] of the 1x1 Conv that, followed by DepthToSpace(S = s1 s2, CRD),
 * equals ConvTranspose W [C, M, s2, s2] applied after DepthToSpace(s1, CRD): output channel
 * m S^2 + (a1 s2 + a2) S + b1 s2 + b2 reads input channel c s1^2 + a1 s1 + b1 with W[c, m, a2, b2]
 * (zero from the block's other positions). With s1 = 1: W'[(m s2 + a2) s2 + b2, c] = W[c, m, a2, b2].
 */
function blockWeights(w: Float32Array, shape: readonly number[], s1: number): Float32Array {
  const [channels, outputs, s2] = shape as [number, number, number];
  const big = s1 * s2;
  const [rows, cols] = [outputs * big * big, channels * s1 * s1];
  const out = new Float32Array(rows * cols);
  for (let c = 0; c < channels; c++) {
    for (let m = 0; m < outputs; m++) {
      for (let a2 = 0; a2 < s2; a2++) {
        for (let b2 = 0; b2 < s2; b2++) {
          const value = w[((c * outputs + m) * s2 + a2) * s2 + b2]!;
          for (let a1 = 0; a1 < s1; a1++) {
            for (let b1 = 0; b1 < s1; b1++) {
              const row = m * big * big + (a1 * s2 + a2) * big + b1 * s2 + b2;
              out[row * cols + c * s1 * s1 + a1 * s1 + b1] = value;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Replaces every such ConvTranspose x -> y by Conv (named as the ConvTranspose, so exclude
 * lists still match) and DepthToSpace writing y. When x is itself a CRD DepthToSpace's output
 * (an earlier ConvTranspose's), the Conv reads that one's input instead and one DepthToSpace of
 * the product of both blocks follows: PP-OCRv4's 2x2 then 2x2 head becomes two 1x1 Convs and
 * one 4x4 DepthToSpace, with no pixel shuffle between them (onnxruntime's uint8 DepthToSpace
 * took 2.3 ms of the detector's 28 at 640x640).
 */
export function convTransposeAsConv(graph: Graph): ConvTransposeRewrite[] {
  const done: ConvTransposeRewrite[] = [];
  for (const node of [...graph.nodes]) {
    const found = replaceable(graph, node);
    if (found === undefined) continue;
    const { stride: s2, weight, channels, outputs, bias } = found;
    const shuffle = upstreamShuffle(graph, node.input[0]!);
    const s1 = shuffle === undefined ? 1 : attrInt(shuffle, 'blocksize', 1);
    const big = s1 * s2;
    const w = blockWeights(weight, [channels, outputs, s2], s1);
    const base = nodeLabel(node);
    const rows = outputs * big * big;
    const inputs = [
      shuffle?.input[0] ?? node.input[0]!,
      constant(graph, `${base}_as_conv_w`, w, [rows, channels * s1 * s1, 1, 1]),
    ];
    if (bias !== undefined) {
      const per = big * big;
      const b = Float32Array.from({ length: rows }, (_, i) => bias[(i / per) | 0]!);
      inputs.push(constant(graph, `${base}_as_conv_b`, b, [rows]));
    }
    const y = node.output[0]!;
    graph.removeNode(node);
    for (const name of node.input.slice(1)) dropIfUnused(graph, name);
    if (shuffle !== undefined) {
      graph.removeNode(shuffle);
      dropValueInfo(graph, shuffle.output[0]!);
    }
    const depth = graph.uniqueName(`${y}_depth`);
    const conv = makeNode({ opType: 'Conv', inputs, outputs: [depth], name: node.name });
    conv.attribute.push(attr.ints('kernel_shape', [1, 1]));
    graph.addNode(conv);
    const move = makeNode({
      opType: 'DepthToSpace',
      inputs: [depth],
      outputs: [y],
      name: graph.uniqueName(`${base}_depth_to_space`),
      attributes: [attr.int('blocksize', big), attr.string('mode', 'CRD')],
    });
    graph.addNode(move);
    done.push({
      node: base,
      stride: s2,
      ...(shuffle === undefined ? {} : { joined: nodeLabel(shuffle) }),
      movedBelow: moveBelowElementwise(graph, move),
    });
  }
  return done;
}

/** Forgets the recorded shape of a tensor the pass removed (its shape was another's). */
function dropValueInfo(graph: Graph, name: string): void {
  const info = graph.proto.valueInfo.findIndex((v) => v.name === name);
  if (info >= 0) graph.proto.valueInfo.splice(info, 1);
}

function constant(graph: Graph, base: string, data: Float32Array, shape: number[]): string {
  const name = graph.uniqueName(base);
  graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape, data }));
  return name;
}

/**
 * While the DepthToSpace's only reader is an elementwise op on it (other inputs constant), swaps
 * the two: the op reads the Conv's output and the DepthToSpace writes the op's output name.
 */
function moveBelowElementwise(graph: Graph, move: NodeProto): string[] {
  const moved: string[] = [];
  for (;;) {
    const out = move.output[0]!;
    const readers = graph.consumers(out);
    const op = readers[0];
    if (readers.length !== 1 || op === undefined || graph.isGraphOutput(out)) break;
    if (!ELEMENTWISE.has(op.opType) || !isDefaultDomain(op.domain) || op.input[0] !== out) break;
    const constants = op.input.slice(1).every((n) => n === '' || graph.constant(n) !== undefined);
    if (!constants || op.output.length !== 1) break;
    const result = op.output[0]!;
    const inner = graph.uniqueName(`${result}_depth`);
    graph.removeNode(move);
    graph.removeNode(op);
    op.input[0] = move.input[0]!;
    op.output[0] = inner;
    move.input[0] = inner;
    move.output[0] = result;
    dropValueInfo(graph, out);
    graph.addNode(op);
    graph.addNode(move);
    moved.push(nodeLabel(op));
  }
  return moved;
}
