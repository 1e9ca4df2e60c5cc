// Best-effort facts about values that opset upgrade rules need and the model may not record:
// rank, element type, and the length of 1-D shape-like values (so Reshape's output rank is
// known). One forward pass in node order over the ops listed here; anything else stays
// unknown, and rules fall back to a form that needs no facts. Not general shape inference.
import { int64ToNumbers, tensorFromProto } from './tensor.js';
import { TensorProto_DataType as T, type GraphProto, type NodeProto } from './gen/onnx_pb.js';
import { attrInt, attrInts } from './graph-node.js';
import { constantNodeTensor } from './graph-constant.js';

/** What is known about one value. */
export interface Fact {
  rank?: number | undefined;
  elemType?: number | undefined;
  /** For 1-D integer values: the number of elements. */
  length?: number | undefined;
  /** For small constant numeric tensors (rank 0 or 1): the values. */
  values?: number[] | undefined;
}

/** Facts by value name; lookups fall back to the enclosing scope. */
export class Facts {
  private readonly own = new Map<string, Fact>();
  constructor(private readonly outer?: Facts) {}

  get(name: string): Fact {
    return this.own.get(name) ?? this.outer?.get(name) ?? {};
  }

  set(name: string, fact: Fact): void {
    this.own.set(name, fact);
  }

  /** Adds inferred facts under what is already recorded (declared types win). */
  infer(name: string, fact: Fact): void {
    const known = this.own.get(name) ?? {};
    const merged: Fact = { ...fact };
    for (const key of ['rank', 'elemType', 'length', 'values'] as const) {
      if (known[key] !== undefined) Object.assign(merged, { [key]: known[key] });
    }
    this.own.set(name, merged);
  }
}

const SAME = new Set(
  (
    'Abs Acos Asin Atan Ceil Celu Clip Cos CumSum DepthToSpace DequantizeLinear Dropout Elu Erf Exp ' +
    'Floor Gelu GlobalAveragePool GlobalLpPool GlobalMaxPool HardSigmoid HardSwish Hardmax Identity ' +
    'InstanceNormalization IsInf IsNaN LRN LayerNormalization LeakyRelu Log LogSoftmax LpNormalization ' +
    'LpPool MaxPool AveragePool MeanVarianceNormalization Mish Neg Not PRelu Pad QuantizeLinear ' +
    'Reciprocal Relu Resize Round Selu Shrink Sigmoid Sign Sin Softmax Softplus Softsign SpaceToDepth ' +
    'Split Sqrt Tan Tanh ThresholdedRelu Tile TopK Transpose Trilu Upsample Conv ConvTranspose ' +
    'BatchNormalization Cast CastLike Slice ScatterElements ScatterND Scatter GatherElements'
  ).split(' '),
);
const BROADCAST = new Set(
  (
    'Add Sub Mul Div Pow Mod Max Min Sum Mean Equal Less Greater LessOrEqual GreaterOrEqual ' +
    'And Or Xor Where BitShift'
  ).split(' '),
);
const NUMERIC = new Set([T.FLOAT, T.DOUBLE, T.FLOAT16, T.INT64, T.INT32, T.INT16, T.INT8, T.UINT8]);

/** Ops with a shape rule below whose output has the type of their first input. */
const SHAPED = new Set(
  'Gemm Flatten Reshape MatMul Squeeze Unsqueeze Concat Gather Expand'.split(' '),
);
const BOOLEAN = new Set(
  'Equal Less Greater LessOrEqual GreaterOrEqual And Or Xor Not IsNaN IsInf'.split(' '),
);
const INT64 = new Set('Shape Size NonZero ArgMax ArgMin'.split(' '));
const REDUCE = new Set(
  (
    'ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ' +
    'ReduceLogSumExp ReduceSumSquare ArgMax ArgMin'
  ).split(' '),
);

/** Facts for every value of `graph` that the forward pass can establish. */
export function inferFacts(graph: GraphProto, outer?: Facts): Facts {
  const facts = new Facts(outer);
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) {
    const tensorType = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    if (tensorType === undefined) continue;
    const fact: Fact = { elemType: tensorType.elemType };
    if (tensorType.shape !== undefined) fact.rank = tensorType.shape.dim.length;
    facts.set(v.name, fact);
  }
  for (const t of graph.initializer) facts.set(t.name, tensorFact(t));
  for (const node of graph.node) {
    const constant =
      node.output[0] === undefined ? undefined : constantNodeTensor(node, node.output[0]);
    if (constant !== undefined) facts.set(constant.name, tensorFact(constant));
    else inferNode(node, facts);
  }
  return facts;
}

function tensorFact(tensor: Parameters<typeof tensorFromProto>[0]): Fact {
  const fact: Fact = { rank: tensor.dims.length, elemType: tensor.dataType };
  if (tensor.dims.length === 1) fact.length = Number(tensor.dims[0]);
  if (
    NUMERIC.has(tensor.dataType) &&
    tensor.dims.length <= 1 &&
    Number(tensor.dims[0] ?? 1) <= 64
  ) {
    try {
      const { data } = tensorFromProto(tensor);
      fact.values =
        data instanceof BigInt64Array || data instanceof BigUint64Array
          ? int64ToNumbers(data, tensor.name)
          : Array.from(data, Number);
    } catch {
      // External or malformed data: the values stay unknown.
    }
  }
  return fact;
}

/** Integer values given as an attribute before some opset and as an input after it. */
export function intsOf(
  node: NodeProto,
  attribute: string,
  input: number,
  facts: Facts,
): number[] | undefined {
  const name = node.input[input];
  return (
    attrInts(node, attribute) ??
    (name === undefined || name === '' ? undefined : facts.get(name).values)
  );
}

