// Turns the PTQ QDQ model into the float graph QAT trains: every weight `int W -> DQ` becomes
// `float W (the fp32 weight the builder quantized) -> FakeQuant`, every activation `Q -> DQ`
// pair one FakeQuant (a DQ at a multiple of the scale: FakeQuant then Mul by the ratio), biases
// float through an int32 FakeQuant at s_in x s_w (storeBias's grid), other stored constants
// their dequantized floats. Same nodes otherwise, so the graph computes what the QDQ model
// computes. Not training (qat-recipe.ts), not writing back.
import { dequantize, fail, QTYPES, qtypeFromOnnx, type QType } from '../core/index.js';
import {
  attr,
  attrInt,
  buildGraph,
  makeNode,
  readModel,
  tensorToProto,
  type Graph,
} from '../onnx/index.js';
import type { NodeProto } from '../onnx/gen/onnx_pb.js';
import { opSpec } from '../onnx/op-specs.js';
import type { QuantPlan } from '../passes/index.js';
import {
  buildQuantized,
  prepareBuild,
  type LearnedValues,
  type StaticResult,
} from '../ptq/index.js';
import { FAKE_QUANT, STOP_GRADIENT } from './fake-quant-op.js';

/** A learned activation grid: one scale initializer and the groups whose Q/DQ pairs use it. */
export interface ActivationSite {
  readonly scale: string;
  /** The float32 copy of its zero point. */
  readonly zeroPoint: string;
  readonly learnZeroPoint: boolean;
  readonly groups: readonly string[];
}

/** The training graph and where each learnable value lives in it. */
export interface TrainingGraph {
  readonly graph: Graph;
  /** Float weight name -> its scale initializer's name. */
  readonly weights: ReadonlyMap<string, string>;
  /** Float bias names. */
  readonly biases: readonly string[];
  readonly activations: readonly ActivationSite[];
}

function storedType(graph: Graph, zeroPoint: string | undefined, node: NodeProto): QType {
  const proto = zeroPoint === undefined ? undefined : graph.initializer(zeroPoint);
  const qtype = proto === undefined ? 'uint8' : qtypeFromOnnx(proto.dataType);
  if (qtype === undefined) {
    fail(
      'unsupported-qtype',
      `zero point of '${node.name || node.output[0]}' is not an integer qtype`,
    );
  }
  return qtype;
}

function floatZeroPoint(
  graph: Graph,
  name: string | undefined,
  cache: Map<string, string>,
): string {
  const key = name ?? '';
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const value = name === undefined ? undefined : graph.constantValue(name);
  const data = Float32Array.from((value?.data ?? [0]) as ArrayLike<number>, Number);
  const out = graph.uniqueName(`${name ?? 'zero_point'}_float`);
  graph.addInitializer(
    tensorToProto({ name: out, dtype: 'float32', shape: value?.shape ?? [], data }),
  );
  cache.set(key, out);
  return out;
}

/** storeBias's int32 grid (passes/insert-constants.ts): symmetric, +-(2^31 - 1). */
const BIAS_GRID = { qmin: -(2 ** 31 - 1), qmax: 2 ** 31 - 1 };

function fakeQuantNode(
  inputs: string[],
  output: string,
  qtype: QType | { readonly qmin: number; readonly qmax: number },
  axis: number,
  learnZeroPoint: boolean,
): NodeProto {
  const { qmin, qmax } = typeof qtype === 'string' ? QTYPES[qtype] : qtype;
  return makeNode({
    opType: FAKE_QUANT.opType,
    domain: FAKE_QUANT.domain,
    inputs,
    outputs: [output],
    attributes: [
      attr.int('qmin', qmin),
      attr.int('qmax', qmax),
      attr.int('axis', axis),
      attr.int('learn_zero_point', learnZeroPoint ? 1 : 0),
    ],
  });
}

/**
 * The value a stored constant's DQ computes (per tensor, axis or block), as a float initializer
 * replacing the DQ.
 */
export function inlineDequantized(graph: Graph, dq: NodeProto): void {
  const [q, s, z] = dq.input;
  const value = graph.constantValue(q!);
  const scale = graph.constantValue(s!);
  if (value === undefined || scale === undefined) return;
  const zero = z === undefined || z === '' ? undefined : graph.constantValue(z);
  const qtype = qtypeFromOnnx(graph.initializer(q!)!.dataType) ?? 'uint8';
  const axis = attrInt(dq, 'axis', 1);
  const blockSize = attrInt(dq, 'block_size', 0);
  const granularity =
    blockSize > 0
      ? ({ kind: 'per-block', axis, blockSize } as const)
      : scale.shape.length === 1
        ? ({ kind: 'per-axis', axis } as const)
        : ({ kind: 'per-tensor' } as const);
  const zeroPoint = Int32Array.from(
    (zero?.data ?? new Int32Array(scale.data.length)) as ArrayLike<number>,
    Number,
  );
  const params = {
    qtype,
    granularity,
    scale: Float32Array.from(scale.data as ArrayLike<number>, Number),
    zeroPoint,
    grid: { qmin: 0, qmax: 0 },
  };
  const data = dequantize(Array.from(value.data as ArrayLike<number>, Number), value.shape, params);
  const output = dq.output[0]!;
  graph.removeNode(dq);
  graph.addInitializer(tensorToProto({ name: output, dtype: 'float32', shape: value.shape, data }));
}

