// The real PP-OCRv4 recognizer (opset 9, weights in Constant nodes, attention MatMuls between
// activations) quantized with int4 blocks of 32 and dynamically: each loads and runs in
// onnxruntime-node, and on two rendered lines reads the same text as fp32 with close
// probabilities. The accuracy figures over hundreds of lines are in `npm run bench -- weights`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recBench, renderLines } from '../bench/ocr/index.js';
import { ortRunner } from '../bench/ocr/ort.js';
import { ctcDecode, recClasses, recInput } from '../bench/ocr/rec.js';
import { runDynamicRecipe } from '../src/ptq/quantize-dynamic.js';
import { runWeightsRecipe } from '../src/ptq/quantize-weights.js';

const fp32 = readFileSync(recBench.modelPath);
const lines = renderLines(2, 21);
const CLASSES = recClasses().length;

/** Fraction of time steps whose most probable class is the same in both outputs. */
function agreement(a: Float32Array, b: Float32Array): number {
  const steps = a.length / CLASSES;
  let same = 0;
  for (let t = 0; t < steps; t++) {
    let ia = 0;
    let ib = 0;
    for (let c = 1; c < CLASSES; c++) {
      if (a[t * CLASSES + c]! > a[t * CLASSES + ia]!) ia = c;
      if (b[t * CLASSES + c]! > b[t * CLASSES + ib]!) ib = c;
    }
    if (ia === ib) same++;
  }
  return same / steps;
}

async function read(model: Uint8Array) {
  const run = await ortRunner(model);
  return Promise.all(
    lines.map(async (line) => {
      const [out] = await run([recInput([line.image])]);
      return { probs: out!.data, text: ctcDecode(out!.data, out!.dims, recClasses())[0]!.text };
    }),
  );
}

describe('PP-OCRv4 recognizer', () => {
  it('int4 blocks of 32 and dynamic int8: load, run, read what fp32 reads', async () => {
    const want = await read(fp32);
    const int4 = runWeightsRecipe(fp32, { bits: 4, blockSize: 32 });
    expect(int4.report.weights).toHaveLength(9);
    expect(int4.report.skipped.map((s) => s.reason)).toEqual(
      new Array(4).fill('weight is not a constant'),
    );
    expect(int4.bytes.length).toBeLessThan(0.7 * fp32.length);
    const dynamic = runDynamicRecipe(fp32);
    for (const bytes of [int4.bytes, dynamic.bytes]) {
      const got = await read(bytes);
      got.forEach((g, i) => {
        // Spaces aside, as the recognizer's metric (PaddleOCR's RecMetric) reads them.
        expect(g.text.replace(/ /g, '')).toBe(want[i]!.text.replace(/ /g, ''));
        let sum = 0;
        g.probs.forEach((p, j) => (sum += Math.abs(p - want[i]!.probs[j]!)));
        const steps = g.probs.length / CLASSES;
        // Per time step, the L1 distance of the class distributions (at most 2) is small and
        // the most probable class is the same nearly everywhere (blank/space swaps aside).
        // Dynamic, with int8 Conv weights too since `--conv cast-mul`, measured up to 0.165.
        expect(sum / steps).toBeLessThan(0.25);
        expect(agreement(g.probs, want[i]!.probs)).toBeGreaterThanOrEqual(0.9);
      });
    }
  });
});
