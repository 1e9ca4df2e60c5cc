// `npm run bench -- recognizer-files --files=A.onnx,B.onnx,...`: the PP-OCRv4 recognizer's character
// accuracy for given model files on the accuracy bench's 400 look-alike lines and on 400 lines
// from other sources (gettext catalogs, other fonts), as % of the first file's (fp32). For
// comparing builds written by `zeropoint quantize`; asserts nothing.
import { readFileSync } from 'node:fs';
import { printTable, textFlag } from './harness.js';
import { recBench } from './ocr/index.js';
import { evaluateOtherSources } from './ocr/other-sources.js';
import { ortRunner } from './ocr/ort.js';

export async function run(): Promise<void> {
  const files = textFlag('files', recBench.modelPath).split(',');
  const rows: string[][] = [];
  let base: [number, number] | undefined;
  for (const file of files) {
    const run = await ortRunner(new Uint8Array(readFileSync(file)));
    const alike = (await recBench.evaluate(run, 400)).value;
    const other = (await evaluateOtherSources(run, 400)).value;
    base ??= [alike, other];
    rows.push([
      file,
      alike.toFixed(4),
      `${((alike / base[0]) * 100).toFixed(2)}%`,
      other.toFixed(4),
      `${((other / base[1]) * 100).toFixed(2)}%`,
    ]);
  }
  printTable(['model', 'look-alike', '% of first', 'other sources', '% of first'], rows);
}
