// The two halves every dynamic rewrite shares: a DynamicQuantizeLinear per float activation
// (uint8, scale and zero point from the tensor's own min/max at run time, one per activation
// however many nodes read it), and the way back to float from an int32 accumulator: Cast, then
// Mul by activation scale x weight scale (the pattern onnxruntime fuses into
// MatMulIntegerToFloat). Not a pass: dynamic-matmul.ts, dynamic-conv.ts use these.
import { TensorProto_DataType as T } from '../onnx/gen/onnx_pb.js';
import { attr, makeNode } from '../onnx/graph-node.js';
import type { Graph } from '../onnx/graph.js';
import { tensorToProto } from '../onnx/tensor.js';

/** The three outputs of DynamicQuantizeLinear: y uint8, y_scale f32 scalar, y_zero_point uint8. */
export interface DynamicInput {
  readonly quantized: string;
  readonly scale: string;
  readonly zeroPoint: string;
}

/** DynamicQuantizeLinear outputs by activation name, so each activation is quantized once. */
export type DynamicCache = Map<string, DynamicInput>;

// Operators.md, DynamicQuantizeLinear-11: uint8, scale = (max(0, x) - min(0, x)) / 255,
// zero point = saturate(round(-min / scale)).
/** The uint8 form of `activation`, added after its producer the first time it is asked for. */
export function dynamicInput(graph: Graph, cache: DynamicCache, activation: string): DynamicInput {
  const cached = cache.get(activation);
  if (cached !== undefined) return cached;
  const name = (suffix: string) => graph.uniqueName(`${activation}_${suffix}`);
  const made: DynamicInput = {
    quantized: name('quantized'),
    scale: name('scale'),
    zeroPoint: name('zero_point'),
  };
  graph.addNode(
    makeNode({
      opType: 'DynamicQuantizeLinear',
      name: name('DynamicQuantizeLinear'),
      inputs: [activation],
      outputs: [made.quantized, made.scale, made.zeroPoint],
    }),
  );
  cache.set(activation, made);
  return made;
}

/** Adds an f32 initializer named after `base` and returns its name. */
export function addFloats(
  graph: Graph,
  base: string,
  shape: readonly number[],
  data: Float32Array,
): string {
  const name = graph.uniqueName(base);
  graph.addInitializer(tensorToProto({ name, dtype: 'float32', shape, data }));
  return name;
}

/**
 * output = Cast(accumulator, float) x (activation scale x weight scale): the int32 product of
 * the integer op back in float. `weightScale` names an f32 initializer shaped to broadcast.
 */
export function rescale(
  graph: Graph,
  accumulator: string,
  activationScale: string,
  weightScale: string,
  output: string,
): void {
  const cast = graph.uniqueName(`${accumulator}_float`);
  const scale = graph.uniqueName(`${output}_scale`);
  graph.addNode(
    makeNode({
      opType: 'Cast',
      name: graph.uniqueName(`${accumulator}_Cast`),
      inputs: [accumulator],
      outputs: [cast],
      attributes: [attr.int('to', T.FLOAT)],
    }),
  );
  graph.addNode(
    makeNode({
      opType: 'Mul',
      name: graph.uniqueName(`${output}_scale_Mul`),
      inputs: [activationScale, weightScale],
      outputs: [scale],
    }),
  );
  graph.addNode(
    makeNode({
      opType: 'Mul',
      name: graph.uniqueName(`${output}_Mul`),
      inputs: [cast, scale],
      outputs: [output],
    }),
  );
}
