// quantizeQat with a loss function (the library side of `--loss module.js`): the function sees
// each sample's calibration index, inputs and fp32 outputs; its held-out loss decides; a wrong
// gradient or a NaN loss fails with a code naming the output. Lean: a few steps on the conv chain.
import { describe, expect, it } from 'vitest';
import { isZeropointError, quantizeQat, type LossFunction } from '../src/index.js';
import { convChain, convInputs } from './helpers/conv-chain.js';

const feeds = convInputs(8, 3);

/** Squared error against a label 0.2 above fp32's output: something distillation would not learn. */
const labelled: LossFunction = (outputs, sample) => {
  const name = Object.keys(outputs)[0]!;
  const y = outputs[name]!.data;
  const t = sample.reference[name]!.data as Float32Array;
  const grad = new Float32Array(y.length);
  let loss = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i]! - (t[i]! + 0.2);
    loss += d * d;
    grad[i] = 2 * d;
  }
  return { loss, grad: { [name]: grad } };
};

describe('quantizeQat with a loss function', () => {
  it('passes calibration indices and inputs, and keeps QAT when the held-out loss falls', async () => {
    const seen = new Set<number>();
    const loss: LossFunction = (outputs, sample) => {
      expect(sample.inputs.x!.data).toEqual(feeds[sample.index]!.x!.data);
      expect(Object.values(outputs)[0]!.dims).toEqual([1, 4, 1, 1]);
      seen.add(sample.index);
      return labelled(outputs, sample);
    };
    const { report } = await quantizeQat(convChain(), feeds, {
      loss,
      steps: 6,
      lr: 3e-3,
      batchSize: 3,
      holdout: 2,
      evalEvery: 2,
    });
    const q = report.qat;
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(q.settings.loss).toBe('module');
    expect(q.decidedBy).toBe('loss');
    expect(q.kept).toBe('qat');
    expect(q.lossAfter!).toBeLessThan(q.lossBefore);
  });

  it.each([
    [
      'a short gradient',
      (o: object) => ({ loss: 1, grad: { [Object.keys(o)[0]!]: new Float32Array(3) } }),
      /length 3 for output '.+' of 4 values/,
    ],
    ['a NaN loss', () => ({ loss: NaN, grad: {} }), /loss NaN/],
    [
      'an unknown output',
      () => ({ loss: 1, grad: { z: new Float32Array(4) } }),
      /'z', not a model output/,
    ],
  ] as const)('fails bad-argument on %s', async (_, answer, message) => {
    const error: unknown = await quantizeQat(convChain(), feeds, {
      loss: answer as unknown as LossFunction,
      lossName: 'loss module bad.js',
      steps: 1,
      holdout: 2,
    }).catch((e: unknown) => e);
    expect(isZeropointError(error, 'bad-argument')).toBe(true);
    expect((error as Error).message).toMatch(/loss module bad\.js/);
    expect((error as Error).message).toMatch(message);
  });
});
