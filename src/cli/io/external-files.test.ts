// External data files on disk: positioned reads beside the model, the output's data file through
// a temporary file, the refusals of a data file that would overwrite an input, and
// readModelFile reading external tensors inline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { ModelBuilder } from '../../onnx/build.js';
import { TensorProtoSchema, TensorProto_DataLocation } from '../../onnx/gen/onnx_pb.js';
import { buildGraph, writeModel } from '../../onnx/index.js';
import {
  checkDataFiles,
  checkDataPath,
  dataFileName,
  fileResolver,
  fileSink,
} from './external-files.js';
import { readModelFile, readModelProto } from './read-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'zeropoint-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** m.onnx: y = x + w, w f32 [4] at offset 2 of `location` (written unless `write` is false). */
function writeModelWith(location: string, write = true): string {
  const b = new ModelBuilder();
  b.output(b.op('Add', [b.input('x', 'float32', [4]), 'w']), 'float32', [4]);
  const model = b.model();
  model.graph!.initializer.push(
    create(TensorProtoSchema, {
      name: 'w',
      dataType: 1,
      dims: [4n],
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: '2' },
        { key: 'length', value: '16' },
      ],
    }),
  );
  const values = Float32Array.of(1, 2, 3, 4);
  const data = new Uint8Array(18);
  data.set(new Uint8Array(values.buffer), 2);
  if (write) writeFileSync(join(dir, location), data);
  const path = join(dir, 'm.onnx');
  writeFileSync(path, writeModel(model));
  return path;
}

describe('external data files', () => {
  it('the resolver reads at an offset beside the model, short at the end, undefined if missing', () => {
    writeFileSync(join(dir, 'r.bin'), Uint8Array.of(0, 1, 2, 3, 4));
    const files = fileResolver(join(dir, 'any.onnx'));
    expect(Array.from(files.resolve('r.bin', 1, 3) ?? [])).toEqual([1, 2, 3]);
    expect(Array.from(files.resolve('r.bin', 3, 10) ?? [])).toEqual([3, 4]);
    expect(files.resolve('none.bin', 0, 1)).toBeUndefined();
    files.close();
  });

  it('the sink appends, reads back, and appears only on commit; abort leaves nothing', () => {
    const out = join(dir, 'o.onnx');
    const sink = fileSink(out, 'o.onnx.data');
    expect([sink.append(Uint8Array.of(7, 8)), sink.append(Uint8Array.of(9))]).toEqual([0, 2]);
    expect(Array.from(sink.read(1, 2))).toEqual([8, 9]);
    expect(existsSync(sink.path)).toBe(false);
    sink.commit();
    expect(Array.from(readFileSync(sink.path))).toEqual([7, 8, 9]);
    const other = fileSink(out, 'other.data');
    other.append(Uint8Array.of(1));
    other.abort();
    expect(existsSync(other.path)).toBe(false);
  });

  it('refuses a data file that would overwrite the input model, its data or the output', () => {
    const path = writeModelWith('m.onnx.data');
    const { model } = readModelProto(path);
    const out = join(dir, 'out.onnx');
    for (const location of ['m.onnx.data', 'm.onnx', 'out.onnx']) {
      expect(() => checkDataPath(path, model, out, location)).toThrow(
        expect.objectContaining({ code: 'bad-argument' }),
      );
    }
    expect(() => checkDataPath(path, model, out, 'out.onnx.data')).not.toThrow();
    expect(() => dataFileName(out, '../x.data')).toThrow(
      expect.objectContaining({ code: 'bad-argument' }),
    );
    expect(dataFileName(out, undefined)).toBe('out.onnx.data');
  });

  it('a missing data file is bad-file naming the tensor and the file', () => {
    const path = writeModelWith('gone.data', false);
    expect(() => checkDataFiles(path, readModelProto(path).model)).toThrow(
      expect.objectContaining({ code: 'bad-file', context: { tensor: 'w', file: 'gone.data' } }),
    );
    expect(() => readModelFile(path)).toThrow(expect.objectContaining({ code: 'bad-file' }));
  });

  it('readModelFile reads external tensors inline, so every command can run the model', () => {
    const path = writeModelWith('inl.data');
    const { model } = readModelFile(path);
    expect(Array.from(buildGraph(model).constantValue('w')?.data ?? [], Number)).toEqual([
      1, 2, 3, 4,
    ]);
  });
});
