// Distillation losses between the student's outputs (the fake-quant graph) and the fp32
// teacher's, with their gradients, and the SQNR the report gives. MSE for any output; KL for
// outputs that are probability distributions along the last axis (the PP-OCR recognizer's
// per-timestep softmax); 'kl-logits', KL between the softmaxes (at a temperature) of logits
// along the last axis (a language model's or classifier's). Not the training loop.

/** Which distillation loss. */
export type DistillLoss = 'mse' | 'kl' | 'kl-logits';

const TINY = 1e-8;

/** Loss value and dL/dy for one output: y student f32 [n], t teacher f32 [n]. */
export function distill(
  kind: DistillLoss,
  y: Float32Array,
  t: Float32Array,
  shape: readonly number[],
  temperature = 1,
): { loss: number; grad: Float32Array } {
  if (kind === 'kl-logits') return klLogits(y, t, shape, temperature);
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

/** Softmax of x[row .. row + n) / temperature into out (float64). */
export function softmax(
  x: Float32Array,
  row: number,
  n: number,
  temperature: number,
  out: Float64Array,
) {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, x[row + j]! / temperature);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += out[j] = Math.exp(x[row + j]! / temperature - max);
  for (let j = 0; j < n; j++) out[j] = out[j]! / sum;
}

/**
 * T^2 KL(softmax(t / T) || softmax(y / T)) averaged over rows (Hinton's distillation, whose T^2
 * keeps the gradient's size across temperatures): dL/dy = T (p_y - p_t) / rows.
 */
function klLogits(y: Float32Array, t: Float32Array, shape: readonly number[], temperature: number) {
  const n = shape[shape.length - 1] ?? 1;
  const rows = y.length / n;
  const grad = new Float32Array(y.length);
  const pt = new Float64Array(n);
  const py = new Float64Array(n);
  let loss = 0;
  for (let row = 0; row < y.length; row += n) {
    softmax(t, row, n, temperature, pt);
    softmax(y, row, n, temperature, py);
    for (let j = 0; j < n; j++) {
      if (pt[j]! > 0) loss += pt[j]! * Math.log(pt[j]! / Math.max(py[j]!, 1e-300));
      grad[row + j] = (temperature * (py[j]! - pt[j]!)) / rows;
    }
  }
  return { loss: (temperature * temperature * loss) / rows, grad };
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
