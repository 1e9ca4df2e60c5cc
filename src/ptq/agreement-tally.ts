// Agreement of a model's outputs with a reference model's on the same inputs, summed over
// samples: cosine, SQNR, the largest absolute difference and top-1 agreement where an output's
// last axis holds classes. One tally serves `zeropoint bench` and the fp16/variants comparison.
// Pure arithmetic on runtime tensors; not the quantization error of one tensor (core/metrics).
import { fail, float16ToNumber } from '../core/index.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';

/** How one output agrees with the reference's output of the same name (or position). */
export interface OutputAgreement {
  readonly output: string;
  /** ref·out / (|ref| |out|) over all samples; 1 when both are all zeros. */
  readonly cosine: number;
  /** 10 log10(sum ref^2 / sum (ref - out)^2) over all samples; Infinity when identical. */
  readonly sqnrDb: number;
  readonly maxAbsError: number;
  /** Fraction of rows (all axes but the last) whose argmax matches; null where top-1 is not asked. */
  readonly top1: number | null;
}

/**
 * Which outputs get a top-1 figure: `distributions` (class scores [batch, classes], or rows that
 * are softmaxes, as a recognizer's per-step probabilities), or every output whose `last-axis`
 * has two or more entries (logits of a language model, which no value test can recognise).
 */
export type Top1Rule = 'distributions' | 'last-axis';

/** Options of an AgreementTally. */
export interface TallyOptions {
  readonly top1?: Top1Rule;
  /** Fail with `bad-model` when an output is missing or differs in size (default: leave it out). */
  readonly strict?: boolean;
}

/** True when every row along the last axis (two or more entries) is non-negative and sums to 1. */
export function rowsAreDistributions(dims: readonly number[], x: ArrayLike<number>): boolean {
  const classes = dims[dims.length - 1] ?? 0;
  if (classes < 2 || x.length % classes !== 0) return false;
  for (let row = 0; row < x.length; row += classes) {
    let sum = 0;
    for (let j = row; j < row + classes; j++) {
      if (!(x[j]! >= 0)) return false;
      sum += x[j]!;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/**
 * An output is a distribution when its last axis has at least two entries and either it is
 * [batch, classes] (scores or logits) or each row of the reference is a softmax. A sigmoid map
 * [1, 1, H, W] is not one.
 */
export function isDistribution(dims: readonly number[], ref: ArrayLike<number>): boolean {
  if (dims.length < 2) return false;
  if (dims.length === 2) return (dims[1] ?? 0) >= 2;
  return rowsAreDistributions(dims, ref);
}

/** Whether an output has classes along its last axis for top-1 under `rule`. */
export function hasClasses(
  rule: Top1Rule,
  dims: readonly number[],
  ref: ArrayLike<number>,
): boolean {
  return rule === 'last-axis' ? (dims[dims.length - 1] ?? 0) >= 2 : isDistribution(dims, ref);
}

/** A tensor's values as float64 (float16 decoded, integers and bigints converted). */
function numbers(t: RuntimeTensor): Float64Array {
  if (t.type === 'float16') return Float64Array.from(t.data as Uint16Array, float16ToNumber);
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  return out;
}

function argmax(x: Float64Array, start: number, count: number): number {
  let best = start;
  for (let j = start + 1; j < start + count; j++) if (x[j]! > x[best]!) best = j;
  return best - start;
}

interface Sums {
  signal: number;
  noise: number;
  dot: number;
  norm: number;
  maxAbs: number;
  rows: number;
  matches: number;
  top1: boolean;
  comparable: boolean;
}

const emptySums = (): Sums => ({
  signal: 0,
  noise: 0,
  dot: 0,
  norm: 0,
  maxAbs: 0,
  rows: 0,
  matches: 0,
  top1: true,
  comparable: true,
});

/** Sums agreement over samples; `add` one sample's outputs, `result` at the end. */
export class AgreementTally {
  private readonly sums = new Map<string, Sums>();
  private samples = 0;

  constructor(private readonly options: TallyOptions = {}) {}

  /** Compares one sample's outputs with the reference's, matching by name, else by position. */
  add(
    reference: Readonly<Record<string, RuntimeTensor>>,
    outputs: Readonly<Record<string, RuntimeTensor>>,
  ): void {
    const outNames = Object.keys(outputs);
    const sample = this.samples++;
    Object.keys(reference).forEach((name, i) => {
      const ref = reference[name]!;
      const out = outputs[name] ?? outputs[outNames[i] ?? ''];
      const s = this.sums.get(name) ?? emptySums();
      this.sums.set(name, s);
      if (out === undefined || out.data.length !== ref.data.length) {
        if (this.options.strict === true) mismatch(name, ref, out, sample);
        s.comparable = false;
        return;
      }
      const r = numbers(ref);
      const o = numbers(out);
      for (let j = 0; j < r.length; j++) {
        const d = Math.abs(r[j]! - o[j]!);
        s.signal += r[j]! * r[j]!;
        s.noise += d * d;
        s.dot += r[j]! * o[j]!;
        s.norm += o[j]! * o[j]!;
        if (d > s.maxAbs || Number.isNaN(d)) s.maxAbs = d;
      }
      const classes = ref.dims[ref.dims.length - 1] ?? 0;
      s.top1 &&= hasClasses(this.options.top1 ?? 'distributions', ref.dims, r);
      if (!s.top1) return;
      for (let row = 0; row + classes <= r.length; row += classes) {
        s.rows++;
        if (argmax(r, row, classes) === argmax(o, row, classes)) s.matches++;
      }
    });
  }

  /** One entry per reference output; outputs that could not be compared are left out. */
  result(): OutputAgreement[] {
    return [...this.sums].flatMap(([output, s]) =>
      s.comparable
        ? [
            {
              output,
              cosine: s.signal === 0 && s.norm === 0 ? 1 : s.dot / Math.sqrt(s.signal * s.norm),
              sqnrDb: s.noise === 0 ? Infinity : 10 * Math.log10(s.signal / s.noise),
              maxAbsError: s.maxAbs,
              top1: s.top1 && s.rows > 0 ? s.matches / s.rows : null,
            },
          ]
        : [],
    );
  }
}

function mismatch(
  name: string,
  ref: RuntimeTensor,
  out: RuntimeTensor | undefined,
  sample: number,
): never {
  if (out === undefined) {
    fail('bad-model', `the candidate model has no output '${name}'`, { tensor: name });
  }
  fail(
    'bad-model',
    `output '${name}' holds ${out.data.length} values in the candidate model, ${ref.data.length} in the reference (feed ${sample})`,
    { tensor: name, sample },
  );
}
