// `zeropoint qparams`: min/max (or calibrated) quantization parameters of a float32 .npy tensor
// and the error of quantizing it with them. Computes a result object; printing is qparams-format.ts's.
// Not calibration of a model: see `quantize`.
import { fail } from '../../core/errors.js';
import type { Granularity } from '../../core/granularity.js';
import { quantMetrics, type QuantMetrics } from '../../core/metrics.js';
import type { QuantSpec, Scheme } from '../../core/qparams.js';
import { QTYPES, isQType, type QType } from '../../core/qtypes.js';
import { quantize } from '../../core/quantize.js';
import {
  qparamsFromRanges,
  rangesOf,
  type QParams,
  type Ranges,
} from '../../core/tensor-qparams.js';
import {
  OBSERVERS,
  createObserver,
  isPerAxisRange,
  type MseSearch,
  type ObserverKind,
  type ObserverOptions,
} from '../../observers/index.js';
import type { NpyArray } from '../io/npy.js';
import { searchFromFlag } from '../common/search-flag.js';

/** Options as the command line gives them, before validation. */
export interface QParamsOptions {
  readonly qtype?: string;
  readonly scheme?: string;
  readonly axis?: string;
  readonly block?: string;
  readonly narrow?: boolean;
  readonly full?: boolean;
  readonly reduceRange?: boolean;
  readonly method?: string;
  readonly percentile?: string;
  readonly bins?: string;
  readonly momentum?: string;
  /** mse method: exhaustive (default) or torch. */
  readonly search?: string;
}

/** One scheme's parameters and error on the tensor, as `--json` prints it. */
export interface QParamsResult {
  readonly qtype: QType;
  readonly scheme: Scheme;
  readonly method: string;
  readonly axis: number | null;
  readonly blockSize: number | null;
  /** The calibrated real range: [min, max], or [mins, maxes] per axis or block. */
  readonly range: [number, number] | [number[], number[]];
  readonly scale: number | number[];
  readonly zeroPoint: number | number[];
  readonly metrics: QuantMetrics;
}

function parseInteger(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    fail('bad-argument', `${flag} must be an integer >= ${min}, got "${text}"`);
  }
  return n;
}

/** Validates options into a spec and granularity; `scheme` overrides the options' scheme. */
export function specFromOptions(
  options: QParamsOptions,
  scheme?: Scheme,
): { spec: QuantSpec; granularity: Granularity } {
  const qtype = options.qtype ?? 'int8';
  if (!isQType(qtype)) {
    fail(
      'bad-argument',
      `unknown qtype "${qtype}"; choose one of ${Object.keys(QTYPES).join(', ')}`,
    );
  }
  const chosen = scheme ?? options.scheme ?? (QTYPES[qtype].signed ? 'symmetric' : 'asymmetric');
  if (chosen !== 'symmetric' && chosen !== 'asymmetric') {
    fail('bad-argument', `unknown scheme "${chosen}"; choose symmetric or asymmetric`);
  }
  if (options.narrow === true && options.full === true) {
    fail('bad-argument', 'choose one of --narrow and --full');
  }
  const axis = parseInteger(options.axis, '--axis', -8);
  const blockSize = parseInteger(options.block, '--block', 1);
  if (blockSize !== undefined && axis === undefined) {
    fail('bad-argument', '--block needs --axis: the axis the blocks run along');
  }
  const granularity: Granularity =
    axis === undefined
      ? { kind: 'per-tensor' }
      : blockSize === undefined
        ? { kind: 'per-axis', axis }
        : { kind: 'per-block', axis, blockSize };
  const spec: QuantSpec = {
    qtype,
    scheme: chosen,
    range: options.full === true ? 'full' : 'narrow',
    reduceRange: options.reduceRange === true,
  };
  return { spec, granularity };
}

