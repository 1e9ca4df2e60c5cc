// A synthetic transformer-like ONNX model for the external-data proofs: per layer LayerNorm,
// Q/K/V/O MatMul weights with a single-head attention between, and a Gemm-ReLU-Gemm MLP (the
// second Gemm transB = 1). Every tensor's values come from a seed derived from its name alone,
// so a 2-layer twin holds exactly the first two layers of a 12-layer model. Used by
// scripts/gen-large-model.ts (the > 2 GB run) and test/external-data.test.ts (a tiny one).
import { create } from '@bufbuild/protobuf';
import { ModelBuilder } from '../src/onnx/build.js';
import { attr } from '../src/onnx/graph-node.js';
import {
  TensorProtoSchema,
  TensorProto_DataLocation,
  type TensorProto,
} from '../src/onnx/gen/onnx_pb.js';
import { tensorToProto } from '../src/onnx/tensor.js';
import { writeModel } from '../src/onnx/model.js';

/** Sizes of the model. */
export interface LargeModelSpec {
  readonly layers: number;
  readonly hidden: number;
  readonly ffn: number;
}

/** Where tensors of at least 1024 bytes go: appended to the data file named `location`. */
export interface DataFileWriter {
  readonly location: string;
  /** Appends bytes and returns their offset. */
  append(bytes: Uint8Array): number;
}

/** FNV-1a of a name: each tensor's seed. */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** `count` float32 values uniform in [-scale, scale) from the tensor name's seed (mulberry32). */
export function seededValues(name: string, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let a = seedOf(name);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

/**
 * The model's bytes: input x f32 [seq, hidden] -> output f32 [seq, hidden]; with `data`, every
 * tensor of 1024 bytes or more is written there (ONNX external data) instead of inline.
 */
export function generateLargeModel(spec: LargeModelSpec, data?: DataFileWriter): Uint8Array {
  const { layers, hidden: d, ffn: f } = spec;
  const b = new ModelBuilder('transformer_like');
  const initializers: TensorProto[] = [];
  const weight = (name: string, shape: number[], scale: number, fill?: number): string => {
    const count = shape.reduce((n, s) => n * s, 1);
    const values = fill === undefined ? seededValues(name, count, scale) : new Float32Array(count);
    if (fill !== undefined) values.fill(fill);
    const proto = tensorToProto({ name, dtype: 'float32', shape, data: values });
    if (data !== undefined && proto.rawData.length >= 1024) {
      const offset = data.append(proto.rawData);
      const entries = { location: data.location, offset, length: proto.rawData.length };
      initializers.push(
        create(TensorProtoSchema, {
          name,
          dataType: proto.dataType,
          dims: proto.dims,
          dataLocation: TensorProto_DataLocation.EXTERNAL,
          externalData: Object.entries(entries).map(([key, v]) => ({ key, value: String(v) })),
        }),
      );
    } else {
      initializers.push(proto);
    }
    return name;
  };
  const scale = 1 / Math.sqrt(d);
  let x = b.input('x', 'float32', ['seq', d]);
  for (let i = 0; i < layers; i++) {
    const p = `layer${i}`;
    const norm = (input: string, n: string) =>
      b.op(
        'LayerNormalization',
        [input, weight(`${p}.${n}.gamma`, [d], 0, 1), weight(`${p}.${n}.beta`, [d], 0, 0)],
        [attr.int('axis', -1)],
      );
    const h = norm(x, 'ln1');
    const q = b.op('MatMul', [h, weight(`${p}.attn.q`, [d, d], scale)]);
    const k = b.op('MatMul', [h, weight(`${p}.attn.k`, [d, d], scale)]);
    const v = b.op('MatMul', [h, weight(`${p}.attn.v`, [d, d], scale)]);
    const scores = b.op('MatMul', [q, b.op('Transpose', [k], [attr.ints('perm', [1, 0])])]);
    const probs = b.op(
      'Softmax',
      [b.op('Mul', [scores, weight(`${p}.attn.scale`, [], 0, scale)])],
      [attr.int('axis', -1)],
    );
    const o = b.op('MatMul', [b.op('MatMul', [probs, v]), weight(`${p}.attn.o`, [d, d], scale)]);
    const x1 = b.op('Add', [x, o]);
    const h2 = norm(x1, 'ln2');
    const up = b.op('Gemm', [
      h2,
      weight(`${p}.mlp.up`, [d, f], scale),
      weight(`${p}.mlp.up_bias`, [f], 0.01),
    ]);
    const down = b.op(
      'Gemm',
      [
        b.op('Relu', [up]),
        weight(`${p}.mlp.down`, [d, f], 1 / Math.sqrt(f)),
        weight(`${p}.mlp.down_bias`, [d], 0.01),
      ],
      [attr.int('transB', 1)],
    );
    x = b.op('Add', [x1, down]);
  }
  b.output(x, 'float32', ['seq', d]);
  const model = b.model(17);
  model.graph!.initializer.push(...initializers);
  return writeModel(model);
}
