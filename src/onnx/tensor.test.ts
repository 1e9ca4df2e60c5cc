// TensorProto <-> typed arrays: zero-copy views, typed fields, packing, external data, errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { QTYPES, ZeropointError, f16round, isQType } from '../core/index.js';
import { DTYPE_NAMES, bfloat16ToNumber, numberToBfloat16, type DType } from './dtypes.js';
import {
  TensorProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType as T,
  type TensorProto,
} from './gen/onnx_pb.js';
import { int64ToNumbers, tensorFromProto, tensorToProto } from './tensor.js';

type Init = Parameters<typeof create<typeof TensorProtoSchema>>[1];
const proto = (init: Init): TensorProto => create(TensorProtoSchema, init);
const values = (t: { data: ArrayLike<number | bigint> }): (number | bigint)[] => Array.from(t.data);

/** What decode(encode(v)) must give for `dtype`: floats rounded to the format, ints unchanged. */
function expected(dtype: DType, v: number | bigint): number | bigint {
  if (dtype === 'float32') return Math.fround(v as number);
  if (dtype === 'float16') return f16round(v as number);
  if (dtype === 'bfloat16') return bfloat16ToNumber(numberToBfloat16(v as number));
  return v;
}

/** Random values of `dtype`, including NaN, +-Inf and -0 for the float types. */
function arbitraryValues(dtype: DType): fc.Arbitrary<(number | bigint)[]> {
  const ints: Partial<Record<DType, [number, number]>> = {
    int32: [-(2 ** 31), 2 ** 31 - 1],
    uint32: [0, 2 ** 32 - 1],
    bool: [0, 1],
    float4e2m1: [0, 15],
  };
  const arb: fc.Arbitrary<number | bigint> = dtype.startsWith('float8')
    ? fc.integer({ min: 0, max: 255 })
    : isQType(dtype)
      ? fc.integer({ min: QTYPES[dtype].qmin, max: QTYPES[dtype].qmax })
      : dtype === 'int64'
        ? fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
        : dtype === 'uint64'
          ? fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
          : dtype === 'float64' || dtype.includes('float16') || dtype === 'float32'
            ? fc.double()
            : fc.integer({ min: ints[dtype]![0], max: ints[dtype]![1] });
  return fc.array(arb, { maxLength: 33 });
}

