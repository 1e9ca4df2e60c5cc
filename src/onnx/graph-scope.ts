// Scopes of ONNX subgraphs (If/Loop/Scan bodies): which outer-scope values a node's subgraphs
// read (its implicit inputs), every name a graph defines at any depth, and renaming an outer
// value inside subgraphs. Not a subgraph rewriter: bodies are otherwise left as they are.
import type { GraphProto, NodeProto } from './gen/onnx_pb.js';
import { subgraphsOf } from './graph-node.js';

/** Names a graph defines itself: its inputs, initializers and sparse initializers. */
export function graphSources(graph: GraphProto): string[] {
  return [
    ...graph.input.map((v) => v.name),
    ...graph.initializer.map((t) => t.name),
    ...graph.sparseInitializer.map((s) => s.values?.name ?? ''),
  ].filter((name) => name !== '');
}

/** Outer-scope names `graph` reads, in first-use order; `free` collects them. */
function freeNames(graph: GraphProto, free: Set<string>): Set<string> {
  const local = new Set(graphSources(graph));
  const use = (name: string): void => {
    if (name !== '' && !local.has(name)) free.add(name);
  };
  for (const node of graph.node) {
    node.input.forEach(use);
    for (const body of subgraphsOf(node)) freeNames(body, new Set()).forEach(use);
    for (const name of node.output) if (name !== '') local.add(name);
  }
  for (const out of graph.output) use(out.name);
  return free;
}

/**
 * Outer-scope values a node's subgraphs read, as ONNX calls them implicit inputs: names used
 * inside a body (at any depth) that the body does not define. Empty for nodes without bodies.
 */
export function implicitInputs(node: NodeProto): string[] {
  const free = new Set<string>();
  for (const body of subgraphsOf(node)) freeNames(body, free);
  return [...free];
}

/** Every value and node name used anywhere in `graph`, subgraphs included. */
export function allNames(graph: GraphProto, names: Set<string> = new Set()): Set<string> {
  for (const name of graphSources(graph)) names.add(name);
  for (const v of [...graph.output, ...graph.valueInfo]) names.add(v.name);
  for (const node of graph.node) {
    if (node.name !== '') names.add(node.name);
    for (const name of [...node.input, ...node.output]) if (name !== '') names.add(name);
    for (const body of subgraphsOf(node)) allNames(body, names);
  }
  return names;
}

/**
 * Renames the outer-scope value `from` to `to` wherever the node's subgraphs read it: node
 * inputs and graph outputs that refer to the outer value, not names a body defines itself.
 */
export function renameImplicit(node: NodeProto, from: string, to: string): void {
  for (const body of subgraphsOf(node)) renameFree(body, from, to);
}

function renameFree(graph: GraphProto, from: string, to: string): void {
  if (graphSources(graph).includes(from)) return;
  for (const node of graph.node) {
    if (node.output.includes(from)) return;
    node.input.forEach((name, i) => {
      if (name === from) node.input[i] = to;
    });
    renameImplicit(node, from, to);
  }
  for (const out of graph.output) if (out.name === from) out.name = to;
}