/**
 * The scale a bias is stored at, as a Mul of its node's input scale and weight scale (names in
 * `graph`, so learned scales move it as the builder will): storeBias rounds biases to int32 at
 * fround(s_in x s_w), and on the recognizer's depthwise convs that step reaches 0.007, so a
 * float bias made the training graph differ from the QDQ model (issue 12). Undefined when the
 * node's input is not dequantized or its weight not fake-quantized. The grid takes no gradient
 * (StopGradient). Inside the int32 range LSQ's term through it is g * dy * (round(b/S) - b/S),
 * with g = 1/sqrt(C (2^31 - 1)): under 1e-5 of the other scale gradients (same to 3 digits on
 * the test chain). The "scales ran off in one step" it was added against was a NaN: the bias's
 * one-value zero point was read per channel (fixed in fake-quant.ts).
 */
function biasScale(
  graph: Graph,
  target: NodeProto,
  key: string,
  plan: QuantPlan,
  weights: ReadonlyMap<string, string>,
): string | undefined {
  const spec = opSpec(target)?.bias;
  const inputDq = graph.producer(target.input[spec?.activation ?? -1] ?? '');
  const weight = plan.constants.find((c) => c.node === key && c.role === 'weight');
  const weightScale = weight === undefined ? undefined : weights.get(weight.tensor);
  if (inputDq?.opType !== 'DequantizeLinear' || weightScale === undefined) return undefined;
  const output = graph.uniqueName(`${target.input[spec!.input]}_scale`);
  const product = graph.uniqueName(`${output}_product`);
  graph.addNode(
    makeNode({ opType: 'Mul', inputs: [inputDq.input[1]!, weightScale], outputs: [product] }),
  );
  graph.addNode(makeNode({ ...STOP_GRADIENT, inputs: [product], outputs: [output] }));
  return output;
}

/**
 * The training graph of `qdqBytes` (the builder's output for `plan`), reading float weights and
 * biases from `floatGraph` (prepareBuild's graph, which the builder quantized).
 */
