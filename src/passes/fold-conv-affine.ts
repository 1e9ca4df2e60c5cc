// Pass: Mul, Add, Sub or Div by a per-channel constant right after a conv (PP-LCNetV3's learnable
// affine blocks in the PP-OCRv4 detector and recognizer, bias Adds after ConvTranspose), BatchNorm
// and HardSigmoid's affine part fold into the conv's weights and bias. onnxruntime does this for
// float models (ConvMulFusion, ConvAddFusion, ConvBNFusion) but not once the conv sits in a QDQ
// group, so folding first keeps the quantized graph as lean as the float one.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { attrFloat, makeNode } from '../onnx/graph-node.js';
import { defaultOpset, isDefaultDomain } from '../onnx/model.js';
import { tensorToProto } from '../onnx/tensor.js';
import { floatConstant, foldAffineChains, type ChannelAffine, type Fold } from './conv-affine.js';
import { readBatchNorm } from './fold-batchnorm.js';

/**
 * True when a constant of `shape` broadcast against a conv output of `rank` varies at most along
 * the channel axis (1) with `channels` entries, and does not raise the output's rank.
 */
function perChannel(shape: readonly number[], rank: number, channels: number): boolean {
  if (shape.length > rank) return false;
  const padded = [...Array<number>(rank - shape.length).fill(1), ...shape];
  return padded.every((d, i) => d === 1 || (i === 1 && d === channels));
}

/** Reads Mul/Add/Sub/Div of `from` by a per-channel float constant as an affine map. */
export function readElementwise(
  graph: Graph,
  node: NodeProto,
  from: string,
  channels: number,
  rank: number,
): ChannelAffine | undefined {
  if (!isDefaultDomain(node.domain) || node.input.length !== 2) return undefined;
  const at = node.input.indexOf(from);
  const other = node.input[1 - at] ?? '';
  const shape = graph.constantValue(other)?.shape;
  const c = floatConstant(graph, other);
  if (c === undefined || !shape || !perChannel(shape, rank, channels)) return undefined;
  return at < 0 ? undefined : ELEMENTWISE.get(node.opType)?.(c, at);
}

type ConstantAffine = (c: Float32Array, at: number) => ChannelAffine | undefined;

// y = x op c, with x the conv output at input `at`; Sub and Div only as x - c and x / c.
const ELEMENTWISE: ReadonlyMap<string, ConstantAffine> = new Map<string, ConstantAffine>([
  ['Mul', (c) => ({ scale: c, shift: [0] })],
  ['Add', (c) => ({ scale: [1], shift: c })],
  ['Sub', (c, at) => (at === 0 ? { scale: [1], shift: c.map((v) => -v) } : undefined)],
  [
    'Div',
    (c, at) =>
      at === 0 && c.every((v) => v !== 0)
        ? { scale: Array.from(c, (v) => 1 / v), shift: [0] }
        : undefined,
  ],
]);

// Operators.md, HardSigmoid-6: y = max(0, min(1, alpha * x + beta)), alpha 0.2, beta 0.5 by
// default. The affine part folds into the conv; a Clip(0, 1) remains, which a quantized conv's
// output range absorbs in turn (onnxruntime has no integer HardSigmoid).
/** Reads HardSigmoid of `from` as an affine map followed by Clip(0, 1). */
export function readHardSigmoid(graph: Graph, node: NodeProto): ChannelAffine | undefined {
  if (node.opType !== 'HardSigmoid' || !isDefaultDomain(node.domain)) return undefined;
  if (defaultOpset(graph.model) < 11) return undefined;
  const alpha = attrFloat(node, 'alpha', 0.2);
  const beta = attrFloat(node, 'beta', 0.5);
  const rest = (g: Graph, x: string, y: string) => {
    const bound = (suffix: string, value: number) => {
      const name = g.uniqueName(`${y}_${suffix}`);
      g.addInitializer(tensorToProto({ name, dtype: 'float32', shape: [], data: [value] }));
      return name;
    };
    // Clip-11+: min and max are inputs.
    const inputs = [x, bound('min', 0), bound('max', 1)];
    const name = node.name === '' ? '' : g.uniqueName(`${node.name}_Clip`);
    return makeNode({ opType: 'Clip', name, inputs, outputs: [y] });
  };
  return { scale: [alpha], shift: [beta], rest };
}

/**
 * Folds BatchNormalization, per-channel Mul/Add/Sub/Div chains and the affine part of
 * HardSigmoid after convs into the convs.
 */
export function foldConvAffine(graph: Graph): Fold[] {
  return foldAffineChains(graph, [readBatchNorm, readElementwise, readHardSigmoid]);
}
