// Checks the observers against PyTorch's, on the fixtures scripts/gen-torch-fixtures.py wrote
// (torch's MinMax, MovingAverage, PerChannel and Histogram observers; quint8/qint8; affine and
// symmetric; reduce_range off and on). Needs no Python: it reads the committed JSON.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { QParams, QuantSpec } from '../core/index.js';
import { EmaObserver } from './ema.js';
import { HistogramObserver } from './histogram-observer.js';
import { MinMaxObserver } from './minmax.js';
import type { Observer, TensorRange } from './observer.js';

interface TorchResult {
  readonly min: number[];
  readonly max: number[];
  readonly scale: number[];
  readonly zeroPoint: number[];
}
interface TorchHistogram {
  readonly searchMin: number;
  readonly searchMax: number;
  readonly scale: number[];
  readonly zeroPoint: number[];
}
interface Config {
  readonly qtype: 'quint8' | 'qint8';
  readonly scheme: 'affine' | 'symmetric';
  readonly reduceRange: boolean;
  readonly minmax: TorchResult;
  readonly ema: TorchResult;
  readonly perChannel: Record<string, TorchResult>;
  readonly emaPerChannel: Record<string, TorchResult>;
  readonly histogram: TorchHistogram;
  readonly histogramAll: TorchHistogram;
}
interface Case {
  readonly name: string;
  readonly shape: number[];
  readonly batches: string[];
  readonly histogram: { readonly index: number[]; readonly count: number[] };
  readonly results: Config[];
}

const fixture = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/torch-observers/observers.json', import.meta.url),
    'utf8',
  ),
) as { readonly torch: string; readonly cases: Case[] };

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** zeropoint's spec for a torch config; torchCompatible gives torch's symmetric scale. */
function specOf(c: Config, torchCompatible = true): QuantSpec {
  return {
    qtype: c.qtype === 'quint8' ? 'uint8' : 'int8',
    scheme: c.scheme === 'affine' ? 'asymmetric' : 'symmetric',
    reduceRange: c.reduceRange,
    ...(torchCompatible ? { torchCompatible } : {}),
  };
}

function feed(observer: Observer, batches: Float32Array[], shape: number[]): Observer {
  for (const b of batches) observer.observe(b, shape);
  return observer;
}

function expectParams(p: QParams, t: { scale: number[]; zeroPoint: number[] }): void {
  expect(Array.from(p.scale)).toEqual(t.scale);
  expect(Array.from(p.zeroPoint)).toEqual(t.zeroPoint);
}

function expectRange(r: ReturnType<Observer['range']>, t: TorchResult): void {
  const min = typeof r.min === 'number' ? [r.min] : Array.from(r.min);
  const max = typeof r.max === 'number' ? [r.max] : Array.from(r.max);
  expect(min).toEqual(t.min);
  expect(max).toEqual(t.max);
}

describe(`against PyTorch ${fixture.torch}`, () => {
  it('the fixtures cover every distribution and both schemes', () => {
    const names = new Set(fixture.cases.map((c) => c.name.split('/')[0]));
    expect([...names].sort()).toEqual(
      ['constant', 'gaussian', 'heavy-tailed', 'post-relu', 'skewed', 'zeros'].sort(),
    );
    expect(fixture.cases.every((c) => c.results.length === 7)).toBe(true);
  });

  for (const c of fixture.cases) {
    const batches = c.batches.map(decode);
    describe(c.name, () => {
      it('MinMaxObserver: min, max, scale and zero point match exactly', () => {
        for (const cfg of c.results) {
          const o = feed(new MinMaxObserver(), batches, c.shape);
          expectRange(o.range(), cfg.minmax);
          expectParams(o.qparams(specOf(cfg)), cfg.minmax);
        }
      });

      it('MovingAverageMinMaxObserver: float32 running average matches exactly', () => {
        for (const cfg of c.results) {
          const o = feed(new EmaObserver(), batches, c.shape);
          expectRange(o.range(), cfg.ema);
          expectParams(o.qparams(specOf(cfg)), cfg.ema);
        }
      });

      it('per-channel MinMax and MovingAverage observers match exactly on every axis', () => {
        for (const cfg of c.results) {
          for (const [axis, t] of Object.entries(cfg.perChannel)) {
            const o = feed(new MinMaxObserver({ axis: Number(axis) }), batches, c.shape);
            expectRange(o.range(), t);
            expectParams(o.qparams(specOf(cfg)), t);
          }
          for (const [axis, t] of Object.entries(cfg.emaPerChannel)) {
            const o = feed(new EmaObserver({ axis: Number(axis) }), batches, c.shape);
            expectRange(o.range(), t);
            expectParams(o.qparams(specOf(cfg)), t);
          }
        }
      });

      it('one batch bins exactly as torch.histc', () => {
        const o = new HistogramObserver('mse', { search: 'torch' });
        o.observe(batches[0]!);
        const s = o.snapshot();
        const index: number[] = [];
        const count: number[] = [];
        s.counts.forEach((v, j) => {
          if (v === 0) return;
          index.push(j);
          count.push(v);
        });
        if (s.width === 0) {
          // Constant data: torch bins it over [c - 1, c + 1]; we keep a point mass at c.
          expect(c.histogram.count).toEqual([s.total]);
          return;
        }
        expect({ index, count }).toEqual(c.histogram);
      });

      it('HistogramObserver on one batch: the torch search gives its range and qparams exactly', () => {
        for (const cfg of c.results) {
          const o = new HistogramObserver('mse', { search: 'torch' });
          o.observe(batches[0]!);
          const r = o.range(specOf(cfg));
          expect([r.min, r.max]).toEqual([cfg.histogram.searchMin, cfg.histogram.searchMax]);
          expectParams(o.qparams(specOf(cfg)), cfg.histogram);
        }
      });

      it('HistogramObserver over several batches: within one bin of torch on all data at once', () => {
        for (const cfg of c.results) {
          const o = new HistogramObserver('mse', { search: 'torch' });
          for (const b of batches) o.observe(b);
          const r: TensorRange = o.range(specOf(cfg));
          // Our grid after growth has bins of up to twice PyTorch's (2048 over all the data).
          const bin = o.snapshot().width;
          expect(Math.abs(r.min - cfg.histogramAll.searchMin)).toBeLessThanOrEqual(bin);
          expect(Math.abs(r.max - cfg.histogramAll.searchMax)).toBeLessThanOrEqual(bin);
        }
      });
    });
  }

  it("zeropoint's default narrow symmetric scale is PyTorch's times 127.5 / 127 (int8)", () => {
    // PyTorch: absmax / ((qmax - qmin) / 2) over [-128, 127]; ONNX/TFLite narrow: absmax / 127.
    for (const c of fixture.cases) {
      const cfg = c.results.find((r) => r.qtype === 'qint8' && r.scheme === 'symmetric')!;
      const o = feed(new MinMaxObserver(), c.batches.map(decode), c.shape);
      const ours = o.qparams(specOf(cfg, false)).scale[0]!;
      const absmax = Math.max(-cfg.minmax.min[0]!, cfg.minmax.max[0]!);
      if (absmax === 0) continue;
      expect(ours).toBeCloseTo((cfg.minmax.scale[0]! * 127.5) / 127, 6);
    }
  });
});
