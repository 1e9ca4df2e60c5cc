// The OCR accuracy benchmark's data and metrics: rendering is deterministic, the scorers
// follow PaddleOCR's decoding, the committed calibration set is well-formed, and the real fp32
// PP-OCR models score high on small held-out rendered sets (so the data is realistic).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNpy } from '../src/cli/io/npy.js';
import {
  clsBench,
  detBench,
  recBench,
  renderLines,
  renderPages,
  CALIBRATION_SEED,
  EVALUATION_SEED,
} from '../bench/ocr/index.js';
import { ortRunner } from '../bench/ocr/ort.js';
import { ctcDecode, editDistance, recClasses, recInput, scoreRec } from '../bench/ocr/rec.js';
import { scoreDet } from '../bench/ocr/det.js';

describe('rendering', () => {
  it('the same seed renders the same pixels and text; another seed renders others', () => {
    const [a] = renderLines(1, 5);
    const [b] = renderLines(1, 5);
    const [c] = renderLines(1, 6);
    expect(b!.text).toBe(a!.text);
    expect(Buffer.from(b!.image.data).equals(Buffer.from(a!.image.data))).toBe(true);
    expect(c!.text === a!.text && c!.image.width === a!.image.width).toBe(false);
  });

  it('every rendered character is in the recognizer dictionary', () => {
    const known = new Set(recClasses());
    const unknown = renderLines(300, 11).flatMap((l) => [...l.text].filter((c) => !known.has(c)));
    expect(unknown).toEqual([]);
  });

  it('pages carry boxes inside the page around their text', () => {
    const [page] = renderPages(1, 5, 320);
    expect(page!.boxes.length).toBeGreaterThan(2);
    for (const b of page!.boxes) {
      expect(b.x0 >= 0 && b.y0 >= 0 && b.x1 <= 320 && b.y1 <= 320).toBe(true);
      expect(b.x1 - b.x0).toBeGreaterThan(b.text.length > 1 ? 8 : 0);
    }
  });
});

describe('scoring', () => {
  it('CTC greedy decoding merges repeats and drops blanks: [a a _ a b] -> "aab"', () => {
    const classes = ['', 'a', 'b'];
    const steps = [1, 1, 0, 1, 2];
    const probs = new Float32Array(steps.flatMap((k) => classes.map((_, j) => (j === k ? 1 : 0))));
    expect(ctcDecode(probs, [1, steps.length, 3], classes)[0]!.text).toBe('aab');
  });

  it('edit distance counts code points; character accuracy ignores spaces', () => {
    expect(editDistance('电话号码', '电话码')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(scoreRec(['ab c', 'xy'], ['abc', 'xz'])).toEqual({
      charAccuracy: 0.75,
      lineAccuracy: 0.5,
      count: 2,
    });
  });

  it('detection F1 is the harmonic mean of summed precision and recall', () => {
    const page = {
      truePixels: 6,
      falsePixels: 2,
      missedPixels: 4,
      matchedBoxes: 1,
      predictedBoxes: 2,
      truthBoxes: 1,
    };
    const s = scoreDet([page]);
    expect(s.pixelPrecision).toBe(0.75);
    expect(s.pixelRecall).toBe(0.6);
    expect(s.boxF1).toBeCloseTo(2 / 3, 12);
  });
});

describe('committed calibration set (data/ocr)', () => {
  const labels = JSON.parse(readFileSync('data/ocr/labels.json', 'utf8')) as {
    seed: number;
    rec: { file: string; text: string }[];
    cls: { file: string }[];
    det: { file: string }[];
  };

  it('holds model-ready float32 tensors of the calibration seed', () => {
    expect(labels.seed).toBe(CALIBRATION_SEED);
    const shape = (f: string): number[] => parseNpy(readFileSync(`data/ocr/${f}`), f).shape;
    for (const r of labels.rec) expect(shape(r.file).slice(0, 3)).toEqual([1, 3, 48]);
    for (const c of labels.cls) expect(shape(c.file)).toEqual([1, 3, 48, 192]);
    for (const d of labels.det) expect(shape(d.file)).toEqual([1, 3, 320, 320]);
  });

  it('the fp32 recognizer reads most committed lines exactly', async () => {
    const run = await ortRunner(recBench.modelPath);
    let exact = 0;
    for (const r of labels.rec) {
      const x = parseNpy(readFileSync(`data/ocr/${r.file}`), r.file);
      const [out] = await run([{ name: 'x', data: x.data, dims: x.shape }]);
      const [pred] = ctcDecode(out!.data, out!.dims, recClasses());
      if (pred!.text.replace(/ /g, '') === r.text.replace(/ /g, '')) exact++;
    }
    expect(exact / labels.rec.length).toBeGreaterThanOrEqual(0.8);
  });
});

describe('fp32 PP-OCR models on held-out rendered data', () => {
  it('calibration inputs have the models input shapes', () => {
    expect(recBench.calibrationInputs(2)[1]![0]!.dims.slice(0, 3)).toEqual([1, 3, 48]);
    expect(clsBench.calibrationInputs(1)[0]![0]!.dims).toEqual([1, 3, 48, 192]);
    expect(recInput(renderLines(2, 9).map((l) => l.image)).dims[0]).toBe(2);
  });

  it('recognizer: 6625 classes, character accuracy > 0.95 on 60 lines', async () => {
    const m = await recBench.evaluate(await ortRunner(recBench.modelPath), 60, EVALUATION_SEED);
    expect(recClasses()).toHaveLength(6625);
    expect(m.value).toBeGreaterThan(0.95);
  });

  it('classifier: accuracy > 0.9 on 60 lines, upright and upside down', async () => {
    const m = await clsBench.evaluate(await ortRunner(clsBench.modelPath), 60, EVALUATION_SEED);
    expect(m.value).toBeGreaterThan(0.9);
  });

  it('detector: pixel F1 > 0.8 and box F1 > 0.9 on 2 pages', async () => {
    const m = await detBench.evaluate(await ortRunner(detBench.modelPath), 2, EVALUATION_SEED);
    expect(m.value).toBeGreaterThan(0.8);
    expect(m.details.boxF1).toBeGreaterThan(0.9);
  });

  it('evaluation refuses the calibration seed', async () => {
    const run = (): Promise<never> => Promise.reject(new Error('not reached'));
    await expect(recBench.evaluate(run, 1, CALIBRATION_SEED)).rejects.toThrow(/calibration seed/);
  });
});
