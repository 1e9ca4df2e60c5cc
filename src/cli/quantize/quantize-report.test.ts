// The quantize report counts the range guard's fallbacks per method, with one note per method
// naming the worst tensor, and the printed table says so in one line (none when nothing fell
// back). The run is made up: an empty plan, as the report only counts it.
import { describe, expect, it } from 'vitest';
import type { QuantPlan } from '../../passes/index.js';
import type { RangeFallback } from '../../ptq/index.js';
import { formatQuantize } from './quantize-command.js';
import { quantizeReport } from '../../report/quantize-report.js';

const plan: QuantPlan = {
  opset: 13,
  activation: { qtype: 'uint8', scheme: 'asymmetric' },
  activationMatMul: 'float',
  groups: [],
  constants: [],
  nodes: [],
  calibrate: [],
  scaled: [],
  channelMeans: [],
};
const insert = {
  groups: [],
  pairs: 0,
  weights: 0,
  biases: 0,
  constants: 0,
  folded: 0,
  saturatedBias: 0,
  correctedBias: 0,
};

function report(fallbacks: readonly RangeFallback[]) {
  return quantizeReport({
    input: 'in.onnx',
    output: 'out.onnx',
    cache: undefined,
    method: 'entropy',
    sizeBefore: 1000,
    built: { bytes: new Uint8Array(250), plan, insert, fallbacks },
    samples: 16,
    calibrationMs: 10,
    notes: [],
  });
}

describe('quantizeReport and the range guard', () => {
  const fallbacks: RangeFallback[] = [
    { tensor: 'a', method: 'entropy', sqnrDb: 20, minmaxSqnrDb: 30 },
    { tensor: 'b', method: 'entropy', sqnrDb: 3, minmaxSqnrDb: 35 },
    { tensor: 'c', method: 'mse', sqnrDb: 10, minmaxSqnrDb: Infinity },
  ];

  it('counts fallbacks per method and lists them', () => {
    const r = report(fallbacks);
    expect(r.rangeFallbacks).toEqual({
      count: 3,
      byMethod: { entropy: 2, mse: 1 },
      tensors: fallbacks,
    });
  });

  it('writes one note per method, naming the tensor that lost the most', () => {
    const notes = report(fallbacks).notes;
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(
      /^range guard: 2 tensor\(s\) .* entropy's .*worst: b, 3\.0 dB against 35\.0 dB/,
    );
    expect(notes[1]).toMatch(/mse's .*worst: c, 10\.0 dB against exact/);
  });

  it('prints one line when tensors fell back, none otherwise', () => {
    const lines = formatQuantize(report(fallbacks)).split('\n');
    expect(lines.filter((l) => l.startsWith('range guard:'))).toEqual([
      'range guard: min/max replaced 2 entropy, 1 mse range(s) that cost over 6 dB of SQNR (--json lists them)',
    ]);
    expect(formatQuantize(report([]))).not.toContain('range guard');
  });
});
