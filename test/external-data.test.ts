// Models with external data end to end: a tiny transformer-like model whose weights live in a
// data file is quantized by the CLI (--weights int4 streaming, --dynamic with --external-data
// NAME from an inline model), the outputs load in onnxruntime-node from their paths, the
// streamed tensors equal the in-memory quantization's byte for byte, the API takes the data as
// bytes by file name, and truncated files and overwrites are refused naming the file. GPTQ
// (--weights int4 --calib) reads the external data too, and refuses models past 2 GB.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeWeights } from '../src/api/index.js';
import { TensorProto_DataLocation } from '../src/onnx/gen/onnx_pb.js';
import { externalSpan, readModel, resolverFromFiles, writeModel } from '../src/onnx/index.js';
import { serializeNpyTensor } from '../src/readers/npy.js';
import { generateLargeModel } from '../scripts/large-model.js';
import { cliError, runCli } from './helpers/run-cli.js';

const spec = { layers: 1, hidden: 64, ffn: 128 };
const dir = mkdtempSync(join(tmpdir(), 'zeropoint-external-e2e-'));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the model as NAME.onnx with its tensors in NAME.onnx.data. */
function writeExternal(name: string): void {
  let data = new Uint8Array(0);
  const bytes = generateLargeModel(spec, {
    location: `${name}.onnx.data`,
    append(part) {
      const next = new Uint8Array(data.length + part.length);
      next.set(data);
      next.set(part, data.length);
      data = next;
      return data.length - part.length;
    },
  });
  writeFileSync(at(`${name}.onnx`), bytes);
  writeFileSync(at(`${name}.onnx.data`), data);
}

beforeAll(() => {
  writeExternal('m');
  writeExternal('short');
  truncateSync(at('short.onnx.data'), 1000);
  writeFileSync(at('inline.onnx'), generateLargeModel(spec));
  mkdirSync(at('calib'));
  for (let k = 0; k < 4; k++) {
    const data = Float32Array.from({ length: 5 * spec.hidden }, (_, i) => Math.sin(0.37 * i + k));
    const npy = serializeNpyTensor({ type: 'float32', shape: [5, spec.hidden], data });
    writeFileSync(at(`calib/x${k}.npy`), npy);
  }
  // A model whose external data add up past 2 GB (one tensor's recorded length; no such file).
  const huge = readModel(new Uint8Array(readFileSync(at('m.onnx'))));
  const tensor = huge.graph!.initializer.find((t) => t.externalData.length > 0)!;
  tensor.externalData.find((e) => e.key === 'length')!.value = String(3e9);
  writeFileSync(at('huge.onnx'), writeModel(huge));
});

/** Expects the models at `actual` and `expected` to hold the same initializers, byte for byte. */
function expectSameTensors(actual: string, expected: string): void {
  const [got, want] = [tensorBytes(actual), tensorBytes(expected)];
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [name, bytes] of want) expect(got.get(name), name).toEqual(bytes);
}

/** Every initializer's raw bytes by name (external ones read from the files beside `path`). */
function tensorBytes(path: string): Map<string, Uint8Array> {
  const folder = join(path, '..');
  const out = new Map<string, Uint8Array>();
  for (const t of readModel(new Uint8Array(readFileSync(path))).graph!.initializer) {
    if (t.dataLocation !== TensorProto_DataLocation.EXTERNAL) {
      out.set(t.name, t.rawData);
      continue;
    }
    const { location, offset, length } = externalSpan(t);
    const file = readFileSync(join(folder, location));
    out.set(t.name, new Uint8Array(file.subarray(offset, offset + (length ?? 0))));
  }
  return out;
}

