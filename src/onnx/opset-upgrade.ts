// Raises a model's default-domain opset to a target in 13..23, rewriting the nodes whose
// operator signature changed on the way (rules in opset-upgrade-rules.ts), subgraph bodies
// included, and raising ir_version to what the target opset requires. Other domains and
// model-local functions are left as they are. Not a downgrade, and not ONNX's full converter:
// an op without a rule or a stable signature fails with unsupported-op before anything changes.
import { clone, equals } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import {
  ModelProtoSchema,
  NodeProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
} from './gen/onnx_pb.js';
import { nodeLabel, subgraphsOf } from './graph-node.js';
import { allNames } from './graph-scope.js';
import { MAX_OPSET, defaultOpset, isDefaultDomain, setDefaultOpset } from './model.js';
import { UpgradeContext } from './opset-upgrade-context.js';
import { inferFacts } from './opset-upgrade-infer.js';
import { STABLE_OPS } from './opset-upgrade-ops.js';
import { UPGRADE_RULES } from './opset-upgrade-rules.js';

/** Lowest opset upgradeOpset targets: the first where every rewritten op takes inputs. */
export const MIN_TARGET_OPSET = 13;

/** One rewrite, for the report. */
export interface UpgradeChange {
  readonly node: string;
  readonly opType: string;
  /** "Clip-11: min and max attributes become inputs". */
  readonly rule: string;
}

/** What upgradeOpset did. */
export interface UpgradeReport {
  readonly from: number;
  readonly to: number;
  readonly changes: readonly UpgradeChange[];
  /** Assumptions rules had to make (e.g. an unknown element type taken as float32). */
  readonly notes: readonly string[];
}

// onnx/helper.py VERSION_TABLE: the first IR version that may carry opsets 13, 14, ..., 23.
const MIN_IR_VERSION = [7, 7, 8, 8, 8, 8, 9, 9, 10, 10, 11];

/**
 * Rewrites `model` in place to default-domain opset `target` (13..23) and reports each change.
 * Validation runs on a copy first, so a model with an unconvertible op is left untouched.
 * Build a Graph after upgrading: one built before has stale indexes.
 */
export function upgradeOpset(model: ModelProto, target = MIN_TARGET_OPSET): UpgradeReport {
  if (!Number.isInteger(target) || target < MIN_TARGET_OPSET || target > MAX_OPSET) {
    fail('bad-argument', `target opset ${target} is outside ${MIN_TARGET_OPSET}..${MAX_OPSET}`);
  }
  const from = defaultOpset(model);
  if (from > target) {
    fail(
      'bad-argument',
      `the model is at opset ${from}; upgradeOpset cannot lower it to ${target}`,
    );
  }
  if (from === target) return { from, to: target, changes: [], notes: [] };
  const graph = model.graph ?? fail('bad-model', 'the model has no graph');
  // Rewrite a copy first: a rule failing halfway must not leave the caller's model half-done.
  const trial = clone(ModelProtoSchema, model);
  upgradeGraph(trial.graph!, from, target);
  const report = upgradeGraph(graph, from, target);
  setDefaultOpset(model, target);
  const ir = MIN_IR_VERSION[target - MIN_TARGET_OPSET] ?? 11;
  if (model.irVersion < BigInt(ir)) model.irVersion = BigInt(ir);
  return { from, to: target, ...report };
}

function upgradeGraph(
  graph: GraphProto,
  from: number,
  to: number,
): Pick<UpgradeReport, 'changes' | 'notes'> {
  const changes: UpgradeChange[] = [];
  const notes: string[] = [];
  const facts = inferFacts(graph);
  const root = new UpgradeContext(from, to, facts, graph, allNames(graph), readNames(graph), notes);
  upgradeScope(graph, root, changes);
  return { changes, notes };
}

function upgradeScope(graph: GraphProto, ctx: UpgradeContext, changes: UpgradeChange[]): void {
  const nodes: NodeProto[] = [];
  for (const node of graph.node) {
    for (const body of subgraphsOf(node)) {
      upgradeScope(body, ctx.within(body, inferFacts(body, ctx.facts)), changes);
    }
    if (!isDefaultDomain(node.domain)) {
      nodes.push(node);
      continue;
    }
    const rules = UPGRADE_RULES.get(node.opType);
    if (rules === undefined && !STABLE_OPS.has(node.opType)) {
      fail(
        'unsupported-op',
        `${node.opType} node '${nodeLabel(node)}' has no opset ${ctx.from} -> ${ctx.to} conversion`,
        { node: nodeLabel(node) },
      );
    }
    let replacement: NodeProto[] = [node];
    const opType = node.opType;
    for (const rule of rules ?? []) {
      const applies = rule.since <= ctx.to && (rule.removed === true || rule.since > ctx.from);
      if (!applies) continue;
      const before = clone(NodeProtoSchema, node);
      replacement = rule.apply(node, ctx) ?? replacement;
      if (replacement.length > 1 || !equals(NodeProtoSchema, before, node)) {
        changes.push({
          node: nodeLabel(node),
          opType,
          rule: `${opType}-${rule.since}: ${rule.change}`,
        });
      }
    }
    nodes.push(...replacement);
  }
  // Refill the array rather than replace it, so references to graph.node stay valid.
  graph.node.length = 0;
  for (const node of nodes) graph.node.push(node);
}

/** Every name some node input or graph output reads, in any scope. */
function readNames(graph: GraphProto, read: Set<string> = new Set()): Set<string> {
  for (const node of graph.node) {
    for (const name of node.input) if (name !== '') read.add(name);
    for (const body of subgraphsOf(node)) readNames(body, read);
  }
  for (const out of graph.output) read.add(out.name);
  return read;
}
