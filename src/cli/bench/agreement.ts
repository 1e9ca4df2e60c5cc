// Agreement of a model's outputs with a reference model's on the same inputs: SQNR, the largest
// absolute difference, and top-1 agreement where an output is a distribution. Accumulates over
// samples. Pure arithmetic on runtime tensors; not the quantization error of one tensor (core).
import type { RuntimeTensor } from '../../runtime/onnxruntime.js';

/** How one output agrees with the reference's output of the same name (or position). */
export interface OutputAgreement {
  readonly name: string;
  /** 10 log10(sum ref^2 / sum (ref - out)^2) over all samples; Infinity when identical. */
  readonly sqnrDb: number;
  readonly maxAbsDiff: number;
  /** Fraction of rows (all axes but the last) whose argmax matches; null if not a distribution. */
  readonly top1: number | null;
}

function numbers(t: RuntimeTensor): Float64Array {
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  return out;
}

/**
 * An output is a distribution when its last axis has at least two entries and either it is
 * [batch, classes] (scores or logits) or each row of the reference is non-negative and sums to 1
 * (a softmax, e.g. per time step of a recognizer). A sigmoid map [1, 1, H, W] is not one.
 */
export function isDistribution(dims: readonly number[], ref: Float64Array): boolean {
  const classes = dims[dims.length - 1] ?? 0;
  if (classes < 2 || dims.length < 2 || ref.length % classes !== 0) return false;
  if (dims.length === 2) return true;
  for (let row = 0; row < ref.length; row += classes) {
    let sum = 0;
    for (let j = row; j < row + classes; j++) {
      if (!(ref[j]! >= 0)) return false;
      sum += ref[j]!;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

function argmax(x: Float64Array, start: number, count: number): number {
  let best = start;
  for (let j = start + 1; j < start + count; j++) if (x[j]! > x[best]!) best = j;
  return best - start;
}

interface Tally {
  signal: number;
  noise: number;
  maxAbs: number;
  rows: number;
  matches: number;
  distribution: boolean;
  comparable: boolean;
}

/** Sums agreement over samples; `add` one sample's outputs, `result` at the end. */
export class AgreementTally {
  private readonly tallies = new Map<string, Tally>();

  /** Compares one sample's outputs with the reference's, matching by name, else by position. */
  add(
    reference: Readonly<Record<string, RuntimeTensor>>,
    outputs: Readonly<Record<string, RuntimeTensor>>,
  ): void {
    const refNames = Object.keys(reference);
    const outNames = Object.keys(outputs);
    refNames.forEach((name, i) => {
      const ref = reference[name]!;
      const out = outputs[name] ?? outputs[outNames[i] ?? ''];
      const tally = this.tallies.get(name) ?? {
        signal: 0,
        noise: 0,
        maxAbs: 0,
        rows: 0,
        matches: 0,
        distribution: true,
        comparable: true,
      };
      this.tallies.set(name, tally);
      if (out === undefined || out.data.length !== ref.data.length) {
        tally.comparable = false;
        return;
      }
      const r = numbers(ref);
      const o = numbers(out);
      for (let j = 0; j < r.length; j++) {
        const d = Math.abs(r[j]! - o[j]!);
        tally.signal += r[j]! * r[j]!;
        tally.noise += d * d;
        if (d > tally.maxAbs || Number.isNaN(d)) tally.maxAbs = d;
      }
      tally.distribution &&= isDistribution(ref.dims, r);
      if (tally.distribution) {
        const classes = ref.dims[ref.dims.length - 1]!;
        for (let row = 0; row < r.length; row += classes) {
          tally.rows++;
          if (argmax(r, row, classes) === argmax(o, row, classes)) tally.matches++;
        }
      }
    });
  }

  /** One entry per reference output; outputs that could not be compared are left out. */
  result(): OutputAgreement[] {
    return [...this.tallies].flatMap(([name, t]) =>
      t.comparable
        ? [
            {
              name,
              sqnrDb: t.noise === 0 ? Infinity : 10 * Math.log10(t.signal / t.noise),
              maxAbsDiff: t.maxAbs,
              top1: t.distribution && t.rows > 0 ? t.matches / t.rows : null,
            },
          ]
        : [],
    );
  }
}
