// The adapter's profiling: a profiled session returns onnxruntime's per-node events and the
// optimised model, and leaves no file behind. Models built in code.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/errors.js';
import { createSession } from './onnxruntime.js';
import { profileFolder } from './profile-events.js';

function model(): Uint8Array {
  const b = new GraphBuilder();
  const w = b.initializer('w', 'float32', [8, 8], new Float32Array(64).fill(0.5));
  b.output(b.op('Relu', [b.op('MatMul', [b.input('x', 'float32', [4, 8]), w])]));
  return b.bytes();
}

const feeds = { x: { type: 'float32' as const, dims: [4, 8], data: new Float32Array(32) } };

describe('a profiled session', () => {
  it('returns one event per node per run, named as in its optimised model', async () => {
    const session = await createSession(model(), { profile: true });
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const profile = session.endProfiling!();
    await session.release();
    const nodes = profile.events.filter((e) => e.category === 'Node');
    const runs = profile.events.filter((e) => e.name === 'model_run');
    expect(runs).toHaveLength(3);
    expect(nodes.length % 3).toBe(0);
    expect(nodes.every((e) => e.op !== '' && e.duration >= 0)).toBe(true);
    expect(nodes.map((e) => e.name)).toContain('MatMul_0');
    expect(profile.optimizedModel.length).toBeGreaterThan(0);
  });

  it('removes its folder once read, and ending an unprofiled session is a coded error', async () => {
    const folder = profileFolder();
    expect(existsSync(dirname(folder.prefix))).toBe(true);
    expect(() => folder.read()).toThrow(/wrote no profile/);
    expect(existsSync(dirname(folder.prefix))).toBe(false);
    const plain = await createSession(model());
    let error: unknown;
    try {
      plain.endProfiling!();
    } catch (e) {
      error = e;
    }
    await plain.release();
    expect(isZeropointError(error, 'bad-argument')).toBe(true);
  });
});
