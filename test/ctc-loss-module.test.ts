// The example CTC loss module (examples/ppocr-ctc-loss.mjs) against PyTorch's F.ctc_loss
// (test/fixtures/qat/ctc-torch.json, from scripts/gen-ctc-fixtures.py), against finite
// differences, and its label lookup on the project's data/ocr/labels.json.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs example without types
import * as ctcModule from '../examples/ppocr-ctc-loss.mjs';

interface CtcCase {
  name: string;
  steps: number;
  classes: number;
  target: number[];
  probs: number[];
  loss: number;
  gradLogits: number[];
}
type Ctc = (
  probs: Float32Array | Float64Array,
  steps: number,
  classes: number,
  target: number[],
) => { loss: number; grad: Float32Array };
type Loss = (
  outputs: Record<string, { dims: number[]; data: Float32Array }>,
  sample: { index: number; file?: string; reference: Record<string, { data: Float32Array }> },
) => { loss: number; grad: Record<string, Float32Array> };
const { ctc, loss, labelsFor } = ctcModule as {
  ctc: Ctc;
  loss: Loss;
  labelsFor: (file: string) => { labels: Map<string, string> };
};

const fixture = JSON.parse(
  readFileSync(new URL('fixtures/qat/ctc-torch.json', import.meta.url), 'utf8'),
) as { cases: CtcCase[] };

describe('CTC loss module = torch.nn.functional.ctc_loss', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    '%s: loss, and dL/dprobs through the softmax = dL/dlogits',
    (_, c) => {
      const probs = Float64Array.from(c.probs);
      const got = ctc(probs, c.steps, c.classes, c.target);
      expect(got.loss).toBeCloseTo(c.loss, 5);
      // dL/dz_k = y_k (g_k - sum_j y_j g_j), row by row.
      let worst = 0;
      for (let t = 0; t < c.steps; t++) {
        const row = t * c.classes;
        let dot = 0;
        for (let j = 0; j < c.classes; j++) dot += probs[row + j]! * got.grad[row + j]!;
        for (let k = 0; k < c.classes; k++) {
          const dz = probs[row + k]! * (got.grad[row + k]! - dot);
          worst = Math.max(worst, Math.abs(dz - c.gradLogits[row + k]!));
        }
      }
      expect(worst).toBeLessThan(1e-5);
    },
  );

  it('gradient = finite differences of the loss', () => {
    const c = fixture.cases.find((k) => k.name === 'plain')!;
    const probs = Float64Array.from(c.probs);
    const { grad } = ctc(probs, c.steps, c.classes, c.target);
    for (const i of [0, 7, 13, 25, 40, 71]) {
      const h = 1e-6;
      const up = Float64Array.from(probs);
      const down = Float64Array.from(probs);
      up[i] = up[i]! + h;
      down[i] = down[i]! - h;
      const numeric =
        (ctc(up, c.steps, c.classes, c.target).loss -
          ctc(down, c.steps, c.classes, c.target).loss) /
        (2 * h);
      expect(grad[i]!).toBeCloseTo(numeric, 3);
    }
  });
});

describe('the module export', () => {
  it("finds each calibration file's label in data/ocr/labels.json", () => {
    const { labels } = labelsFor(resolve('data/ocr/rec/003.npy'));
    expect(labels.get(resolve('data/ocr/rec/003.npy'))).toBe('Contact section new report sale');
  });

  it('loss(outputs, sample) gives a finite loss and a gradient of the output length', () => {
    const steps = 40;
    const classes = 6625;
    const data = new Float32Array(steps * classes).fill(1 / classes);
    const out = loss(
      { y: { dims: [1, steps, classes], data } },
      { index: 3, file: resolve('data/ocr/rec/003.npy'), reference: { y: { data } } },
    );
    expect(Number.isFinite(out.loss) && out.loss > 0).toBe(true);
    expect(out.grad.y!.length).toBe(data.length);
  });

  it('fails naming the sample when it has no file', () => {
    const data = new Float32Array(6625);
    expect(() => loss({ y: { dims: [1, 1, 6625], data } }, { index: 5, reference: {} })).toThrow(
      /sample 5 has no file/,
    );
  });
});