describe('tensorFromProto and tensorToProto', () => {
  it.each(DTYPE_NAMES)('decode(serialize(encode(v))) is v rounded to %s', (dtype) => {
    fc.assert(
      fc.property(arbitraryValues(dtype), (vs) => {
        const written = tensorToProto({ name: 't', dtype, shape: [vs.length], data: toArray(vs) });
        const read = tensorFromProto(
          fromBinary(TensorProtoSchema, toBinary(TensorProtoSchema, written)),
        );
        expect(read.dtype).toBe(dtype);
        expect(read.shape).toEqual([vs.length]);
        expect(values(read)).toEqual(vs.map((v) => expected(dtype, v)));
      }),
      { numRuns: 50 },
    );
  });

  it('raw_data decoded by protobuf-es views the file; aligned float32 data views it too', () => {
    const x = Float32Array.of(1.5, -2, 3.25);
    const offsets = new Set<number>();
    for (const name of ['x', 'xx', 'xxx', 'xxxx']) {
      const tensor = tensorToProto({ name, dtype: 'float32', shape: [3], data: x });
      const file = toBinary(TensorProtoSchema, tensor);
      const decoded = fromBinary(TensorProtoSchema, file);
      expect(decoded.rawData.buffer).toBe(file.buffer);
      const t = tensorFromProto(decoded);
      const aligned = (file.byteOffset + decoded.rawData.byteOffset) % 4 === 0;
      expect(t.data.buffer === file.buffer).toBe(aligned);
      expect(values(t)).toEqual([1.5, -2, 3.25]);
      offsets.add(decoded.rawData.byteOffset % 4);
    }
    expect(offsets.size).toBe(4); // both the view and the copy path ran
  });

  it('a Node Buffer from the pool (what readFileSync gives) decodes at its own offset', () => {
    const written = tensorToProto({ name: 'b', dtype: 'int32', shape: [2], data: [-5, 70000] });
    const file = toBinary(TensorProtoSchema, written);
    for (let pad = 0; pad < 4; pad++) {
      const buffer = Buffer.concat([Buffer.alloc(pad, 0xee), Buffer.from(file)]).subarray(pad);
      const t = tensorFromProto(fromBinary(TensorProtoSchema, buffer));
      expect(values(t)).toEqual([-5, 70000]);
    }
  });

  it('tensorToProto views an array of the right type instead of copying it', () => {
    const x = Int16Array.of(1, -2);
    expect(tensorToProto({ name: 'x', dtype: 'int16', shape: [2], data: x }).rawData.buffer).toBe(
      x.buffer,
    );
  });

  it('misaligned raw_data is copied once into an aligned array with the same values', () => {
    const bytes = new Uint8Array(13);
    const raw = bytes.subarray(1);
    new DataView(raw.buffer, 1).setFloat32(0, 0.1, true);
    new DataView(raw.buffer, 1).setInt32(4, -7, true);
    const t = tensorFromProto(proto({ name: 'm', dataType: T.FLOAT, dims: [3n], rawData: raw }));
    expect(t.data.byteOffset % 4).toBe(0);
    expect(t.data.buffer).not.toBe(bytes.buffer);
    expect(t.data[0]).toBe(Math.fround(0.1));
    const i = tensorFromProto(proto({ name: 'i', dataType: T.INT32, dims: [3n], rawData: raw }));
    expect(i.data[1]).toBe(-7);
  });

  it('int4 packs two per byte low nibble first, int2 four per byte from the low bits', () => {
    const int4 = proto({
      name: 'q',
      dataType: T.INT4,
      dims: [3n],
      rawData: Uint8Array.of(0x8f, 0x07),
    });
    expect(values(tensorFromProto(int4))).toEqual([-1, -8, 7]);
    const uint2 = proto({
      name: 'q',
      dataType: T.UINT2,
      dims: [5n],
      rawData: Uint8Array.of(0xe4, 0x03),
    });
    expect(values(tensorFromProto(uint2))).toEqual([0, 1, 2, 3, 3]);
    const written = tensorToProto({
      name: 'q',
      dtype: 'int2',
      shape: [5],
      data: [0, 1, -2, -1, 1],
    });
    expect(Array.from(written.rawData)).toEqual([0xe4, 0x01]);
  });

  it('reads typed fields: int32_data for 8/16-bit, float16 bits and packed 4-bit bytes', () => {
    const int8 = proto({ name: 'a', dataType: T.INT8, dims: [2n], int32Data: [-128, 127] });
    expect(tensorFromProto(int8).data).toEqual(Int8Array.of(-128, 127));
    const half = proto({
      name: 'h',
      dataType: T.FLOAT16,
      dims: [3n],
      int32Data: [0x3c00, 0xfc00, 0x0001],
    });
    expect(values(tensorFromProto(half))).toEqual([1, -Infinity, 2 ** -24]);
    const uint4 = proto({ name: 'u', dataType: T.UINT4, dims: [3n], int32Data: [0x21, 0x03] });
    expect(values(tensorFromProto(uint4))).toEqual([1, 2, 3]);
    const bool = proto({ name: 'b', dataType: T.BOOL, dims: [2n], int32Data: [1, 0] });
    expect(tensorFromProto(bool).data).toEqual(Uint8Array.of(1, 0));
  });

  it('reads float_data, double_data, int64_data and uint64_data (uint32 and uint64)', () => {
    const f = tensorFromProto(
      proto({ name: 'f', dataType: T.FLOAT, dims: [1n, 2n], floatData: [0.5, -0] }),
    );
    expect(f.shape).toEqual([1, 2]);
    expect(values(f)).toEqual([0.5, -0]);
    const d = tensorFromProto(
      proto({ name: 'd', dataType: T.DOUBLE, dims: [1n], doubleData: [0.1] }),
    );
    expect(d.data).toEqual(Float64Array.of(0.1));
    const l = tensorFromProto(
      proto({ name: 'l', dataType: T.INT64, dims: [2n], int64Data: [-(2n ** 62n), 3n] }),
    );
    expect(l.data).toEqual(BigInt64Array.of(-(2n ** 62n), 3n));
    const u = tensorFromProto(
      proto({ name: 'u', dataType: T.UINT32, dims: [1n], uint64Data: [4294967295n] }),
    );
    expect(u.data).toEqual(Uint32Array.of(4294967295));
  });

  it('a scalar is one element; shape [0] needs no data', () => {
    const scalar = tensorFromProto(
      proto({ name: 's', dataType: T.UINT8, rawData: Uint8Array.of(9) }),
    );
    expect([scalar.shape, values(scalar)]).toEqual([[], [9]]);
    const empty = tensorFromProto(proto({ name: 'e', dataType: T.FLOAT, dims: [0n, 4n] }));
    expect(empty.data.length).toBe(0);
  });
});