export function buildTrainingGraph(
  qdqBytes: Uint8Array,
  floatGraph: Graph,
  plan: QuantPlan,
): TrainingGraph {
  const graph = buildGraph(readModel(qdqBytes));
  const weights = new Map<string, string>();
  const biases: string[] = [];
  const zeroPoints = new Map<string, string>();
  const floatValue = (name: string) => {
    const v = floatGraph.constantValue(name);
    if (v?.dtype !== 'float32')
      fail('bad-model', `'${name}' is not a float32 constant of the prepared model`, {
        tensor: name,
      });
    return v;
  };
  const addFloat = (name: string) => {
    if (graph.isDefined(name)) return;
    const v = floatValue(name);
    graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape: v.shape, data: v.data }));
  };
  for (const entry of plan.constants) {
    if (entry.role === 'constant') continue;
    const target = graph.producer(entry.node);
    const dq = graph.producer(target?.input[entry.input] ?? '');
    if (dq === undefined) continue; // shared, already rewritten
    if (dq.opType !== 'DequantizeLinear')
      fail('bad-model', `input ${entry.input} of '${entry.node}' is not dequantized`, {
        node: entry.node,
      });
    addFloat(entry.tensor);
    const output = dq.output[0]!;
    graph.removeNode(dq);
    if (entry.role === 'bias') {
      biases.push(entry.tensor);
      const scale = biasScale(graph, target!, entry.node, plan, weights);
      if (scale === undefined) graph.replaceUses(output, entry.tensor);
      else {
        const inputs = [entry.tensor, scale, floatZeroPoint(graph, dq.input[2], zeroPoints)];
        graph.addNode(fakeQuantNode(inputs, output, BIAS_GRID, 0, false));
      }
      continue;
    }
    const [, scale, zp] = dq.input;
    const qtype = storedType(graph, zp, dq);
    const inputs = [entry.tensor, scale!, floatZeroPoint(graph, zp, zeroPoints)];
    graph.addNode(fakeQuantNode(inputs, output, qtype, attrInt(dq, 'axis', 1), false));
    weights.set(entry.tensor, scale!);
  }
  const groupOf = new Map<string, (typeof plan.groups)[number]>();
  for (const g of plan.groups) for (const t of g.tensors) groupOf.set(t, g);
  const sites = new Map<
    string,
    { zeroPoint: string; learnZeroPoint: boolean; groups: Set<string> }
  >();
  for (const q of graph.nodes.filter((n) => n.opType === 'QuantizeLinear')) {
    const [x, scale, zp] = q.input;
    const group = groupOf.get(x!);
    const qtype = storedType(graph, zp, q);
    const learnZeroPoint = group?.scheme === 'asymmetric';
    const zeroPoint = floatZeroPoint(graph, zp, zeroPoints);
    const site = sites.get(scale!) ?? { zeroPoint, learnZeroPoint, groups: new Set<string>() };
    if (group !== undefined) site.groups.add(group.id);
    sites.set(scale!, site);
    const readers = graph.consumers(q.output[0]!);
    graph.removeNode(q);
    let shared: string | undefined;
    for (const dq of readers) {
      if (dq.opType !== 'DequantizeLinear')
        fail('bad-model', `'${q.output[0]}' is read by a ${dq.opType}`, { tensor: q.output[0]! });
      const output = dq.output[0]!;
      graph.removeNode(dq);
      if (dq.input[1] === scale) {
        graph.addNode(
          fakeQuantNode([x!, scale!, zeroPoint], output, qtype, 1, site.learnZeroPoint),
        );
        continue;
      }
      // A DequantizeLinear at a multiple of the scale (a folded Mul/Div): the same integers.
      if (shared === undefined) {
        shared = graph.uniqueName(`${x}_fake_quant`);
        graph.addNode(
          fakeQuantNode([x!, scale!, zeroPoint], shared, qtype, 1, site.learnZeroPoint),
        );
      }
      const ratio = graph.uniqueName(`${output}_ratio`);
      const base = (graph.constantValue(scale!)!.data as Float32Array)[0]!;
      const derived = (graph.constantValue(dq.input[1]!)!.data as Float32Array)[0]!;
      graph.addInitializer(
        tensorToProto({ name: ratio, dtype: 'float32', shape: [], data: [derived / base] }),
      );
      // ... and a shifted zero point (a folded Add/Sub of a scalar): a constant added.
      const steps = zeroPointOf(graph, zp) - zeroPointOf(graph, dq.input[2]);
      const product = steps === 0 ? output : graph.uniqueName(`${output}_scaled`);
      graph.addNode(makeNode({ opType: 'Mul', inputs: [shared, ratio], outputs: [product] }));
      if (steps !== 0) {
        const offset = graph.uniqueName(`${output}_offset`);
        graph.addInitializer(
          tensorToProto({ name: offset, dtype: 'float32', shape: [], data: [derived * steps] }),
        );
        graph.addNode(makeNode({ opType: 'Add', inputs: [product, offset], outputs: [output] }));
      }
    }
  }
  for (const dq of graph.nodes.filter((n) => n.opType === 'DequantizeLinear'))
    inlineDequantized(graph, dq);
  for (const name of [...graph.proto.initializer.map((t) => t.name)]) {
    if (graph.uses(name).length === 0 && !graph.isGraphOutput(name)) graph.removeInitializer(name);
  }
  graph.sort();
  const activations = [...sites].map(([scale, s]) => ({
    scale,
    zeroPoint: s.zeroPoint,
    learnZeroPoint: s.learnZeroPoint,
    groups: [...s.groups],
  }));
  return { graph, weights, biases, activations };
}

/** The stored value of a one-element zero point (0 when absent). */
function zeroPointOf(graph: Graph, name: string | undefined): number {
  const value = name === undefined || name === '' ? undefined : graph.constantValue(name);
  return value === undefined ? 0 : Number(value.data[0]);
}

/**
 * The training graph of a static PTQ result: its QDQ graph without the builder's exact integer
 * rewrites (a Pad or an upsample on integers has no fake-quant form; writing back applies them
 * again), over prepareBuild's float weights.
 */
export function trainingGraphOf(ptq: StaticResult): TrainingGraph {
  const { prepared, options } = ptq.build;
  return buildTrainingGraph(plainQdq(ptq), prepareBuild(prepared, options).graph, ptq.plan);
}

/**
 * A static PTQ result's model without the builder's exact integer rewrites: its QDQ nodes
 * follow the float graph's nodes one to one (the same outputs; the rewrites are exact).
 */
export function plainQdq(ptq: StaticResult, learned: LearnedValues = {}): Uint8Array {
  const { prepared, options, source } = ptq.build;
  if (options.integerRewrites === false && learned.values === undefined) return ptq.bytes;
  return buildQuantized(prepared, { ...options, integerRewrites: false }, source, learned).bytes;
}
