// The invariants every graph must satisfy between passes, checked from the protos themselves:
// each read is defined (by a node, an initializer, a graph input, an enclosing scope, or is the
// empty optional name), no value is defined twice, nodes are in topological order without
// cycles, graph outputs are produced, and a Graph's indexes agree with its nodes.
// Not type or shape checking, and not ONNX's operator schemas.
import { fail } from '../core/index.js';
import type { GraphProto, NodeProto } from './gen/onnx_pb.js';
import { Graph } from './graph.js';
import { nodeLabel, subgraphsOf } from './graph-node.js';
import { graphSources } from './graph-scope.js';
import { findCycle } from './graph-sort.js';

/** Throws `bad-model` naming the first violated invariant (and its node); returns if none. */
export function verifyGraph(graph: Graph | GraphProto): void {
  const proto = graph instanceof Graph ? graph.proto : graph;
  verifyScope(proto, new Set(), 'graph');
  if (graph instanceof Graph) verifyIndex(graph);
}

function verifyScope(proto: GraphProto, outer: ReadonlySet<string>, scope: string): void {
  const sources = new Set(graphSources(proto));
  const initializers = new Set<string>();
  for (const t of proto.initializer) {
    if (initializers.has(t.name))
      fail('bad-model', `${scope}: initializer '${t.name}' is defined twice`, { tensor: t.name });
    initializers.add(t.name);
  }
  const producedBy = new Map<string, NodeProto>();
  for (const node of proto.node) {
    for (const name of node.output) {
      if (name === '') continue;
      const other = producedBy.get(name);
      if (other !== undefined || sources.has(name)) {
        const first =
          other === undefined ? 'an initializer or graph input' : `node '${nodeLabel(other)}'`;
        fail(
          'bad-model',
          `${scope}: value '${name}' is produced twice, by ${first} and by node '${nodeLabel(node)}'`,
          {
            node: nodeLabel(node),
          },
        );
      }
      producedBy.set(name, node);
    }
  }
  const available = new Set([...outer, ...sources]);
  for (const node of proto.node) {
    for (const name of node.input) {
      if (name === '' || available.has(name)) continue;
      const producer = producedBy.get(name);
      if (producer === undefined) {
        fail(
          'bad-model',
          `${scope}: node '${nodeLabel(node)}' reads '${name}', which no node, initializer or graph input produces`,
          { node: nodeLabel(node) },
        );
      }
      const cycle = findCycle(proto.node);
      if (cycle !== undefined) {
        fail('bad-model', `${scope} has a cycle: ${cycle.map(nodeLabel).join(' -> ')}`, {
          node: nodeLabel(cycle[0]!),
        });
      }
      fail(
        'bad-model',
        `${scope}: node '${nodeLabel(node)}' reads '${name}' before its producer '${nodeLabel(producer)}' (not in topological order)`,
        { node: nodeLabel(node) },
      );
    }
    for (const body of subgraphsOf(node)) {
      verifyScope(body, available, `subgraph '${body.name}' of node '${nodeLabel(node)}'`);
    }
    for (const name of node.output) if (name !== '') available.add(name);
  }
  for (const out of proto.output) {
    if (!available.has(out.name)) {
      fail('bad-model', `${scope}: output '${out.name}' is not produced`, { tensor: out.name });
    }
  }
}

/** Graph's producer and use indexes must describe exactly the nodes in model.graph.node. */
function verifyIndex(graph: Graph): void {
  const reads = new Map<string, number>();
  const present = new Set(graph.nodes);
  for (const node of graph.nodes) {
    for (const name of node.output) {
      if (name !== '' && graph.producer(name) !== node) {
        fail(
          'bad-model',
          `graph index is stale: it does not record '${nodeLabel(node)}' as the producer of '${name}'`,
          {
            node: nodeLabel(node),
          },
        );
      }
    }
    for (const name of [...node.input.filter((n) => n !== ''), ...graph.implicitInputs(node)]) {
      reads.set(name, (reads.get(name) ?? 0) + 1);
    }
  }
  for (const [name, count] of reads) {
    const indexed = graph.uses(name).filter((u) => present.has(u.node)).length;
    if (indexed !== count || graph.uses(name).length !== count) {
      fail(
        'bad-model',
        `graph index is stale: '${name}' has ${count} uses, the index records ${graph.uses(name).length}`,
        {
          tensor: name,
        },
      );
    }
  }
}
