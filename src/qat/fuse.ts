// Compile-time fusion for the executor: the decomposed HardSwish that Paddle exports
// (Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(., 6)) becomes one zeropoint.qat
// FusedHardSwish node, one pass and one buffer instead of four each way, with the same float32
// roundings as the four ops. Only where the three intermediates have no other reader and are
// not asked for. Not a graph pass: the model is not modified, only the executor's node list.
import { attrFloat, makeNode } from '../onnx/index.js';
import type { DiffOp, OpContext } from './diff-op.js';
import { allocFloat, floatInput, isInt, tensor, type GraphNode, type Value } from './tensor.js';

/** Reads of each value among `nodes`, plus one for each name in `pinned`. */
function readers(nodes: readonly GraphNode[], pinned: Iterable<string>): Map<string, number> {
  const count = new Map<string, number>();
  for (const node of nodes)
    for (const name of node.input) count.set(name, (count.get(name) ?? 0) + 1);
  for (const name of pinned) count.set(name, (count.get(name) ?? 0) + 2);
  return count;
}

/**
 * `nodes` with each decomposed HardSwish replaced by one FusedHardSwish node. `constant` gives
 * a constant input's value (undefined when not constant); `pinned` names values that must stay.
 */
export function fuseHardSwish(
  nodes: readonly GraphNode[],
  constant: (name: string) => Value | undefined,
  pinned: Iterable<string>,
  context: OpContext,
): GraphNode[] {
  const count = readers(nodes, pinned);
  const producer = new Map<string, GraphNode>();
  for (const node of nodes) for (const name of node.output) producer.set(name, node);
  const scalar = (name: string | undefined): number | undefined => {
    const v = name === undefined || name === '' ? undefined : constant(name);
    if (v === undefined) return undefined;
    const data = isInt(v) ? v.ints : v.data;
    return data.length === 1 ? data[0] : undefined;
  };
  const only = (name: string | undefined): boolean => name !== undefined && count.get(name) === 1;
  const removed = new Set<GraphNode>();
  const replacement = new Map<GraphNode, GraphNode>();
  for (const div of nodes) {
    if (div.opType !== 'Div' || div.domain !== '' || scalar(div.input[1]) !== 6) continue;
    const mul = producer.get(div.input[0] ?? '');
    if (mul?.opType !== 'Mul' || !only(mul.output[0])) continue;
    for (const [clipAt, xAt] of [
      [1, 0],
      [0, 1],
    ] as const) {
      const clip = producer.get(mul.input[clipAt] ?? '');
      const x = mul.input[xAt];
      if (clip?.opType !== 'Clip' || !only(clip.output[0]) || x === undefined) continue;
      const [lo, hi] =
        context.opset < 11
          ? [attrFloat(clip, 'min', -Infinity), attrFloat(clip, 'max', Infinity)]
          : [scalar(clip.input[1]), scalar(clip.input[2])];
      const add = producer.get(clip.input[0] ?? '');
      if (lo !== 0 || hi !== 6 || add?.opType !== 'Add' || !only(add.output[0])) continue;
      const three =
        add.input[0] === x ? add.input[1] : add.input[1] === x ? add.input[0] : undefined;
      if (scalar(three) !== 3) continue;
      for (const node of [add, clip, mul]) removed.add(node);
      replacement.set(
        div,
        makeNode({
          opType: 'FusedHardSwish',
          domain: 'zeropoint.qat',
          name: `${div.name}_fused_hardswish`,
          inputs: [x],
          outputs: [div.output[0] ?? ''],
        }),
      );
      break;
    }
  }
  return nodes.filter((n) => !removed.has(n)).map((n) => replacement.get(n) ?? n);
}

/** x clip(x + 3, 0, 6) / 6 with each step rounded to float32, as the four unfused ops store it. */
export const fusedHardSwishOp: DiffOp = {
  forward(inputs, node) {
    const x = floatInput(inputs, 0, node);
    const xd = x.data;
    const y = allocFloat(xd.length);
    const f = Math.fround;
    for (let i = 0; i < xd.length; i++) {
      const v = xd[i] as number;
      const c = Math.min(6, Math.max(0, f(v + 3)));
      y[i] = f(v * c) / 6;
    }
    return { outputs: [tensor(x.shape, y)], saved: x };
  },
  backward(gradOutputs, saved, _node, needs) {
    const g = gradOutputs[0];
    if (g === undefined || needs[0] !== true) return [undefined];
    const x = saved as { shape: readonly number[]; data: Float32Array };
    const dx = allocFloat(x.data.length);
    const f = Math.fround;
    for (let i = 0; i < dx.length; i++) {
      const v = x.data[i] as number;
      const s = f(v + 3);
      const gd = f((g.data[i] as number) / 6);
      // Mul's two gradients, the one through Clip masked to [0, 6] as Clip's backward does.
      dx[i] = f(gd * Math.min(6, Math.max(0, s))) + (s >= 0 && s <= 6 ? f(gd * v) : 0);
    }
    return [tensor(x.shape, dx)];
  },
};
