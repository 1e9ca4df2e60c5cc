// Attribution of onnxruntime's per-node times to the loaded model's nodes: fused names resolve
// to their source node, boundaries go to the node that causes them. Graphs written as data.
import { describe, expect, it } from 'vitest';
import { attributeTimes, type GraphNode } from './node-attribution.js';
import { compareNodeTimes } from './node-compare.js';
import type { ModelNodeTiming } from './node-timing.js';

const node = (name: string, opType: string, input: string[], output: string[]): GraphNode => ({
  name,
  opType,
  input,
  output,
});

// x -> Q -> DQ -> conv -> Q -> DQ -> div (float) -> Q -> DQ -> pool -> Q -> DQ -> y
const loaded = [
  node('', 'QuantizeLinear', ['x', 's', 'z'], ['q0']),
  node('', 'DequantizeLinear', ['q0', 's', 'z'], ['x_dq']),
  node('conv', 'Conv', ['x_dq', 'w_dq'], ['c']),
  node('', 'QuantizeLinear', ['c', 's', 'z'], ['q1']),
  node('', 'DequantizeLinear', ['q1', 's', 'z'], ['c_dq']),
  node('div', 'Div', ['c_dq', 'six'], ['d']),
  node('', 'QuantizeLinear', ['d', 's', 'z'], ['q2']),
  node('', 'DequantizeLinear', ['q2', 's', 'z'], ['d_dq']),
  node('pool', 'MaxPool', ['d_dq'], ['p']),
  node('', 'QuantizeLinear', ['p', 's', 'z'], ['q3']),
  node('', 'DequantizeLinear', ['q3', 's', 'z'], ['y']),
];

// What ORT runs: the input's Q, a layout Transpose, the fused conv, the DQ and Q around the
// float Div, an integer MaxPool, and the last DQ.
const optimized = [
  node('QuantizeLinear_0', 'QuantizeLinear', ['x', 's', 'z'], ['q0']),
  node('Transpose', 'Transpose', ['q0'], ['t0']),
  node('conv_token_7', 'QLinearConv', ['t0', 's', 'z', 'w', 's', 'z', 's', 'z'], ['c']),
  node('DequantizeLinear_4', 'DequantizeLinear', ['c', 's', 'z'], ['c_dq']),
  node('div', 'Div', ['c_dq', 'six'], ['d']),
  node('QuantizeLinear_6', 'QuantizeLinear', ['d', 's', 'z'], ['q2']),
  node('pool', 'MaxPool', ['q2'], ['p_q']),
  node('DequantizeLinear_9', 'DequantizeLinear', ['p_q', 's', 'z'], ['y']),
];

describe('attributeTimes', () => {
  const times = new Map([
    ['QuantizeLinear_0', 1],
    ['Transpose', 2],
    ['conv_token_7', 10],
    ['DequantizeLinear_4', 3],
    ['div', 4],
    ['QuantizeLinear_6', 5],
    ['pool', 6],
    ['DequantizeLinear_9', 7],
  ]);
  const byNode = new Map(attributeTimes(loaded, optimized, times).map((t) => [t.node, t]));

  it('a fused kernel counts for the node it was named after, with the Q and Transpose feeding it', () => {
    expect(byNode.get('conv')).toMatchObject({ op: 'Conv', kernelMs: 10 });
    // The conv's boundaries: the input Q and Transpose in front of it, the DQ after it.
    expect(byNode.get('conv')!.boundaryMs).toBe(1 + 2 + 3);
  });

  it('a Q before an integer op is charged to that op, a DQ after it to it as well', () => {
    expect(byNode.get('pool')).toMatchObject({ kernelMs: 6, boundaryMs: 5 + 7 });
    expect(byNode.get('div')).toMatchObject({ kernelMs: 4, boundaryMs: 0 });
  });

  it('every millisecond lands somewhere: the attributed total equals the profiled total', () => {
    const total = [...byNode.values()].reduce((s, t) => s + t.kernelMs + t.boundaryMs, 0);
    expect(total).toBe([...times.values()].reduce((a, b) => a + b, 0));
  });
});

describe('attributeTimes on a fused NCHWc chain', () => {
  it('a kernel named after the tensor a fused chain writes counts for the chain head', () => {
    const fp32 = [
      node('conv', 'Conv', ['x', 'w'], ['bn_out']),
      node('lrelu', 'LeakyRelu', ['bn_out'], ['lrelu:0']),
      node('max', 'Max', ['lrelu:0', 'zero'], ['y']),
    ];
    const runs = [
      node('ReorderInput', 'ReorderInput', ['x'], ['r0']),
      node('lrelu:0_nchwc', 'Conv', ['r0', 'w'], ['r1']),
      node('ReorderOutput_token_3', 'ReorderOutput', ['r1'], ['lrelu:0']),
      node('max', 'Max', ['lrelu:0', 'zero'], ['y']),
    ];
    const times = new Map([
      ['ReorderInput', 1],
      ['lrelu:0_nchwc', 8],
      ['ReorderOutput_token_3', 2],
      ['max', 1],
    ]);
    const byNode = new Map(attributeTimes(fp32, runs, times).map((t) => [t.node, t]));
    expect(byNode.get('conv')).toMatchObject({ kernelMs: 8, boundaryMs: 3 });
    expect(byNode.has('lrelu')).toBe(false);
  });
});

describe('compareNodeTimes', () => {
  const timing = (
    graph: GraphNode[],
    nodes: [string, string, number][],
    wholeMs: number,
  ): ModelNodeTiming => ({
    seconds: [wholeMs / 1e3, wholeMs / 1e3, wholeMs / 1e3],
    wallSeconds: [wholeMs / 1e3, wholeMs / 1e3, wholeMs / 1e3],
    medianMs: wholeMs,
    profiledMs: wholeMs,
    overheadUs: 0,
    graph,
    nodes: nodes.map(([n, op, ms]) => ({ node: n, op, kernelMs: ms, boundaryMs: 0, kernels: [n] })),
  });
  const fp32Graph = [
    node('conv', 'Conv', ['x', 'w'], ['c0']),
    node('bn', 'BatchNormalization', ['c0'], ['c']),
    node('relu', 'Relu', ['c'], ['r']),
    node('div', 'Div', ['r', 'six'], ['d']),
    node('pool', 'MaxPool', ['d'], ['y']),
  ];
  const fp32 = timing(
    fp32Graph,
    [
      ['conv', 'Conv', 5],
      ['relu', 'Relu', 1],
      ['div', 'Div', 0.5],
      ['pool', 'MaxPool', 1],
    ],
    8,
  );
  const int8 = timing(
    loaded,
    [
      ['conv', 'Conv', 3],
      ['pool', 'MaxPool', 4],
      ['div', 'Div', 1],
    ],
    8.5,
  );
  const c = compareNodeTimes(fp32, int8);

  it('a node the other model lacks is counted with its producer (the folded Relu with the conv)', () => {
    const conv = c.rows.find((r) => r.node === 'conv')!;
    expect(conv).toMatchObject({ aMs: 6, bMs: 3, deltaMs: -3 });
    expect(conv.merged).toEqual(['conv', 'relu']);
  });

  it('rows are ordered by delta, largest first, and shares are of the whole difference', () => {
    expect(c.rows.map((r) => r.node)).toEqual(['pool', 'div', 'conv']);
    expect(c.rows[0]!.share).toBeCloseTo(3 / 0.5);
    expect(c.explainedMs).toBeCloseTo(3 + 0.5 - 3);
    expect(c.explained).toBeCloseTo(1);
    expect(c.ratio).toBeCloseTo(8.5 / 8);
  });
});
