// Every op's forward and gradients against PyTorch autograd on the committed fixtures of
// scripts/gen-qat-grad-fixtures.py (float64, small tensors); npm test needs no Python.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attr, makeNode } from '../onnx/index.js';
import type { AttributeProto } from '../onnx/gen/onnx_pb.js';
import { DIFF_OPS } from './op-registry.js';
import {
  allocFloat,
  intTensor,
  isInt,
  tensor,
  withFloat64,
  type QTensor,
  type Value,
} from './tensor.js';

interface Encoded {
  readonly shape: number[];
  readonly dtype: 'float' | 'int64' | 'bool';
  readonly data: number[];
}
type Attribute = { int: number } | { ints: number[] } | { float: number } | { string: string };
interface Case {
  readonly name: string;
  readonly op: string;
  readonly opset: number;
  readonly attributes: Record<string, Attribute>;
  readonly inputs: (Encoded | null)[];
  readonly outputs: Encoded[];
  readonly gradOutputs: Encoded[];
  readonly grads: (Encoded | null)[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/qat/grad-torch.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

function decode(e: Encoded | null): Value | undefined {
  if (e === null) return undefined;
  if (e.dtype !== 'float') return intTensor(e.shape, e.data, e.dtype);
  const data = allocFloat(e.data.length);
  data.set(e.data);
  return tensor(e.shape, data);
}

function attribute(name: string, a: Attribute): AttributeProto {
  if ('int' in a) return attr.int(name, a.int);
  if ('ints' in a) return attr.ints(name, a.ints);
  if ('float' in a) return attr.float(name, a.float);
  return attr.string(name, a.string);
}

function maxError(got: QTensor | Value | undefined, want: Encoded): number {
  if (got === undefined) return Infinity;
  expect(got.shape).toEqual(want.shape);
  const values = isInt(got) ? got.ints : got.data;
  let worst = 0;
  want.data.forEach((w, i) => {
    worst = Math.max(worst, Math.abs((values[i] as number) - w) / (1 + Math.abs(w)));
  });
  return worst;
}

let compared = 0;

describe('ops agree with PyTorch autograd (float64 fixtures)', () => {
  it.each(fixture.cases)('$name', (c) => {
    const op = DIFF_OPS.get(c.op);
    if (op === undefined) throw new Error(`no op ${c.op}`);
    const node = makeNode({
      opType: c.op,
      name: c.name,
      inputs: c.inputs.map((_, i) => `x${i}`),
      outputs: c.outputs.map((_, i) => `y${i}`),
      attributes: Object.entries(c.attributes).map(([name, a]) => attribute(name, a)),
    });
    withFloat64(() => {
      const context = { opset: c.opset };
      const inputs = c.inputs.map(decode);
      const { outputs, saved } = op.forward(inputs, node, context);
      c.outputs.forEach((want, i) => {
        expect(maxError(outputs[i], want), `output ${i}`).toBeLessThan(1e-9);
        compared += want.data.length;
      });
      const gradOutputs = c.gradOutputs.map((g) => decode(g) as QTensor);
      const needs = c.grads.map((g) => g !== null);
      const grads = op.backward(gradOutputs, saved, node, needs, context);
      c.grads.forEach((want, i) => {
        if (want === null) return;
        expect(maxError(grads[i], want), `gradient of input ${i}`).toBeLessThan(1e-9);
        compared += want.data.length;
      });
    });
  });

  it('compared every value', () => {
    expect(compared).toBeGreaterThan(1000);
    console.log(
      `qat torch checks: ${fixture.cases.length} op cases, ${compared} values vs PyTorch`,
    );
  });
});
