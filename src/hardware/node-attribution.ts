// Maps onnxruntime's per-node times back to the nodes of the model that was loaded: ORT runs an
// optimised graph (QDQ groups fused into QLinearConv..., Conv+BatchNorm fused, NCHWc and NHWC
// layouts with Reorder/Transpose nodes), whose node names derive from the loaded ones
// (`p2o.Conv.0_token_68`, `batch_norm_0.tmp_3_nchwc`). Each optimised node is resolved to a
// loaded node by name or by the tensor it writes; what resolves to none, or to a Q/DQ node, is a
// boundary and is charged to the node that causes it: a DequantizeLinear or ReorderOutput (or a
// Transpose after a resolved node) to the node upstream, whose integer or blocked output it
// converts; anything else (QuantizeLinear, ReorderInput, a Transpose in) to the node downstream.
// Not the timing (node-timing.ts) nor the comparison of two models (node-compare.ts).

/** The parts of an ONNX node attribution reads. */
export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
}

/** Time charged to one loaded node: its own kernels' and the boundaries it causes. */
export interface NodeTime {
  /** The loaded node's name. */
  readonly node: string;
  readonly op: string;
  /** Milliseconds of its own kernels (after ORT's fusions: its fused kernel). */
  readonly kernelMs: number;
  /** Milliseconds of the Q/DQ and layout nodes charged to it. */
  readonly boundaryMs: number;
  /** The optimised nodes whose time it carries, boundaries included. */
  readonly kernels: readonly string[];
}

const QDQ = new Set(['QuantizeLinear', 'DequantizeLinear']);
/** Ops ORT fuses into the Conv/MatMul before them, and those heads. */
const FUSED_INTO_HEAD = new Set([
  'BatchNormalization',
  'Relu',
  'LeakyRelu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'Tanh',
  'Add',
]);
const HEADS = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm']);
const UPSTREAM = new Set(['DequantizeLinear', 'ReorderOutput']);
/** Layout conversions ORT adds: boundaries even where they write a loaded tensor. */
const LAYOUT = new Set(['ReorderInput', 'ReorderOutput']);
/** Suffixes ORT's transformers append to the names they derive. */
const SUFFIX = /(_token_\d+|_nchwc)$/;

/** A name for every node: its own, else `OpType:first-output` (ORT would number it instead). */
export function nodeLabel(node: GraphNode): string {
  return node.name !== '' ? node.name : `${node.opType}:${node.output[0] ?? ''}`;
}

function indexProducers(nodes: readonly GraphNode[]): Map<string, GraphNode> {
  const out = new Map<string, GraphNode>();
  for (const n of nodes) for (const o of n.output) if (o !== '') out.set(o, n);
  return out;
}

function indexConsumers(nodes: readonly GraphNode[]): Map<string, GraphNode[]> {
  const out = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    for (const i of n.input) {
      if (i === '') continue;
      const list = out.get(i) ?? [];
      list.push(n);
      out.set(i, list);
    }
  }
  return out;
}

/**
 * The loaded node an optimised node computes, by its name or a tensor it writes with ORT's
 * suffixes stripped; undefined for what ORT added and for Q/DQ nodes (boundaries).
 */
function resolver(loaded: readonly GraphNode[]): (node: GraphNode) => GraphNode | undefined {
  const byName = new Map(loaded.map((n) => [nodeLabel(n), n]));
  const producers = indexProducers(loaded);
  // A kernel named after the tensor it writes (NCHWc: `LeakyRelu:0_nchwc`) computes a fused
  // chain ending in that tensor's producer: count it for the chain's head (Conv, MatMul...).
  const head = (node: GraphNode): GraphNode => {
    let at = node;
    for (let step = 0; step < 3 && FUSED_INTO_HEAD.has(at.opType); step++) {
      const up = at.input.map((i) => producers.get(i)).find((p) => p !== undefined);
      if (up === undefined) break;
      at = up;
    }
    return HEADS.has(at.opType) ? at : node;
  };
  const lookup = (text: string): GraphNode | undefined => {
    for (let t = text; ;) {
      const named = byName.get(t);
      if (named !== undefined) return named;
      const written = producers.get(t);
      if (written !== undefined) return head(written);
      const stripped = t.replace(SUFFIX, '');
      if (stripped === t) return undefined;
      t = stripped;
    }
  };
  return (node) => {
    if (LAYOUT.has(node.opType)) return undefined;
    const hit = lookup(nodeLabel(node)) ?? node.output.map(lookup).find((n) => n !== undefined);
    return hit === undefined || QDQ.has(hit.opType) ? undefined : hit;
  };
}

/**
 * Charges the median milliseconds of each optimised node (`times`, by profiled name) to the
 * loaded nodes; time no walk can place (a boundary between graph input and output) is returned
 * under its own name.
 */
export function attributeTimes(
  loaded: readonly GraphNode[],
  optimized: readonly GraphNode[],
  times: ReadonlyMap<string, number>,
): NodeTime[] {
  const resolve = resolver(loaded);
  const producers = indexProducers(optimized);
  const consumers = indexConsumers(optimized);
  const resolved = new Map<GraphNode, GraphNode | undefined>();
  const of = (n: GraphNode) => {
    if (!resolved.has(n)) resolved.set(n, resolve(n));
    return resolved.get(n);
  };
  const walk = (start: GraphNode, up: boolean): GraphNode | undefined => {
    const seen = new Set<GraphNode>([start]);
    let frontier = [start];
    while (frontier.length > 0) {
      const next: GraphNode[] = [];
      for (const n of frontier) {
        const near = up
          ? n.input.map((i) => producers.get(i)).filter((p) => p !== undefined)
          : n.output.flatMap((o) => consumers.get(o) ?? []);
        for (const m of near) {
          if (seen.has(m)) continue;
          const hit = of(m);
          if (hit !== undefined) return hit;
          seen.add(m);
          next.push(m);
        }
      }
      frontier = next;
    }
    return undefined;
  };
  const byName = new Map(optimized.map((n) => [nodeLabel(n), n]));
  const out = new Map<
    string,
    { op: string; kernelMs: number; boundaryMs: number; kernels: string[] }
  >();
  const charge = (node: string, op: string, ms: number, kernel: string, boundary: boolean) => {
    const entry = out.get(node) ?? { op, kernelMs: 0, boundaryMs: 0, kernels: [] };
    if (boundary) entry.boundaryMs += ms;
    else entry.kernelMs += ms;
    entry.kernels.push(kernel);
    out.set(node, entry);
  };
  for (const [name, ms] of times) {
    const node = byName.get(name);
    const own = node === undefined ? undefined : of(node);
    if (own !== undefined) {
      charge(nodeLabel(own), own.opType, ms, name, false);
      continue;
    }
    const upFirst =
      node !== undefined &&
      (UPSTREAM.has(node.opType) ||
        (node.opType === 'Transpose' &&
          of(producers.get(node.input[0] ?? '') ?? node) !== undefined));
    const target = node === undefined ? undefined : (walk(node, upFirst) ?? walk(node, !upFirst));
    if (target === undefined) charge(name, node?.opType ?? '', ms, name, true);
    else charge(nodeLabel(target), target.opType, ms, name, true);
  }
  return [...out].map(([node, e]) => ({ node, ...e }));
}
