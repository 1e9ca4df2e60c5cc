// Reverse-mode execution of a plain ONNX graph: forward in topological order keeping a tape of
// what each op saved, then backward from the gradients of chosen outputs, accumulating
// dL/dparam. Only nodes on a path from a trainable value get a tape entry and a backward call;
// nodes fed only by constants are evaluated once at compile time. Not the optimizer, the loss
// or fake-quant (H's files), and not shape inference: shapes come from the concrete feeds.
//
// For engineer H (the contract, as built):
// - compileTrainingGraph(graph, trainable, { outputs? }) -> TrainingProgram. `trainable` names
//   float initializers or Constant-node outputs (they become `params`, owned Float32Array
//   copies you may update in place between steps) and may also name graph inputs (their
//   gradients are returned too).
// - program.forward(feeds, { tape? }) -> { outputs } (float outputs only). Feeds are QTensor
//   for float inputs, IntTensor (tensor.ts) for int64/int32/bool inputs. tape: false skips the
//   tape (inference only; backward then fails).
// - program.backward(pass, { [output]: dL/doutput }) -> Map with an entry for EVERY trainable
//   name (zeros where no gradient reached it). A pass may be backpropagated once.
// - Op values: QTensor { shape, data: Float32Array } | IntTensor { shape, ints: Float64Array,
//   dtype }. DiffOp (diff-op.ts) takes inputs as Value and a third `context` ({ opset }).
// - Buffers: ops allocate with allocFloat (tensor.ts). When backward finishes (or a forward
//   without tape returns) every buffer the pass allocated goes back to a pool, except the
//   pass's outputs and the returned gradients: keep nothing else an op produced across steps.
// - FakeQuant: add ['FakeQuant', fakeQuantOp] to DIFF_OPS (op-registry.ts); nodes in domain
//   'zeropoint.qat' are looked up by op type like default-domain ones.
import { fail } from '../core/index.js';
import { defaultOpset, nodeLabel, type Graph } from '../onnx/index.js';
import type { OpContext } from './diff-op.js';
import { fuseHardSwish } from './fuse.js';
import { DIFF_OPS } from './op-registry.js';
import { valueFromProto } from './value-proto.js';
import {
  allocFloat,
  isInt,
  recycle,
  trackAllocations,
  type GraphNode,
  type QTensor,
  type Value,
} from './tensor.js';

/** A compiled graph that runs forward with a tape and backward to its parameters. */
export interface TrainingProgram {
  /** Trainable initializers by name; their data may be updated in place between steps. */
  readonly params: Map<string, QTensor>;
  /** The values forward returns, graph outputs unless compile chose others. */
  readonly outputNames: readonly string[];
  /** Runs the graph on `feeds`, keeping the tape unless options.tape is false. */
  forward(feeds: Readonly<Record<string, Value>>, options?: ForwardOptions): ForwardPass;
  /** dL/d(each trainable name) given dL/d(outputs); zeros where no gradient reached. */
  backward(
    pass: ForwardPass,
    gradOutputs: Readonly<Record<string, QTensor>>,
  ): Map<string, Float32Array>;
}

/** Options of TrainingProgram.forward. */
export interface ForwardOptions {
  /** Keep what backward needs (default true). */
  readonly tape?: boolean;
}

/** The result of one forward run; keeps the tape for backward. */
export interface ForwardPass {
  readonly outputs: Record<string, QTensor>;
}

/** Options of compileTrainingGraph. */
export interface CompileOptions {
  /** Values to return from forward (graph outputs by default); any intermediate name works. */
  readonly outputs?: readonly string[];
  /** Run decomposed HardSwish as one node (default true; fuse.ts). */
  readonly fuse?: boolean;
}

interface TapeEntry {
  readonly node: GraphNode;
  readonly saved: unknown;
  readonly needs: readonly boolean[];
  readonly outShapes: readonly (readonly number[] | undefined)[];
}

interface Pass extends ForwardPass {
  tape: TapeEntry[] | undefined;
  /** Float buffers allocated for this pass, recycled when backward is done with them. */
  allocated: Float32Array[];
  /** Sizes of the fed trainable inputs, for their zero gradients. */
  readonly inputSizes: ReadonlyMap<string, number>;
}