function inferNode(node: NodeProto, facts: Facts): void {
  const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : '';
  const inputs = node.input.map((name) => (name === '' ? {} : facts.get(name)));
  const x = inputs[0] ?? {};
  const out: Fact = {};
  if (SAME.has(op)) out.rank = x.rank;
  if (BROADCAST.has(op) && inputs.every((f) => f.rank !== undefined)) {
    out.rank = Math.max(...inputs.map((f) => f.rank!));
    if (out.rank === 1 && inputs.every((f) => f.length !== undefined)) {
      out.length = Math.max(...inputs.map((f) => f.length!));
    }
  }
  if (SAME.has(op) || BROADCAST.has(op) || REDUCE.has(op) || SHAPED.has(op)) {
    out.elemType = op === 'Where' ? inputs[1]?.elemType : x.elemType;
  }
  if (BOOLEAN.has(op)) out.elemType = T.BOOL;
  if (INT64.has(op)) out.elemType = T.INT64;
  if (op === 'Cast') out.elemType = attrInt(node, 'to', undefined);
  if (op === 'QuantizeLinear') out.elemType = inputs[2]?.elemType ?? T.UINT8;
  if (op === 'DequantizeLinear') out.elemType = inputs[1]?.elemType;
  if (op === 'Cast' || op === 'Identity') out.length = x.length;
  if (op === 'Identity') out.values = x.values;
  Object.assign(out, shapeRule(op, node, inputs, facts));
  for (const name of node.output) if (name !== '') facts.infer(name, out);
  // Operators.md, TopK: the second output holds int64 indices.
  if (op === 'TopK' && node.output[1] !== undefined) {
    facts.infer(node.output[1], { rank: out.rank, elemType: T.INT64 });
  }
}

function shapeRule(op: string, node: NodeProto, inputs: Fact[], facts: Facts): Fact {
  const [x = {}, y = {}] = inputs;
  const defined = (rank: number | undefined): Fact => (rank === undefined ? {} : { rank });
  switch (op) {
    case 'Gemm':
    case 'Flatten':
    case 'NonZero':
      return { rank: 2 };
    case 'Size':
      return { rank: 0 };
    case 'Range':
      return { rank: 1 };
    case 'Shape': {
      if (x.rank === undefined) return { rank: 1 };
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x.rank! : v, 0), x.rank!);
      const start = clamp(attrInt(node, 'start', 0));
      const end = clamp(attrInt(node, 'end', x.rank));
      return { rank: 1, length: Math.max(end - start, 0) };
    }
    case 'Reshape':
      return defined(y.length);
    case 'ConstantOfShape':
      return defined(x.length);
    case 'Expand':
      return y.length === undefined || x.rank === undefined
        ? {}
        : { rank: Math.max(y.length, x.rank) };
    case 'MatMul':
      if (x.rank === undefined || y.rank === undefined) return {};
      if (x.rank === 1) return { rank: y.rank - 1 };
      if (y.rank === 1) return { rank: x.rank - 1 };
      return { rank: Math.max(x.rank, y.rank) };
    case 'Squeeze':
    case 'Unsqueeze': {
      const axes = intsOf(node, 'axes', 1, facts);
      if (x.rank === undefined || axes === undefined) return {};
      const rank = op === 'Squeeze' ? x.rank - axes.length : x.rank + axes.length;
      return rank === 1 && x.rank === 0 ? { rank, length: 1 } : { rank };
    }
    case 'Concat': {
      const known = inputs.find((f) => f.rank !== undefined);
      if (known?.rank !== 1) return defined(known?.rank);
      const lengths = inputs.map((f) => f.length);
      return lengths.every((l) => l !== undefined)
        ? { rank: 1, length: lengths.reduce((a, b) => a + b, 0) }
        : { rank: 1 };
    }
    case 'Gather':
      return x.rank === undefined || y.rank === undefined ? {} : { rank: x.rank + y.rank - 1 };
    case 'Slice':
      return sliceLength(node, x, facts);
    default:
      return REDUCE.has(op) ? reduceRank(node, x, facts) : {};
  }
}

function reduceRank(node: NodeProto, x: Fact, facts: Facts): Fact {
  if (x.rank === undefined) return {};
  if (attrInt(node, 'keepdims', 1) === 1) return { rank: x.rank };
  if (node.opType === 'ArgMax' || node.opType === 'ArgMin') return { rank: x.rank - 1 };
  const axes = intsOf(node, 'axes', 1, facts);
  if (axes !== undefined) return { rank: x.rank - axes.length };
  if ((node.input[1] ?? '') !== '') return {};
  // ReduceSum-13 / Reduce*-18: no axes reduces everything unless noop_with_empty_axes is set.
  return { rank: attrInt(node, 'noop_with_empty_axes', 0) === 1 ? x.rank : 0 };
}

// Slice-1 takes starts/ends/axes as attributes, Slice-10 as inputs 1..3 (steps input 4).
function sliceLength(node: NodeProto, x: Fact, facts: Facts): Fact {
  if (x.rank !== 1 || x.length === undefined) return x.rank === undefined ? {} : { rank: x.rank };
  const starts = intsOf(node, 'starts', 1, facts);
  const ends = intsOf(node, 'ends', 2, facts);
  const steps =
    node.input[4] === undefined || node.input[4] === '' ? [1] : facts.get(node.input[4]).values;
  if (starts?.length !== 1 || ends?.length !== 1 || steps?.[0] !== 1) return { rank: 1 };
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x.length! : v, 0), x.length!);
  return { rank: 1, length: Math.max(clamp(ends[0]!) - clamp(starts[0]!), 0) };
}
