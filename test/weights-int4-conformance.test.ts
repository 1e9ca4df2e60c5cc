// Sub-byte tensors against ONNX's own int4/uint4 node tests: what zeropoint writes is byte for
// byte what ONNX wrote (two values per byte, the first in the low nibble, the last byte padded
// with zero), what it reads back is the same values, and onnxruntime reads it as ONNX meant.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { pack, quantize, type QParams } from '../src/core/index.js';
import { ModelBuilder } from '../src/onnx/build.js';
import { TensorProtoSchema, type TensorProto } from '../src/onnx/gen/onnx_pb.js';
import { attr } from '../src/onnx/graph-node.js';
import { tensorFromProto, tensorToProto } from '../src/onnx/tensor.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { CONFORMANCE_DIR } from './conformance-cases.js';

function read(name: string, file: string): TensorProto {
  const bytes = readFileSync(path.join(CONFORMANCE_DIR, name, 'test_data_set_0', `${file}.pb`));
  return fromBinary(TensorProtoSchema, bytes);
}

const CASES = [
  ['test_dequantizelinear_int4', ['input_0', 'input_2']],
  ['test_dequantizelinear_uint4', ['input_0', 'input_2']],
  ['test_quantizelinear_int4', ['input_2', 'output_0']],
  ['test_quantizelinear_uint4', ['input_2', 'output_0']],
] as const;

describe('int4/uint4 tensors against the ONNX conformance cases', () => {
  for (const [name, files] of CASES) {
    it(`${name}: re-encoding gives ONNX's packed bytes, decoding gives the values back`, () => {
      for (const file of files) {
        const original = read(name, file);
        const decoded = tensorFromProto(original);
        expect(['int4', 'uint4']).toContain(decoded.dtype);
        const written = tensorToProto(decoded);
        // ONNX stores these packed bytes one per int32_data entry; zeropoint writes raw_data.
        expect(Array.from(written.rawData)).toEqual(original.int32Data);
        const back = tensorFromProto(written);
        expect(Array.from(back.data as Int8Array)).toEqual(Array.from(decoded.data as Int8Array));
        if (back.data.length % 2 === 1) expect(written.rawData.at(-1) >> 4).toBe(0);
      }
    });
  }

  it('quantize + pack reproduces test_quantizelinear_int4 and _uint4 bit for bit', () => {
    for (const name of ['test_quantizelinear_int4', 'test_quantizelinear_uint4'] as const) {
      const x = tensorFromProto(read(name, 'input_0'));
      const scale = tensorFromProto(read(name, 'input_1'));
      const zeroPoint = tensorFromProto(read(name, 'input_2'));
      const qtype = zeroPoint.dtype === 'int4' ? 'int4' : 'uint4';
      const params: QParams = {
        qtype,
        granularity: { kind: 'per-axis', axis: 0 },
        scale: scale.data as Float32Array,
        zeroPoint: Int32Array.from(zeroPoint.data as Int8Array),
        grid: { qmin: -8, qmax: 15 },
      };
      const q = quantize(x.data as Float32Array, x.shape, params);
      expect(Array.from(pack(qtype, q))).toEqual(read(name, 'output_0').int32Data);
    }
  });

  it('onnxruntime dequantizes int4 initializers that zeropoint wrote as ONNX expects', async () => {
    for (const name of ['test_dequantizelinear_int4', 'test_dequantizelinear_uint4']) {
      const [x, scale, zeroPoint] = ['input_0', 'input_1', 'input_2'].map((f) =>
        tensorFromProto(read(name, f)),
      );
      const b = new ModelBuilder();
      b.input('unused', 'float32', [1]);
      for (const [n, t] of [
        ['x', x],
        ['s', scale],
        ['z', zeroPoint],
      ] as const) {
        b.initializer(n, t!.dtype, t!.shape, t!.data);
      }
      const y = b.op('DequantizeLinear', ['x', 's', 'z'], [attr.int('axis', 0)]);
      b.output(b.op('Add', [y, 'unused']), 'float32');
      const session = await createSession(b.bytes(21, 10));
      const feeds = { unused: { type: 'float32' as const, dims: [1], data: Float32Array.of(0) } };
      const [out] = Object.values(await session.run(feeds));
      const expected = tensorFromProto(read(name, 'output_0')).data as Float32Array;
      expect(Array.from(out!.data as Float32Array)).toEqual(Array.from(expected));
      expect(tensorToProto({ ...x!, name: 'x' }).rawData.length).toBe(3); // 5 values, 3 bytes
    }
  });
});