describe('errors name the tensor', () => {
  const cases: [string, TensorProto, string][] = [
    [
      'raw_data shorter than dims',
      proto({ name: 'w', dataType: T.FLOAT, dims: [2n], rawData: new Uint8Array(7) }),
      'bad-model',
    ],
    ['no data for a scalar', proto({ name: 'w', dataType: T.FLOAT }), 'bad-model'],
    [
      'int32_data count for int4',
      proto({ name: 'w', dataType: T.INT4, dims: [5n], int32Data: [1, 2] }),
      'bad-model',
    ],
    [
      'raw_data and a typed field',
      proto({
        name: 'w',
        dataType: T.INT32,
        dims: [1n],
        int32Data: [1],
        rawData: new Uint8Array(4),
      }),
      'bad-model',
    ],
    ['a negative dimension', proto({ name: 'w', dataType: T.UINT8, dims: [-1n] }), 'bad-model'],
    ['a string tensor', proto({ name: 'w', dataType: T.STRING, dims: [0n] }), 'unsupported-qtype'],
    [
      'external data without a resolver',
      proto({
        name: 'w',
        dataType: T.UINT8,
        dims: [1n],
        dataLocation: TensorProto_DataLocation.EXTERNAL,
        externalData: [{ key: 'location', value: 'w.bin' }],
      }),
      'bad-argument',
    ],
  ];
  it.each(cases)('%s', (_, p, code) => {
    const error = catchError(() => tensorFromProto(p));
    expect([error.code, error.context.tensor]).toEqual([code, 'w']);
  });

  it('tensorToProto rejects values the dtype cannot hold and lengths that miss the shape', () => {
    const tensor =
      (dtype: DType, data: number[], shape = [data.length]) =>
      () =>
        tensorToProto({ name: 'w', dtype, shape, data });
    expect(tensor('int8', [200])).toThrow(expect.objectContaining({ code: 'bad-range' }));
    expect(tensor('int4', [8])).toThrow(expect.objectContaining({ code: 'bad-range' }));
    expect(tensor('uint8', [1.5])).toThrow(expect.objectContaining({ code: 'bad-range' }));
    expect(tensor('bool', [2])).toThrow(expect.objectContaining({ code: 'bad-range' }));
    expect(tensor('float32', [1, 2], [3])).toThrow(expect.objectContaining({ code: 'bad-shape' }));
  });
});

describe('external data', () => {
  const external = (entries: Record<string, string>): TensorProto =>
    proto({
      name: 'w',
      dataType: T.INT16,
      dims: [2n],
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: Object.entries(entries).map(([key, value]) => ({ key, value })),
    });
  const file = Uint8Array.of(0, 0, 0, 0xff, 0xff, 0x02, 0x00);

  it('asks the resolver for location, offset and length (from dims when absent)', () => {
    const calls: [string, number, number][] = [];
    const resolveExternal = (location: string, offset: number, length: number) => {
      calls.push([location, offset, length]);
      return file.subarray(offset, offset + length);
    };
    const t = tensorFromProto(external({ location: 'w.bin', offset: '3' }), { resolveExternal });
    expect(values(t)).toEqual([-1, 2]);
    expect(calls).toEqual([['w.bin', 3, 4]]);
  });

  it('fails when the resolver returns fewer bytes or the offset is not a count', () => {
    const resolveExternal = () => file.subarray(5);
    expect(() =>
      tensorFromProto(external({ location: 'w.bin', length: '4' }), { resolveExternal }),
    ).toThrow(
      expect.objectContaining({ code: 'bad-file', context: { tensor: 'w', file: 'w.bin' } }),
    );
    expect(() =>
      tensorFromProto(external({ location: 'w.bin', offset: '-1' }), { resolveExternal }),
    ).toThrow(expect.objectContaining({ code: 'bad-model' }));
  });
});

describe('int64ToNumbers', () => {
  it('converts safe integers and refuses 2^53 + 1', () => {
    expect(int64ToNumbers(BigInt64Array.of(-3n, 2n ** 53n - 1n), 's')).toEqual([-3, 2 ** 53 - 1]);
    expect(() => int64ToNumbers(BigInt64Array.of(2n ** 53n + 1n), 's')).toThrow(
      expect.objectContaining({ code: 'bad-model', context: { tensor: 's' } }),
    );
  });
});

function toArray(vs: (number | bigint)[]): ArrayLike<number> | BigInt64Array | BigUint64Array {
  if (vs.some((v) => typeof v === 'bigint')) {
    return vs.some((v) => (v as bigint) < 0n)
      ? BigInt64Array.from(vs as bigint[])
      : BigUint64Array.from(vs as bigint[]);
  }
  return vs as number[];
}

function catchError(run: () => unknown): ZeropointError {
  try {
    run();
  } catch (error) {
    if (error instanceof ZeropointError) return error;
    throw error;
  }
  throw new Error('expected a ZeropointError');
}
