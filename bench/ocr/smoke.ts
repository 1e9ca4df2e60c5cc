// fp32 figures of the three PP-OCR models on held-out rendered data, proving that the data and
// the metrics are realistic before any quantized model is compared against them:
//   npx tsx bench/ocr/smoke.ts [LINES=200] [PAGES=16]
// Not a test (test/ocr-eval.test.ts asserts on a smaller set); it prints and asserts nothing.
import { fileURLToPath } from 'node:url';
import { EVALUATION_SEED, ocrBenches, type OcrMetric } from './index.js';
import { ortRunner } from './ort.js';

const fmt = (m: OcrMetric): string =>
  Object.entries(m.details)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ');

/** Evaluates every fp32 model on `lines` lines (rec, cls) and `pages` pages (det) and prints the scores. */
export async function run(lines = 200, pages = 16): Promise<void> {
  for (const bench of ocrBenches.values()) {
    const count = bench.name === 'ppocr-det' ? pages : lines;
    const started = performance.now();
    const metric = await bench.evaluate(await ortRunner(bench.modelPath), count, EVALUATION_SEED);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${bench.name}: ${metric.metric} ${metric.value.toFixed(4)} on ${count} ` +
        `(${fmt(metric)}) in ${seconds} s`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [lines, pages] = process.argv.slice(2).map(Number);
  await run(lines ?? 200, pages ?? 16);
}
