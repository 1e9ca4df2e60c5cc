// The held-out figures that choose QAT's kept state and PTQ-vs-QAT: output SQNR, top-1 agreement
// with the fp32 teacher (ptq's AgreementTally, so `bench` and QAT count alike) and KL between the
// teacher's and the student's distributions (softmax of logits, or the rows as they are when
// they already are distributions). Not the training loop, and not an accuracy on labels.
import { AgreementTally, hasClasses, rowsAreDistributions, type Top1Rule } from '../ptq/index.js';
import { createSession, type RuntimeTensor } from '../runtime/onnxruntime.js';
import { softmax } from './distill-loss.js';
import type { Sample } from './samples.js';

/**
 * Which held-out figure decides: 'auto' is KL where the outputs have classes, else SQNR (on gpt's
 * int4 QAT runs held-out KL tracked agreement on the task's own held-out set best: mean rank
 * correlation 0.79, SQNR 0.75, top-1 on 512 positions 0.55; docs/design.md).
 */
export type KeepBy = 'auto' | 'top1' | 'kl' | 'sqnr';

/** Held-out agreement of a student with the teacher, over all held-out samples. */
export interface HeldOutFigures {
  /** Lowest output SQNR in dB. */
  readonly sqnr: number;
  /** Mean top-1 agreement over the outputs that have classes; null when none has. */
  readonly top1: number | null;
  /** Mean KL(teacher || student) per row, in nats, over the same outputs; null when none has. */
  readonly kl: number | null;
  /** A user's loss module's held-out loss; when both sides have one, it decides (lower wins). */
  readonly loss?: number;
}

/** Sums KL(t || y) over rows: rows of distributions as they are, otherwise softmax(logits). */
function rowKl(t: Float32Array, y: Float32Array, classes: number, probabilities: boolean) {
  let sum = 0;
  const pt = new Float64Array(classes);
  const py = new Float64Array(classes);
  for (let row = 0; row + classes <= t.length; row += classes) {
    if (probabilities) {
      for (let j = 0; j < classes; j++) [pt[j], py[j]] = [t[row + j]!, y[row + j]!];
    } else {
      softmax(t, row, classes, 1, pt);
      softmax(y, row, classes, 1, py);
    }
    for (let j = 0; j < classes; j++) {
      if (pt[j]! > 0) sum += pt[j]! * Math.log(pt[j]! / Math.max(py[j]!, 1e-30));
    }
  }
  return sum;
}

/** Sums the held-out figures sample by sample; `rule` says which outputs have classes. */
export class HeldOutTally {
  private readonly agreement: AgreementTally;
  private readonly kl = new Map<string, { sum: number; rows: number }>();

  constructor(private readonly rule: Top1Rule) {
    this.agreement = new AgreementTally({ top1: rule, strict: true });
  }

  /** Adds one sample's (or batch's) teacher and student outputs, matched by name. */
  add(
    teacher: Readonly<Record<string, RuntimeTensor>>,
    student: Readonly<Record<string, RuntimeTensor>>,
  ): void {
    this.agreement.add(teacher, student);
    for (const [name, t] of Object.entries(teacher)) {
      const classes = t.dims[t.dims.length - 1] ?? 0;
      const data = t.data as Float32Array;
      if (!hasClasses(this.rule, t.dims, data)) continue;
      const probabilities = rowsAreDistributions(t.dims, data);
      const s = this.kl.get(name) ?? { sum: 0, rows: 0 };
      this.kl.set(name, s);
      s.sum += rowKl(data, student[name]!.data as Float32Array, classes, probabilities);
      s.rows += data.length / classes;
    }
  }

  /** The figures so far. */
  result(): HeldOutFigures {
    const outputs = this.agreement.result();
    const top1 = outputs.flatMap((o) => (o.top1 === null ? [] : [o.top1]));
    const kl = [...this.kl.values()].map((s) => s.sum / Math.max(1, s.rows));
    const mean = (xs: number[]) =>
      xs.length === 0 ? null : xs.reduce((a, b) => a + b) / xs.length;
    return {
      sqnr: Math.min(...outputs.map((o) => o.sqnrDb)),
      top1: mean(top1),
      kl: mean(kl),
    };
  }
}

/**
 * The held-out figures of model `bytes` run in onnxruntime on `samples` (one at a time, one
 * session, released before returning); `each` also sees every sample's outputs (a loss).
 */
export async function judgeModel(
  bytes: Uint8Array,
  samples: readonly Sample[],
  outputs: readonly string[],
  rule: Top1Rule,
  threads = 1,
  each?: (out: Readonly<Record<string, RuntimeTensor>>, sample: Sample) => void,
): Promise<HeldOutFigures> {
  const session = await createSession(bytes, { threads });
  try {
    const tally = new HeldOutTally(rule);
    for (const s of samples) {
      const out = await session.run(s.feeds, outputs);
      tally.add(Object.fromEntries(outputs.map((o) => [o, s.teacher[o]!])), out);
      each?.(out, s);
    }
    return tally.result();
  } finally {
    await session.release();
  }
}

/** The figure `by` ranks on for these figures ('auto' resolved). */
export function rankedBy(by: KeepBy, f: HeldOutFigures): 'top1' | 'kl' | 'sqnr' {
  if (by === 'auto') return f.kl === null ? 'sqnr' : 'kl';
  return f[by] === null ? 'sqnr' : by;
}

/**
 * True when `a` is strictly better than `b`: by a user's held-out loss where both have one, else
 * by `by` (higher top-1, lower KL, higher SQNR); SQNR breaks ties; a NaN figure is never better.
 */
export function beats(by: KeepBy, a: HeldOutFigures, b: HeldOutFigures): boolean {
  if (a.loss !== undefined && b.loss !== undefined && a.loss !== b.loss) return a.loss < b.loss;
  const key = rankedBy(by, b);
  if (key !== 'sqnr') {
    const [x, y] = key === 'top1' ? [a.top1!, b.top1!] : [-a.kl!, -b.kl!];
    if (x !== y) return x > y;
  }
  return a.sqnr > b.sqnr;
}

/**
 * True when a fine-tuned model's figures `a` should replace PTQ's `b`: `a` beats `b` by `by`
 * and is worse on no other held-out figure (top-1 agreement, SQNR). On the PP-OCR recognizer a
 * QAT run lowered held-out KL while top-1 agreement and SQNR fell, and the model it would have
 * written read 98.5 % of fp32's characters against PTQ's 99.7 %.
 */
export function replaces(by: KeepBy, a: HeldOutFigures, b: HeldOutFigures): boolean {
  if (!beats(by, a, b)) return false;
  if (a.top1 !== null && b.top1 !== null && a.top1 < b.top1) return false;
  return a.sqnr >= b.sqnr;
}

/** "top-1 97.27 %, KL 0.0123, 24.51 dB": the figures as a progress line or report shows them. */
export function formatFigures(f: HeldOutFigures): string {
  const parts = [
    ...(f.top1 === null ? [] : [`top-1 ${(f.top1 * 100).toFixed(2)} %`]),
    ...(f.kl === null ? [] : [`KL ${f.kl.toPrecision(3)}`]),
    `${f.sqnr.toFixed(2)} dB`,
    ...(f.loss === undefined ? [] : [`loss ${f.loss.toPrecision(4)}`]),
  ];
  return parts.join(', ');
}
