// Distillation losses between the student's outputs (the fake-quant graph) and the fp32
// teacher's, with their gradients, and the SQNR the report gives. MSE for any output; KL for
// outputs that are probability distributions along the last axis (the PP-OCR recognizer's
// per-timestep softmax). Not the training loop.

/** Which distillation loss. */
export type DistillLoss = 'mse' | 'kl';

const TINY = 1e-8;

/** Loss value and dL/dy for one output: y student f32 [n], t teacher f32 [n]. */
export function distill(
  kind: DistillLoss,
  y: Float32Array,
  t: Float32Array,
  shape: readonly number[],
): { loss: number; grad: Float32Array } {
  const grad = new Float32Array(y.length);
  let loss = 0;
  if (kind === 'mse') {
    for (let i = 0; i < y.length; i++) {
      const d = y[i]! - t[i]!;
      loss += d * d;
      grad[i] = (2 * d) / y.length;
    }
    return { loss: loss / y.length, grad };
  }
  // KL(t || y) = sum t log(t / y), averaged over the distributions (all axes but the last).
  const rows = y.length / (shape[shape.length - 1] ?? 1);
  for (let i = 0; i < y.length; i++) {
    const ti = t[i]!;
    const yi = Math.max(y[i]!, TINY);
    if (ti > 0) loss += ti * Math.log(Math.max(ti, TINY) / yi);
    grad[i] = -ti / yi / rows;
  }
  return { loss: loss / rows, grad };
}

/** Running signal and noise energies, for SQNR in dB = 10 log10(signal / noise). */
export class Sqnr {
  private signal = 0;
  private noise = 0;

  add(y: ArrayLike<number>, t: ArrayLike<number>): void {
    for (let i = 0; i < t.length; i++) {
      const d = y[i]! - t[i]!;
      this.signal += t[i]! * t[i]!;
      this.noise += d * d;
    }
  }

  get db(): number {
    return this.noise === 0 ? Infinity : 10 * Math.log10(this.signal / this.noise);
  }
}
