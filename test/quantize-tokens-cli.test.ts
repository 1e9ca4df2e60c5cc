// End to end: `zeropoint quantize --calib` on a model fed int64 token ids through three inputs
// (input_ids, attention_mask, token_type_ids), as tokenizer scripts write calibration data: a
// folder of .npz archives, one sample set each, a JSONL file, and text lines with a local
// tokenizer.json. The output must run in
// onnxruntime on int64 feeds close to the float model; int32 ids are refused naming the input.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeNpyTensor } from '../src/readers/npy.js';
import type { QuantizeReport } from '../src/report/quantize-report.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { cliError, runCli, type CliRun } from './helpers/run-cli.js';
import { tinyBert, tokenSample, VOCAB } from './helpers/token-models.js';
import { wordTokenizer } from './helpers/word-tokenizer.js';

const scratch = mkdtempSync(join(tmpdir(), 'zeropoint-tokens-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SAMPLES = 12;
const model = join(scratch, 'tiny-bert.onnx');
const npzDir = join(scratch, 'calib');
const int32Dir = join(scratch, 'calib-int32');
const jsonl = join(scratch, 'calib.jsonl');

/** One sample set as an .npz, ids as `type`. */
function archive(k: number, type: 'int64' | 'int32'): Uint8Array {
  const members = Object.entries(tokenSample(k)).map(([name, ids]) => {
    const data = type === 'int64' ? ids : Int32Array.from(ids, Number);
    return [`${name}.npy`, serializeNpyTensor({ type, shape: [1, ids.length], data })] as const;
  });
  return zipSync(Object.fromEntries(members));
}

describe('zeropoint quantize on a model with three int64 token-id inputs', () => {
  let fromNpz: CliRun;
  let fromJsonl: CliRun;
  let int32: CliRun;
  let fromText: CliRun;

  beforeAll(async () => {
    writeFileSync(model, tinyBert());
    mkdirSync(npzDir);
    mkdirSync(int32Dir);
    for (let k = 0; k < SAMPLES; k++) {
      writeFileSync(join(npzDir, `${String(k).padStart(4, '0')}.npz`), archive(k, 'int64'));
    }
    writeFileSync(join(int32Dir, '0000.npz'), archive(0, 'int32'));
    const lines = Array.from({ length: SAMPLES }, (_, k) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(tokenSample(k)).map(([name, ids]) => [name, [Array.from(ids, Number)]]),
        ),
      ),
    );
    writeFileSync(jsonl, lines.join('\n'));
    const textDir = join(scratch, 'text');
    mkdirSync(textDir);
    const words = Array.from({ length: VOCAB - 4 }, (_, i) => `w${i}`);
    writeFileSync(join(textDir, 'tokenizer.json'), JSON.stringify(wordTokenizer(words)));
    const text = Array.from({ length: 5 }, (_, k) => `${words.slice(k, k + 4).join(' ')}\tw${k}`);
    writeFileSync(join(textDir, 'lines.txt'), text.join('\n'));
    [fromNpz, fromJsonl, int32, fromText] = await Promise.all([
      runCli('quantize', model, '--calib', npzDir, '-o', join(scratch, 'npz.onnx'), '--json'),
      runCli('quantize', model, '--calib', jsonl, '-o', join(scratch, 'jsonl.onnx'), '--json'),
      runCli('quantize', model, '--calib', int32Dir, '-o', join(scratch, 'int32.onnx')),
      runCli(
        'quantize',
        model,
        '--calib',
        join(textDir, 'lines.txt'),
        '-o',
        join(scratch, 'text.onnx'),
        '--json',
      ),
    ]);
  });

  it('calibrates on every sample and quantizes the MatMuls', () => {
    expect([fromNpz.status, fromJsonl.status], fromNpz.stderr + fromJsonl.stderr).toEqual([0, 0]);
    const report = JSON.parse(fromNpz.stdout) as QuantizeReport;
    expect(report.samples).toBe(SAMPLES);
    expect(report.plan.byOp.MatMul?.quantized).toBe(2);
    expect(report.plan.byOp.Gather?.float).toBe(2);
  });

  it('text lines through a tokenizer.json calibrate one sample per line', () => {
    expect(fromText.status, fromText.stderr).toBe(0);
    expect((JSON.parse(fromText.stdout) as QuantizeReport).samples).toBe(5);
  });

  it('the .npz folder and the JSONL file give the same bytes', () => {
    expect(readFileSync(join(scratch, 'jsonl.onnx'))).toEqual(
      readFileSync(join(scratch, 'npz.onnx')),
    );
  });

  it('the output runs on int64 ids in onnxruntime, close to the float model', async () => {
    const sample = tokenSample(SAMPLES + 1, 9);
    const feeds = Object.fromEntries(
      Object.entries(sample).map(([name, data]) => [
        name,
        { type: 'int64' as const, dims: [1, 9], data },
      ]),
    );
    const float = await createSession(new Uint8Array(readFileSync(model)));
    const quantized = await createSession(new Uint8Array(readFileSync(join(scratch, 'npz.onnx'))));
    const name = float.outputNames[0]!;
    const want = (await float.run(feeds))[name]!.data as Float32Array;
    const got = (await quantized.run(feeds))[name]!.data as Float32Array;
    await Promise.all([float.release(), quantized.release()]);
    const scale = Math.max(...want.map(Math.abs));
    const worst = Math.max(...want.map((w, i) => Math.abs(w - got[i]!)));
    expect(worst).toBeGreaterThan(0); // it did quantize
    expect(worst / scale).toBeLessThan(0.05);
  });

  it('int32 ids for int64 inputs are refused naming the input, the dtypes and the file', () => {
    expect(int32.status, int32.stderr).toBe(1);
    const error = cliError(int32);
    expect(error?.code).toBe('bad-calibration-data');
    expect(error?.message).toMatch(
      /input 'input_ids' expects int64 \('<i8'\), but .*0000\.npz:input_ids\.npy holds dtype '<i4'; convert it with numpy: array\.astype\(np\.int64\)/,
    );
    expect(readdirSync(scratch).filter((f) => f.startsWith('int32.onnx'))).toEqual([]);
  });
});
