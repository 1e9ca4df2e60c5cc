// The API's own checks on a tiny three-Conv model: feeds whose type, data or shape disagree are
// refused naming the input and batch; the held-out split refuses a holdout that leaves nothing to
// calibrate on; profileModel and quantizeAdvised stop with `aborted` where the signal fires
// (during calibration, between one-layer variants, after a search trial) and report stages.
import { describe, expect, it } from 'vitest';
import { isZeropointError, type ErrorCode } from '../core/index.js';
import { convChain, convInputs } from '../../test/helpers/conv-chain.js';
import { toFeeds } from './feeds.js';
import { profileModel } from './profile-model.js';
import { quantizeAdvised } from './quantize-advised.js';
import type { ProgressStage } from './run-options.js';

const model = convChain();

/** The code and message `run` fails with (fails the test if it succeeds). */
async function failure(run: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  const error: unknown = await run.then(
    () => expect.fail('expected a ZeropointError'),
    (e: unknown) => e,
  );
  if (!isZeropointError(error)) throw error;
  return error;
}

function refusal(feeds: Record<string, unknown>): string {
  try {
    toFeeds(feeds as Parameters<typeof toFeeds>[0], 7);
  } catch (error) {
    if (isZeropointError(error, 'bad-calibration-data')) return error.message;
    throw error;
  }
  return expect.fail('expected bad-calibration-data');
}

describe('feeds the API refuses', () => {
  it('names the input and batch of a wrong element type, data class or shape', () => {
    const data = new Float32Array(6);
    expect(refusal({ x: { type: 'float64', dims: [6], data } })).toMatch(
      /input 'x' of batch 7 has element type 'float64'/,
    );
    expect(refusal({ x: { type: 'int64', dims: [6], data } })).toMatch(
      /input 'x' of batch 7: int64 data must be a BigInt64Array/,
    );
    expect(refusal({ x: { type: 'float32', dims: [2, 2], data } })).toMatch(
      /dims \[2, 2\] do not match its 6 values/,
    );
    expect(refusal({ x: data })).toMatch(/is not a tensor/);
  });

  it('takes a matching tensor as it is', () => {
    const data = new BigInt64Array(4);
    expect(toFeeds({ ids: { type: 'int64', dims: [1, 4], data } }, 0).ids!.data).toBe(data);
  });
});

describe('the held-out split', () => {
  it('refuses a holdout that leaves nothing to calibrate on, counting an array itself', async () => {
    const error = await failure(profileModel(model, convInputs(3, 1), { holdout: 3 }));
    expect(error.code).toBe('bad-argument');
    expect(error.message).toMatch(/holdout 3 leaves nothing to calibrate on: .* 3 batch/);
  });
});

describe('an AbortSignal stops the advisor', () => {
  it('profileModel: during calibration, after the batch that saw it', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await failure(
      profileModel(model, convInputs(8, 1), {
        signal: controller.signal,
        onProgress: (_stage, done) => {
          seen.push(done);
          if (done === 2) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('aborted');
    expect(seen).toEqual([1, 2]);
  });

  it('profileModel: between one-layer variants', async () => {
    const controller = new AbortController();
    const stages: [ProgressStage, number][] = [];
    const error = await failure(
      profileModel(model, convInputs(8, 1), {
        signal: controller.signal,
        onProgress: (stage, done) => {
          stages.push([stage, done]);
          if (stage === 'sensitivity') controller.abort();
        },
      }),
    );
    expect(error.code).toBe('aborted');
    // Six calibration batches (two of eight held out), then the first layer measured.
    expect(stages.filter(([s]) => s === 'calibrating').map(([, n]) => n)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(stages.filter(([s]) => s === 'sensitivity')).toEqual([['sensitivity', 1]]);
  });

  it('quantizeAdvised: after a search trial, which onProgress reports as stage search', async () => {
    const controller = new AbortController();
    const trials: number[] = [];
    const error = await failure(
      quantizeAdvised(model, convInputs(8, 1), {
        target: { value: 1000, relative: false },
        signal: controller.signal,
        onProgress: (stage, done) => {
          if (stage !== 'search') return;
          trials.push(done);
          if (done === 2) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('aborted');
    expect(trials).toEqual([1, 2]);
  });
});