/** Compiles `graph` for training the float initializers (and graph inputs) named in `trainable`. */
export function compileTrainingGraph(
  graph: Graph,
  trainable: ReadonlySet<string>,
  options: CompileOptions = {},
): TrainingProgram {
  const context: OpContext = { opset: defaultOpset(graph.model) };
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  const params = new Map<string, QTensor>();
  const fixed = new Map<string, Value>();
  for (const proto of graph.proto.initializer) {
    const name = proto.name;
    const value = valueFromProto(proto);
    if (!trainable.has(name)) fixed.set(name, value);
    else if (isInt(value)) fail('bad-argument', `trainable '${name}' is not a float tensor`);
    else params.set(name, value);
  }
  const constants = new Set(
    graph.nodes.filter((n) => n.opType === 'Constant').flatMap((n) => n.output),
  );
  for (const name of trainable) {
    if (!params.has(name) && !inputNames.has(name) && !constants.has(name)) {
      fail('bad-argument', `trainable '${name}' is neither an initializer nor a graph input`, {
        tensor: name,
      });
    }
  }
  // Constant folding: nodes reading only fixed values run once, here.
  const unfused: GraphNode[] = [];
  for (const node of graph.nodes) {
    const op = opOf(node);
    const constant = node.input.every((name) => name === '' || fixed.has(name));
    if (!constant) {
      unfused.push(node);
      continue;
    }
    const inputs = node.input.map((name) => (name === '' ? undefined : fixed.get(name)));
    const { outputs } = op.forward(inputs, node, context);
    node.output.forEach((name, i) => {
      const value = outputs[i];
      if (name === '' || value === undefined) return;
      // A trainable Constant node's tensor is a parameter like an initializer.
      if (!trainable.has(name)) fixed.set(name, value);
      else if (isInt(value) || node.opType !== 'Constant') {
        fail('bad-argument', `trainable '${name}' is not a float initializer or Constant`);
      } else params.set(name, value);
    });
  }
  const outputNames = options.outputs ?? graph.outputs.map((v) => v.name);
  const live =
    options.fuse === false
      ? unfused
      : fuseHardSwish(unfused, (name) => fixed.get(name), [...outputNames, ...trainable], context);
  // Which values carry a gradient: trainable names and float outputs of nodes reading one.
  const grad = new Set<string>(trainable);
  for (const node of live) {
    if (node.input.some((name) => grad.has(name))) {
      for (const name of node.output) if (name !== '') grad.add(name);
    }
  }
  // Last reader of each value, so forward can drop what nothing reads any more.
  const lastUse = new Map<string, number>();
  live.forEach((node, at) => {
    for (const name of node.input) lastUse.set(name, at);
  });
  for (const name of outputNames) lastUse.set(name, Infinity);

  function forward(feeds: Readonly<Record<string, Value>>, opts: ForwardOptions = {}): Pass {
    const values = new Map<string, Value>(fixed);
    for (const [name, value] of params) values.set(name, value);
    const inputSizes = new Map<string, number>();
    for (const name of inputNames) {
      const value =
        feeds[name] ?? fail('bad-argument', `no feed for input '${name}'`, { input: name });
      values.set(name, value);
      if (trainable.has(name)) inputSizes.set(name, isInt(value) ? 0 : value.data.length);
    }
    const tape: TapeEntry[] | undefined = opts.tape === false ? undefined : [];
    const allocated: Float32Array[] = [];
    const outer = trackAllocations(allocated);
    try {
      live.forEach((node, at) => {
        const inputs = node.input.map((name) => {
          if (name === '') return undefined;
          return (
            values.get(name) ??
            fail('bad-model', `value '${name}' is undefined`, { node: nodeLabel(node) })
          );
        });
        const { outputs, saved } = opOf(node).forward(inputs, node, context);
        node.output.forEach((name, i) => {
          const value = outputs[i];
          if (name !== '' && value !== undefined) values.set(name, value);
        });
        const needs = node.input.map((name) => name !== '' && grad.has(name));
        if (tape !== undefined && needs.some(Boolean)) {
          const outShapes = outputs.map((v) => v?.shape);
          tape.push({ node, saved, needs, outShapes });
        }
        for (const name of node.input) {
          if (lastUse.get(name) === at && !fixed.has(name) && !params.has(name))
            values.delete(name);
        }
      });
    } finally {
      trackAllocations(outer);
    }
    const outputs: Record<string, QTensor> = {};
    for (const name of outputNames) {
      const value = values.get(name);
      if (value !== undefined && !isInt(value)) outputs[name] = value;
    }
    // Without a tape nothing but the outputs outlives this call.
    if (tape === undefined) recycle(allocated, new Set(Object.values(outputs).map((v) => v.data)));
    return { outputs, tape, inputSizes, allocated: tape === undefined ? [] : allocated };
  }

  function backward(
    pass: ForwardPass,
    gradOutputs: Readonly<Record<string, QTensor>>,
  ): Map<string, Float32Array> {
    const run = pass as Pass;
    const tape = run.tape ?? fail('bad-argument', 'this forward pass kept no tape (or was used)');
    run.tape = undefined;
    const grads = new Map<string, Float32Array>();
    const outer = trackAllocations(run.allocated);
    try {
      for (const [name, g] of Object.entries(gradOutputs)) accumulate(grads, name, g.data);
      for (let t = tape.length - 1; t >= 0; t--) {
        const { node, saved, needs, outShapes } = tape[t] as TapeEntry;
        tape.length = t; // let saved buffers go as soon as they are used
        const gradOut = node.output.map((name, i): QTensor | undefined => {
          const data = grads.get(name);
          const shape = outShapes[i];
          return data === undefined || shape === undefined ? undefined : { shape, data };
        });
        if (gradOut.every((g) => g === undefined)) continue;
        const gradIn = opOf(node).backward(gradOut, saved, node, needs, context);
        node.input.forEach((name, i) => {
          const g = gradIn[i];
          if (needs[i] === true && g !== undefined) accumulate(grads, name, g.data);
        });
        for (const name of node.output) if (!trainable.has(name)) grads.delete(name);
      }
    } finally {
      trackAllocations(outer);
    }
    // Each returned gradient is an array of its own: an Add hands one buffer to both operands
    // and a Reshape passes the caller's dL/doutput through, yet callers sum into these in place.
    const result = new Map<string, Float32Array>();
    const taken = new Set(Object.values(gradOutputs).map((g) => g.data));
    for (const name of trainable) {
      const size = params.get(name)?.data.length ?? run.inputSizes.get(name) ?? 0;
      let g = grads.get(name) ?? allocFloat(size);
      if (taken.has(g)) {
        const copy = allocFloat(g.length);
        copy.set(g);
        g = copy;
      }
      taken.add(g);
      result.set(name, g);
    }
    // The tape is spent: every buffer of the pass but the outputs and the gradients returned
    // goes back to allocFloat's pool.
    const keep = new Set([...result.values(), ...Object.values(run.outputs).map((v) => v.data)]);
    recycle(run.allocated, keep);
    run.allocated = [];
    return result;
  }

  return { params, outputNames, forward, backward };
}

/** The op for `node`, or unsupported-op naming it. */
function opOf(node: GraphNode) {
  const op = DIFF_OPS.get(node.opType);
  const domainKnown =
    node.domain === '' || node.domain === 'ai.onnx' || node.domain === 'zeropoint.qat';
  if (op === undefined || !domainKnown) {
    const domain = node.domain === '' ? '' : `${node.domain}.`;
    fail(
      'unsupported-op',
      `the QAT executor has no gradient for ${domain}${node.opType} (node '${nodeLabel(node)}')`,
      {
        node: nodeLabel(node),
      },
    );
  }
  return op;
}

/** Sums `g` into grads[name] without writing into any array an op may still hold. */
function accumulate(grads: Map<string, Float32Array>, name: string, g: Float32Array): void {
  const before = grads.get(name);
  if (before === undefined) {
    grads.set(name, g);
    return;
  }
  const sum = allocFloat(g.length);
  for (let i = 0; i < g.length; i++) sum[i] = (before[i] as number) + (g[i] as number);
  grads.set(name, sum);
}
