// Exposing intermediate tensors: a copy of the model gains outputs (typed float32 where the
// model declares the type, untyped where it does not), while constants, non-float tensors,
// graph inputs and existing outputs are handled without new outputs.
import { describe, expect, it } from 'vitest';
import { isZeropointError } from '../core/index.js';
import { readModel, writeModel } from '../onnx/model.js';
import { GraphBuilder, valueInfo } from '../../test/helpers/graph-builder.js';
import { exposeTensors } from './expose-tensors.js';

function model(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', ['N', 2]);
  const w = g.initializer('w', 'float32', [2], [1, 2]);
  const m = g.op('Mul', [x, w]); // mul_0
  const r = g.op('Relu', [m]); // relu_1
  const shape = g.op('Shape', [r]); // shape_2
  const cast = g.op('Cast', [shape]); // cast_3 (int64 declared below)
  g.output(g.op('Sigmoid', [r]), 'float32', ['N', 2]); // sigmoid_4
  const proto = g.model();
  proto.graph!.valueInfo.push(valueInfo(m, 'float32', ['N', 2]), valueInfo(cast, 'int64', [2]));
  return writeModel(proto);
}

describe('exposeTensors', () => {
  const bytes = model();

  it('adds each requested intermediate as an output of a copy, once', () => {
    const exposed = exposeTensors(bytes, ['mul_0', 'relu_1', 'relu_1', 'sigmoid_4']);
    expect(exposed.fetch).toEqual(['mul_0', 'relu_1', 'sigmoid_4']);
    const outputs = readModel(exposed.bytes).graph!.output;
    expect(outputs.map((o) => o.name)).toEqual(['sigmoid_4', 'mul_0', 'relu_1']);
    expect(readModel(bytes).graph!.output).toHaveLength(1);
  });

  it('declares float32 where the model declares the type, and nothing where it does not', () => {
    const outputs = readModel(exposeTensors(bytes, ['mul_0', 'relu_1']).bytes).graph!.output;
    const typeOf = (name: string) => outputs.find((o) => o.name === name)!.type?.value;
    expect(typeOf('mul_0')).toMatchObject({ case: 'tensorType', value: { elemType: 1 } });
    expect(typeOf('relu_1')).toBeUndefined();
  });

  it('notes constants and declared non-float tensors instead of exposing them', () => {
    const exposed = exposeTensors(bytes, ['w', 'cast_3']);
    expect(exposed.fetch).toEqual([]);
    expect(exposed.notes).toEqual([
      { tensor: 'w', reason: 'a constant, quantized from its values' },
      { tensor: 'cast_3', reason: 'int64, not float32' },
    ]);
  });

  it('reads graph inputs from the feeds and lists the inputs to feed', () => {
    const exposed = exposeTensors(bytes, ['x']);
    expect(exposed.fromFeeds).toEqual(['x']);
    expect(exposed.fetch).toEqual([]);
    expect(exposed.inputs).toEqual([
      { name: 'x', dtype: 'float32', dims: [undefined, 2], dimNames: ['N', '2'] },
    ]);
  });

  it('a name the graph does not define fails with bad-argument naming it', () => {
    try {
      exposeTensors(bytes, ['missing']);
      expect.unreachable();
    } catch (error) {
      expect(isZeropointError(error, 'bad-argument')).toBe(true);
      expect((error as Error).message).toMatch(/'missing'/);
    }
  });
});
