// The onnxruntime adapter's failures: what onnxruntime refuses at run time comes back as a
// coded ZeropointError, like what it refuses at load time. Models built in code.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/errors.js';
import { createSession } from './onnxruntime.js';

async function runError(bytes: Uint8Array, dims: number[]): Promise<unknown> {
  const session = await createSession(bytes);
  try {
    await session.run({
      x: {
        type: 'float32',
        dims,
        data: new Float32Array(
          Math.max(
            1,
            dims.reduce((a, b) => a * b, 1),
          ),
        ),
      },
    });
  } catch (error) {
    return error;
  } finally {
    await session.release();
  }
  throw new Error('expected a failure');
}

describe('a session run', () => {
  // Defects the fuzzer (test/fuzz/) found: both escaped as plain errors with a stack trace.
  it("fails with bad-model on a model with no outputs (was onnxruntime's TypeError 'fetches cannot be an empty array')", async () => {
    const b = new GraphBuilder();
    b.op('Relu', [b.input('x', 'float32', [1, 4])]);
    const error = await runError(b.bytes(), [1, 4]);
    expect(isZeropointError(error, 'bad-model')).toBe(true);
    expect((error as Error).message).toMatch(/no outputs/);
  });

  it('fails with bad-model when onnxruntime fails computing a node (was an uncaught Error)', async () => {
    const b = new GraphBuilder();
    const w = b.initializer('w', 'float32', [4, 2], new Float32Array(8));
    b.output(b.op('MatMul', [b.input('x', 'float32'), w]));
    const error = await runError(b.bytes(), []);
    expect(isZeropointError(error, 'bad-model')).toBe(true);
    expect((error as Error).message).toMatch(/onnxruntime cannot run the model: .*MatMul/);
  });
});
