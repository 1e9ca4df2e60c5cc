// In-graph reductions for methods that read only each batch's extremes (minmax, ema: the
// `extremes` trait): the calibration copy of the model gains ReduceMin, ReduceMax, ReduceSum and
// Size of each such tensor as outputs, so four scalars come back instead of the tensor. The sum
// only vouches that every value is finite (NaN and infinities propagate through it, where
// onnxruntime's ReduceMin/ReduceMax skip a NaN); a batch whose sum is not finite is fetched
// again in full (calibrate.ts). Not the decision of which tensors to reduce (expose-tensors.ts).
import { create } from '@bufbuild/protobuf';
import { DTYPES } from '../onnx/dtypes.js';
import { ValueInfoProtoSchema, type ModelProto } from '../onnx/gen/onnx_pb.js';
import type { Graph } from '../onnx/graph.js';
import { attr, makeNode } from '../onnx/graph-node.js';

/** The output names of one tensor's reductions. */
export interface ReducedTensor {
  readonly tensor: string;
  readonly min: string;
  readonly max: string;
  readonly sum: string;
  readonly size: string;
}

/** One batch's extremes of a reduced tensor; `finite` false when its sum is NaN or infinite. */
export interface TensorExtremes {
  readonly min: number;
  readonly max: number;
  readonly count: number;
  readonly finite: boolean;
}

/**
 * Appends the reductions of each float32 tensor in `names` to `model` (whose graph `graph`
 * indexes) as graph outputs. Reducing over all axes needs no axes input in any opset.
 */
export function appendReductions(
  model: ModelProto,
  graph: Graph,
  names: readonly string[],
): ReducedTensor[] {
  return names.map((tensor) => {
    const out = (op: string) => graph.uniqueName(`${tensor}/${op}`);
    const r = { tensor, min: out('min'), max: out('max'), sum: out('sum'), size: out('size') };
    const keep = [attr.int('keepdims', 0)];
    for (const [opType, output, attributes] of [
      ['ReduceMin', r.min, keep],
      ['ReduceMax', r.max, keep],
      ['ReduceSum', r.sum, keep],
      ['Size', r.size, []],
    ] as const) {
      model.graph!.node.push(makeNode({ opType, inputs: [tensor], outputs: [output], attributes }));
      const elemType = opType === 'Size' ? DTYPES.int64.onnx : DTYPES.float32.onnx;
      model.graph!.output.push(
        create(ValueInfoProtoSchema, {
          name: output,
          type: { value: { case: 'tensorType', value: { elemType } } },
        }),
      );
    }
    return r;
  });
}

/** The extremes of `r` read from a run's outputs. */
export function readExtremes(
  r: ReducedTensor,
  outputs: Readonly<Record<string, { readonly data: ArrayLike<number | bigint> }>>,
): TensorExtremes {
  const scalar = (name: string): number => Number(outputs[name]!.data[0]);
  const count = scalar(r.size);
  return {
    min: count === 0 ? Infinity : scalar(r.min),
    max: count === 0 ? -Infinity : scalar(r.max),
    count,
    finite: Number.isFinite(scalar(r.sum)),
  };
}
