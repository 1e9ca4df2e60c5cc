// compareOutputs on two tiny models in onnxruntime: the figures of identical models, and a
// candidate whose output holds a different number of values refused, naming the output.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { isZeropointError } from '../core/index.js';
import { attr } from '../onnx/graph-node.js';
import type { Feeds } from './batches.js';
import { compareOutputs } from './output-agreement.js';

/** x f32 [2, 3] -> Identity (or Concat(x, x) on axis 1 when `doubled`) -> y. */
function model(doubled: boolean): Uint8Array {
  const b = new GraphBuilder();
  const x = b.input('x', 'float32', [2, 3]);
  if (doubled) {
    b.node({ opType: 'Concat', inputs: [x, x], outputs: ['y'], attributes: [attr.int('axis', 1)] });
  } else {
    b.node({ opType: 'Identity', inputs: [x], outputs: ['y'] });
  }
  b.output('y', 'float32');
  return b.bytes();
}

const feeds: Feeds[] = [
  { x: { type: 'float32', dims: [2, 3], data: Float32Array.of(1, 5, 2, 7, 3, 0) } },
];

describe('compareOutputs', () => {
  it('identical models: cosine 1, infinite SQNR, no error, the same top-1 rows', async () => {
    const [a] = await compareOutputs(model(false), model(false), feeds);
    expect(a).toEqual({ output: 'y', cosine: 1, sqnrDb: Infinity, maxAbsError: 0, top1: 1 });
  });

  it('refuses a candidate output of another size, naming the output', async () => {
    const error: unknown = await compareOutputs(model(false), model(true), feeds).catch(
      (e: unknown) => e,
    );
    expect(isZeropointError(error) && error.code).toBe('bad-model');
    expect(isZeropointError(error) && error.context.tensor).toBe('y');
  });
});
