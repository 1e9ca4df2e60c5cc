// In-graph reductions for range-only methods: the statistics equal those of fetching the
// tensors, also when a batch's sum overflows (the batch is fetched again in full), and a NaN
// fails with the error fetching gives.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { readModel } from '../onnx/model.js';
import { GraphBuilder } from '../../test/helpers/graph-builder.js';
import { calibrate } from './calibrate.js';
import { exposeTensors } from './expose-tensors.js';

function model(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', ['N', 3]);
  const s = g.op('Sigmoid', [x]); // sigmoid_0
  g.op('Shape', [s]); // shape_1: int64 (undeclared), fetched, then noted
  g.output(g.op('Mul', [x, s]), 'float32'); // mul_2
  g.output(g.op('Div', [x, x]), 'float32'); // div_3: NaN where x is 0
  return g.bytes();
}

const feeds = (...rows: number[][]) =>
  rows.map((r) => ({ x: { type: 'float32' as const, dims: [1, 3], data: Float32Array.from(r) } }));

describe('calibrate with in-graph reductions', () => {
  it('reduces float32 tensors to four scalar outputs and fetches the rest', () => {
    const exposed = exposeTensors(model(), ['sigmoid_0', 'shape_1', 'mul_2'], { reduce: true });
    expect(exposed.reduced.map((r) => r.tensor)).toEqual(['sigmoid_0', 'mul_2']);
    expect(exposed.fetch).toEqual(['shape_1']);
    const outputs = readModel(exposed.bytes).graph!.output.map((o) => o.name);
    expect(outputs).toContain('sigmoid_0/min');
    expect(outputs).not.toContain('sigmoid_0');
  });

  for (const method of ['minmax', 'ema'] as const) {
    it(`gives the statistics of fetching, also past a sum that overflows (${method})`, async () => {
      const data = feeds([1, -2, 0.5], [3e38, 3e38, -0], [-7, 1e-45, 2]);
      const names = ['x', 'sigmoid_0', 'shape_1', 'mul_2'];
      const run = (fetch: 'all' | 'shared') => calibrate(model(), names, data, { method, fetch });
      const [fetched, reduced] = await Promise.all([run('all'), run('shared')]);
      expect(JSON.stringify(reduced)).toEqual(JSON.stringify(fetched));
      expect(reduced.notes).toEqual([{ tensor: 'shape_1', reason: 'int64, not float32' }]);
    });
  }

  it('a NaN fails as when fetching: bad-calibration-data naming the tensor and batch', async () => {
    const data = feeds([1, 2, 3], [1, 0, 3]);
    const messages = await Promise.all(
      (['all', 'shared'] as const).map((fetch) =>
        calibrate(model(), ['mul_2', 'div_3'], data, { method: 'minmax', fetch }).then(
          () => 'resolved',
          (error: unknown) => {
            expect(isZeropointError(error, 'bad-calibration-data')).toBe(true);
            return (error as Error).message;
          },
        ),
      ),
    );
    expect(messages[1]).toBe(messages[0]);
    expect(messages[0]).toMatch(/'div_3' holds 1 NaN .* batch 1/);
  });
});