/** Concatenates batches along their first axis (all must share the trailing dimensions). */
export function concatBatches(batches: readonly NpyArray[]): NpyArray {
  const first = batches[0];
  if (first === undefined) fail('bad-argument', 'no input files');
  if (batches.length === 1) return first;
  const tail = first.shape.slice(1).join(',');
  for (const b of batches) {
    if (b.shape.slice(1).join(',') !== tail || b.shape.length !== first.shape.length) {
      fail(
        'bad-shape',
        `batches differ in shape: [${first.shape.join(', ')}] vs [${b.shape.join(', ')}]`,
      );
    }
  }
  const data = new Float32Array(batches.reduce((n, b) => n + b.data.length, 0));
  let offset = 0;
  for (const b of batches) {
    data.set(b.data, offset);
    offset += b.data.length;
  }
  const rows = batches.reduce((n, b) => n + (b.shape[0] ?? 1), 0);
  return { shape: [rows, ...first.shape.slice(1)], data };
}

function scalarOrArray(values: ArrayLike<number>, perTensor: boolean): number | number[] {
  return perTensor ? (values[0] as number) : Array.from(values);
}

/** Parameters and metrics of quantizing `tensor` with `params` chosen by `method`. */
export function describe(
  tensor: NpyArray,
  params: QParams,
  spec: QuantSpec,
  method: string,
  range: Ranges,
): QParamsResult {
  const q = quantize(tensor.data, tensor.shape, params);
  const g = params.granularity;
  const perTensor = g.kind === 'per-tensor';
  return {
    qtype: spec.qtype,
    scheme: spec.scheme,
    method,
    axis: g.kind === 'per-tensor' ? null : g.axis,
    blockSize: g.kind === 'per-block' ? g.blockSize : null,
    range: perTensor
      ? [range.min[0] as number, range.max[0] as number]
      : [Array.from(range.min), Array.from(range.max)],
    scale: scalarOrArray(params.scale, perTensor),
    zeroPoint: scalarOrArray(params.zeroPoint, perTensor),
    metrics: quantMetrics(tensor.data, q, tensor.shape, params),
  };
}

function parseNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) fail('bad-argument', `${flag} must be a number, got "${text}"`);
  return n;
}

/** Observer options from the flags, only those given (--search only for the mse rows). */
function observerOptions(
  options: QParamsOptions,
  granularity: Granularity,
  method: string,
  search: MseSearch | undefined,
): ObserverOptions {
  const bins = parseInteger(options.bins, '--bins', 2);
  const percentile = parseNumber(options.percentile, '--percentile');
  const momentum = parseNumber(options.momentum, '--momentum');
  return {
    ...(granularity.kind === 'per-axis' ? { axis: granularity.axis } : {}),
    ...(bins === undefined ? {} : { bins }),
    ...(percentile === undefined ? {} : { percentile }),
    ...(momentum === undefined ? {} : { momentum }),
    ...(search === undefined || method !== 'mse' ? {} : { search }),
  };
}

/**
 * Observes `batches` in order with the calibration method of the options (default minmax) and
 * describes the resulting parameters on all the data; `scheme` and `method` override the options.
 */
export function calibratedQParams(
  batches: readonly NpyArray[],
  options: QParamsOptions,
  scheme?: Scheme,
  method: string = options.method ?? 'minmax',
): QParamsResult {
  const { spec, granularity } = specFromOptions(options, scheme);
  const search = searchFromFlag(options.search, options.method ?? 'minmax');
  const tensor = concatBatches(batches);
  if (granularity.kind === 'per-block') {
    if (method !== 'minmax') fail('bad-argument', `--block works with --method minmax only`);
    const range = rangesOf(tensor.data, tensor.shape, granularity);
    return describe(tensor, qparamsFromRanges(range, spec, granularity), spec, method, range);
  }
  const observer = createObserver(method, observerOptions(options, granularity, method, search));
  for (const batch of batches) observer.observe(batch.data, batch.shape);
  const observed = observer.range(spec);
  const range = isPerAxisRange(observed)
    ? observed
    : { min: Float32Array.of(observed.min), max: Float32Array.of(observed.max) };
  return describe(tensor, observer.qparams(spec), spec, method, range);
}

/** Every calibration method, for --compare-methods. */
export const METHODS: readonly ObserverKind[] = [...OBSERVERS.keys()];
