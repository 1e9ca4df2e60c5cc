// Pass on a QDQ graph (after insert-qdq): a quantized AveragePool (DequantizeLinear -> AveragePool
// -> QuantizeLinear only) becomes a depthwise Conv of the same window whose int8 weights are 1 at
// scale 1/K (K taps), so onnxruntime runs it as QLinearConv: the PP-OCRv4 recognizer's 3x2 pool
// over 480 x 3 x 80 took 0.115 ms as QLinearAveragePool (fp32's NCHWc pool: 0.02 ms). Integer
// sums of the same codes, one requantization; not a float rewrite, not GlobalAveragePool.
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { attr, attrInt, attrInts, attrString, makeNode, nodeLabel } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';

/** One AveragePool the pass looked at. */
export interface PoolConv {
  readonly node: string;
  /** Channels of the depthwise Conv it became; absent when it was left alone. */
  readonly channels?: number;
  /** Why it was left alone. */
  readonly refused?: string;
}

/** Ops whose output has their first variable input's channels (walked back to find C). */
const SAME_CHANNELS = new Set([
  'DequantizeLinear',
  'QuantizeLinear',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Clip',
  'Relu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'LeakyRelu',
  'Identity',
  'BatchNormalization',
]);

/** The shape of a constant, or of the constant a DequantizeLinear reads (a QDQ weight). */
function constantShape(graph: Graph, name: string): readonly number[] | undefined {
  const dq = graph.producer(name);
  const source = dq?.opType === 'DequantizeLinear' ? (dq.input[0] ?? '') : name;
  return graph.constantValue(source)?.shape;
}

/** Channels (axis 1) of `tensor`: from its recorded shape, else from the Conv that makes it. */
function channelsOf(graph: Graph, tensor: string): number | undefined {
  for (let name = tensor, steps = 0; steps < 32; steps++) {
    const type = graph.valueInfo(name)?.type?.value;
    const dim = type?.case === 'tensorType' ? type.value.shape?.dim[1]?.value : undefined;
    if (dim?.case === 'dimValue') return Number(dim.value);
    const node = graph.producer(name);
    if (node === undefined || node.domain !== '') return undefined;
    if (node.opType === 'Conv') return constantShape(graph, node.input[1] ?? '')?.[0];
    if (!SAME_CHANNELS.has(node.opType)) return undefined;
    const next = node.input.find((i) => i !== '' && graph.constantValue(i) === undefined);
    if (next === undefined) return undefined;
    name = next;
  }
  return undefined;
}

/** Why `pool` cannot become a Conv of the same window, or undefined when it can. */
function blocker(graph: Graph, pool: NodeProto): string | undefined {
  const dq = graph.producer(pool.input[0] ?? '');
  const out = pool.output[0] ?? '';
  const readers = graph.consumers(out);
  if (dq?.opType !== 'DequantizeLinear' || (dq.input[2] ?? '') === '') {
    return 'its input is not a dequantized integer tensor';
  }
  if (graph.constantValue(dq.input[1] ?? '')?.data.length !== 1) {
    return 'its input is not quantized per tensor';
  }
  if (graph.isGraphOutput(out) || readers.length === 0) return 'its output is a graph output';
  if (readers.some((r) => r.opType !== 'QuantizeLinear')) return 'its output is read in float';
  const kernel = attrInts(pool, 'kernel_shape') ?? [];
  const pads = attrInts(pool, 'pads') ?? [];
  const autoPad = attrString(pool, 'auto_pad', 'NOTSET');
  if (kernel.length !== 2) return 'not a 2-D pool';
  if (attrInt(pool, 'ceil_mode', 0) !== 0) return 'ceil_mode rounds its output size up';
  if ((attrInts(pool, 'dilations') ?? []).some((d) => d !== 1)) return 'dilated';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return `auto_pad ${autoPad}`;
  // Operators.md, AveragePool: without count_include_pad, border windows divide by fewer taps.
  const padded = autoPad === 'NOTSET' && pads.some((p) => p !== 0);
  if (padded && attrInt(pool, 'count_include_pad', 0) !== 1) {
    return 'its padded border windows average fewer taps';
  }
  return undefined;
}

/** Adds int8 ones of `shape` dequantized at scale 1 / (taps per channel); returns the float name. */
function poolWeight(graph: Graph, base: string, shape: readonly number[]): string {
  const taps = shape.slice(1).reduce((a, d) => a * d, 1);
  const constant = (suffix: string, dtype: 'int8' | 'float32', dims: number[], data: number[]) => {
    const name = graph.uniqueName(`${base}_${suffix}`);
    graph.addInitializer(tensorToProto({ name, dtype, shape: dims, data }));
    return name;
  };
  const ones = new Array<number>(shape[0]! * taps).fill(1);
  const inputs = [
    constant('q', 'int8', [...shape], ones),
    constant('scale', 'float32', [], [1 / taps]),
    constant('zp', 'int8', [], [0]),
  ];
  const name = graph.uniqueName(`${base}_dq`);
  graph.addNode(makeNode({ opType: 'DequantizeLinear', name, inputs, outputs: [name] }));
  return name;
}

/**
 * Rewrites every quantized 2-D AveragePool into a depthwise Conv reading the same dequantized
 * input and writing the same tensor (so its QuantizeLinear and the node's name stay): weights
 * int8 1 dequantized at scale 1/K, no bias, the pool's strides and pads.
 */
export function averagePoolsAsConvs(graph: Graph): PoolConv[] {
  const report: PoolConv[] = [];
  for (const pool of [...graph.nodes]) {
    if (pool.opType !== 'AveragePool' || pool.domain !== '') continue;
    const why = blocker(graph, pool);
    const channels = why === undefined ? channelsOf(graph, pool.input[0] ?? '') : undefined;
    if (why !== undefined || channels === undefined) {
      report.push({ node: nodeLabel(pool), refused: why ?? 'its channel count is unknown' });
      continue;
    }
    const [kh, kw] = attrInts(pool, 'kernel_shape') as [number, number];
    const weight = poolWeight(graph, `${pool.output[0]}_pool_weight`, [channels, 1, kh, kw]);
    const strides = attrInts(pool, 'strides') ?? [1, 1];
    const pads =
      attrString(pool, 'auto_pad', 'NOTSET') === 'VALID'
        ? [0, 0, 0, 0]
        : (attrInts(pool, 'pads') ?? [0, 0, 0, 0]);
    const conv = makeNode({
      opType: 'Conv',
      name: pool.name,
      inputs: [pool.input[0]!, weight],
      outputs: [pool.output[0]!],
      attributes: [
        attr.ints('kernel_shape', [kh, kw]),
        attr.ints('strides', strides),
        attr.ints('pads', pads),
        attr.int('group', channels),
      ],
    });
    graph.removeNode(pool);
    graph.addNode(conv);
    report.push({ node: nodeLabel(conv), channels });
  }
  return report;
}
