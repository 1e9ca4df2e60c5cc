// The committed transformers (data/transformers/, from scripts/train-transformers.py) load in
// onnxruntime-node through the runtime adapter, and the bench's TypeScript scorer reproduces
// the fp32 held-out metric PyTorch recorded in each metrics.json: the export and the scorer
// agree. Not quantization (npm run bench -- transformers measures that).
import { describe, expect, it } from 'vitest';
import { createSession } from '../src/runtime/onnxruntime.js';
import {
  calibrationFeeds,
  modelBytes,
  recordedMetric,
  TRANSFORMERS,
} from '../bench/transformers/models.js';

describe.each(TRANSFORMERS.map((m) => [m.name, m] as const))('transformer %s', (_name, m) => {
  it('scores its held-out set in TypeScript as PyTorch did (within one sample)', async () => {
    const session = await createSession(modelBytes(m), { threads: 1 });
    const metric = await m.evaluate(session);
    await session.release();
    const recorded = recordedMetric(m);
    expect(m.count()).toBe(recorded.count);
    // onnxruntime's float sums differ from torch's in the last bits: a near-tie may flip.
    expect(Math.abs(metric - recorded.fp32)).toBeLessThanOrEqual(1.5 / recorded.count);
  });

  it('has calibration samples with every input the model declares', async () => {
    const session = await createSession(modelBytes(m), { threads: 1 });
    const samples = calibrationFeeds(m);
    expect(samples.length).toBeGreaterThanOrEqual(16);
    for (const s of samples) expect(Object.keys(s).sort()).toEqual([...session.inputNames].sort());
    const out = await session.run(samples[0]!);
    expect(out['logits']!.dims[0]).toBe(1);
    await session.release();
  });

  it.runIf(m.name !== 'vit')(
    'runs token inputs of another length (dynamic sequence axis)',
    async () => {
      const session = await createSession(modelBytes(m), { threads: 1 });
      const sample = calibrationFeeds(m)[0]!;
      const short = Object.fromEntries(
        Object.entries(sample).map(([name, t]) => {
          const data = (t.data as BigInt64Array).slice(0, 20);
          return [name, { type: 'int64' as const, dims: [1, 20], data }];
        }),
      );
      const out = (await session.run(short))['logits']!;
      expect(out.dims[0]).toBe(1);
      if (m.name === 'gpt') expect(out.dims[1]).toBe(20);
      expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
      await session.release();
    },
  );
});
