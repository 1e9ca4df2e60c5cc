// The channel-padding rewrite in onnxruntime-node: the padded fp32 model computes what the
// original does (the new channels carry zero weights into every conv that reads them, or are
// sliced away), both when the padding folds away and when a Slice takes it back.
import { describe, expect, it } from 'vitest';
import { buildGraph, verifyGraph, writeModel } from '../src/onnx/index.js';
import { padDepthwiseChannels } from '../src/passes/pad-depthwise.js';
import { createSession } from '../src/runtime/onnxruntime.js';
import { depthwiseBlock } from './helpers/depthwise-block.js';

const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i * 0.77) * 2);

async function outputs(bytes: Uint8Array): Promise<Float32Array[]> {
  const session = await createSession(bytes, { threads: 1 });
  const out = await session.run({ x: { type: 'float32', dims: [1, 4, 8, 8], data: x } });
  await session.release();
  return session.outputNames.map((name) => out[name]!.data as Float32Array);
}

describe('padDepthwiseChannels in onnxruntime', () => {
  for (const tail of ['none', 'transpose'] as const) {
    it(`the padded model's outputs equal the original's (${tail === 'none' ? 'folded' : 'sliced'})`, async () => {
      const model = depthwiseBlock(tail);
      const want = await outputs(writeModel(model));
      const graph = buildGraph(model);
      expect(padDepthwiseChannels(graph)[0]).toMatchObject({ padded: 32 });
      verifyGraph(graph);
      const got = await outputs(writeModel(model));
      expect(got.map((o) => o.length)).toEqual(want.map((o) => o.length));
      // Equal up to the order onnxruntime sums the real channels in (1 ulp measured).
      got.forEach((o, k) =>
        o.forEach((v, i) =>
          expect(Math.abs(v - want[k]![i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v))),
        ),
      );
      expect(want[0]!.some((v) => v !== 0)).toBe(true);
    });
  }
});