async function run(path: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  const x = Float32Array.from({ length: 3 * spec.hidden }, (_, i) => Math.sin(i));
  const out = await session.run({ x: new ort.Tensor('float32', x, [3, spec.hidden]) });
  await session.release();
  return Object.values(out)[0]!.data as Float32Array;
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.concurrent('external data', () => {
  it('--weights int4 streams a model with external data to out.onnx + out.onnx.data', async () => {
    const cli = await runCli('quantize', at('m.onnx'), '--weights', 'int4', '-o', at('w.onnx'));
    expect(cli.stderr).toBe('');
    const inMemory = await quantizeWeights(new Uint8Array(readFileSync(at('inline.onnx'))), {
      bits: 4,
    });
    writeFileSync(at('w-inline.onnx'), inMemory.model);
    expectSameTensors(at('w.onnx'), at('w-inline.onnx'));
    expect(statSync(at('w.onnx.data')).size).toBeGreaterThan(statSync(at('w.onnx')).size);
    const [fp32, q] = await Promise.all([run(at('m.onnx')), run(at('w.onnx'))]);
    expect(maxDiff(q, await run(at('w-inline.onnx')))).toBe(0);
    expect(maxDiff(q, fp32)).toBeGreaterThan(0);
    expect(maxDiff(q, fp32)).toBeLessThan(0.5);
  });

  it('--dynamic --external-data NAME writes an inline model with external data', async () => {
    const out = at('d.onnx');
    const cli = await runCli(
      'quantize',
      at('inline.onnx'),
      '--dynamic',
      '-o',
      out,
      '--external-data',
      'd.bin',
    );
    expect(cli.stderr).toBe('');
    const model = readModel(new Uint8Array(readFileSync(out)));
    const external = model.graph!.initializer.filter((t) => t.externalData.length > 0);
    expect(external.length).toBeGreaterThan(0);
    expect(new Set(external.map((t) => externalSpan(t).location))).toEqual(new Set(['d.bin']));
    const [fp32, q] = await Promise.all([run(at('inline.onnx')), run(out)]);
    expect(maxDiff(q, fp32)).toBeLessThan(0.5);
  });

  it('the API takes the data as bytes by file name and returns the output data file', async () => {
    const result = await quantizeWeights(new Uint8Array(readFileSync(at('m.onnx'))), {
      bits: 8,
      externalData: {
        input: resolverFromFiles({
          'm.onnx.data': new Uint8Array(readFileSync(at('m.onnx.data'))),
        }),
        output: 'api.onnx.data',
      },
    });
    writeFileSync(at('api.onnx'), result.model);
    writeFileSync(at('api.onnx.data'), result.externalData!.bytes);
    expect(result.report.bytesOut).toBe(result.model.length + result.externalData!.bytes.length);
    expect(maxDiff(await run(at('api.onnx')), await run(at('m.onnx')))).toBeLessThan(0.1);
  });

  it('a truncated data file and an output overwriting the input data are refused', async () => {
    const [short, overwrite] = await Promise.all([
      runCli('quantize', at('short.onnx'), '--weights', 'int8', '-o', at('s.onnx')),
      runCli(
        'quantize',
        at('m.onnx'),
        '--dynamic',
        '-o',
        at('x.onnx'),
        '--external-data',
        'm.onnx.data',
      ),
    ]);
    expect(cliError(short)?.code).toBe('bad-file');
    expect(cliError(short)?.message).toMatch(/short\.onnx\.data.*too short for tensor/);
    expect(cliError(overwrite)?.code).toBe('bad-argument');
    expect(cliError(overwrite)?.message).toMatch(/m\.onnx\.data/);
    expect(statSync(at('m.onnx.data')).size).toBeGreaterThan(1000);
  });

  it('--weights int4 --calib (GPTQ) reads external data: the same tensors as the inline twin', async () => {
    const gptq = (input: string, out: string) =>
      runCli(
        'quantize',
        at(input),
        '--weights',
        'int4',
        '--calib',
        at('calib'),
        '--algorithm',
        'gptq',
        '-o',
        at(out),
      );
    const [external, inline] = await Promise.all([
      gptq('m.onnx', 'g.onnx'),
      gptq('inline.onnx', 'g-inline.onnx'),
    ]);
    expect(external.stderr).toBe('');
    expect(inline.stderr).toBe('');
    expect(external.stdout).toMatch(/algorithm: gptq/);
    expectSameTensors(at('g.onnx'), at('g-inline.onnx'));
    expect(maxDiff(await run(at('g.onnx')), await run(at('g-inline.onnx')))).toBe(0);
  });

  it('--weights int4 --calib without --algorithm (HQQ) streams external data like --algorithm hqq', async () => {
    const [byDefault, hqq] = await Promise.all([
      runCli(
        'quantize',
        at('m.onnx'),
        '--weights',
        'int4',
        '--calib',
        at('calib'),
        '-o',
        at('hd.onnx'),
      ),
      runCli(
        'quantize',
        at('inline.onnx'),
        '--weights',
        'int4',
        '--algorithm',
        'hqq',
        '-o',
        at('hq.onnx'),
      ),
    ]);
    expect(byDefault.stderr).toBe('');
    expect(hqq.stderr).toBe('');
    expect(byDefault.stdout).toMatch(/algorithm: hqq/);
    expectSameTensors(at('hd.onnx'), at('hq.onnx'));
  });

  it('--weights --calib on a model past 2 GB is refused naming the data-free algorithms', async () => {
    const cli = await runCli(
      'quantize',
      at('huge.onnx'),
      '--weights',
      'int4',
      '--calib',
      at('calib'),
      '--algorithm',
      'gptq',
      '-o',
      at('h.onnx'),
    );
    expect(cliError(cli)?.code).toBe('bad-argument');
    expect(cliError(cli)?.message).toMatch(/huge\.onnx \(3\.00 GB.*--algorithm hqq or rtn/);
  });
});
