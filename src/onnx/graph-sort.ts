// Topological order of a node list: a stable depth-first sort that keeps nodes where they are
// unless a producer must move before its consumer, and finds cycles. Not verification: see
// verify-graph.ts for the full invariants.
import { fail } from '../core/index.js';
import type { NodeProto } from './gen/onnx_pb.js';
import { nodeLabel } from './graph-node.js';
import { implicitInputs } from './graph-scope.js';

/** Values a node reads: its inputs and the outer-scope values its subgraphs read. */
export function nodeReads(node: NodeProto): string[] {
  return [...node.input.filter((name) => name !== ''), ...implicitInputs(node)];
}

/**
 * A cycle among `nodes` as the node chain that closes it, or undefined when there is none.
 * Values produced outside `nodes` (inputs, initializers) count as available.
 */
export function findCycle(nodes: readonly NodeProto[]): NodeProto[] | undefined {
  try {
    sortNodes(nodes);
    return undefined;
  } catch (error) {
    if (error instanceof CycleError) return error.cycle;
    throw error;
  }
}

class CycleError extends Error {
  constructor(readonly cycle: NodeProto[]) {
    super(`cycle: ${cycle.map(nodeLabel).join(' -> ')}`);
  }
}

/**
 * `nodes` in an order where every producer precedes its consumers, keeping the given order
 * where it already holds. Fails with `bad-model` naming a node on a cycle.
 */
export function topologicalOrder(nodes: readonly NodeProto[]): NodeProto[] {
  try {
    return sortNodes(nodes);
  } catch (error) {
    if (!(error instanceof CycleError)) throw error;
    const first = error.cycle[0]!;
    return fail('bad-model', `the graph has a ${error.message}`, { node: nodeLabel(first) });
  }
}

function sortNodes(nodes: readonly NodeProto[]): NodeProto[] {
  const producer = new Map<string, NodeProto>();
  for (const node of nodes)
    for (const name of node.output) if (name !== '') producer.set(name, node);
  const reads = new Map(nodes.map((node) => [node, nodeReads(node)]));
  const state = new Map<NodeProto, 'open' | 'done'>();
  const order: NodeProto[] = [];
  for (const root of nodes) {
    if (state.has(root)) continue;
    // Explicit stack of [node, next input index]: deep graphs must not overflow the call stack.
    const stack: [NodeProto, number][] = [[root, 0]];
    state.set(root, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      const inputs = reads.get(node)!;
      if (next < inputs.length) {
        top[1] = next + 1;
        const dep = producer.get(inputs[next]!);
        if (dep === undefined || state.get(dep) === 'done') continue;
        if (state.get(dep) === 'open') {
          const from = stack.findIndex(([n]) => n === dep);
          throw new CycleError([...stack.slice(from).map(([n]) => n), dep]);
        }
        state.set(dep, 'open');
        stack.push([dep, 0]);
      } else {
        stack.pop();
        state.set(node, 'done');
        order.push(node);
      }
    }
  }
  return order;
}
