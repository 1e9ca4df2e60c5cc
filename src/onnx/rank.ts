// The rank of a tensor where the graph fixes it without running the model: a constant's shape,
// a graph input's or value_info's shape, or a rank-keeping op over a tensor of known rank.
// Enough for passes that must not change a tensor's rank (folding Max(x, c) into a range
// drops c's broadcast). Not shape inference: dimensions are not tracked.
import type { Graph } from './graph.js';

/** Ops whose output 0 has the rank of input 0. */
const SAME_RANK = new Set([
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Elu',
  'Selu',
  'Softplus',
  'Abs',
  'Neg',
  'Exp',
  'Log',
  'Sqrt',
  'Erf',
  'Identity',
  'Cast',
  'BatchNormalization',
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'LRN',
  'InstanceNormalization',
  'Softmax',
  'LayerNormalization',
  'Dropout',
]);
/** Elementwise ops with broadcasting: the largest rank of their inputs. */
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow']);

/**
 * The rank of `name` in `graph`, or undefined when the graph does not fix it. Each tensor is
 * looked at once per call (`seen`): residual Adds reach the same tensors by many paths.
 */
export function tensorRank(
  graph: Graph,
  name: string,
  seen = new Map<string, number | undefined>(),
): number | undefined {
  if (seen.has(name)) return seen.get(name);
  seen.set(name, undefined);
  const rank = rankOf(graph, name, seen);
  seen.set(name, rank);
  return rank;
}

function rankOf(
  graph: Graph,
  name: string,
  seen: Map<string, number | undefined>,
): number | undefined {
  const constant = graph.constantValue(name);
  if (constant !== undefined) return constant.shape.length;
  const info = graph.valueInfo(name)?.type?.value;
  if (info?.case === 'tensorType' && info.value.shape !== undefined) {
    return info.value.shape.dim.length;
  }
  const node = graph.producer(name);
  if (node === undefined || node.output[0] !== name) return undefined;
  if (SAME_RANK.has(node.opType)) return tensorRank(graph, node.input[0] ?? '', seen);
  if (BROADCAST.has(node.opType)) {
    const ranks = node.input.map((i) => tensorRank(graph, i, seen));
    return ranks.some((r) => r === undefined) ? undefined : Math.max(...(ranks as number[]));
  }
  if (node.opType === 'Reshape') return graph.constantValue(node.input[1] ?? '')?.shape[0];
  return undefined;
}
