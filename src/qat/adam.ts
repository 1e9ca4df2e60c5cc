// Adam with a linear warm-up then cosine decay of the learning rate, over named float
// parameters updated in place (the executor's params). Deterministic: float64 moments, fixed
// order of names. Not the loss (distill-loss.ts) and not which values train (qat-recipe.ts).

/** Learning rate at `step` (0-based) of `total`: linear warm-up over `warmup` steps, then cosine to 0. */
export function learningRate(base: number, step: number, total: number, warmup: number): number {
  if (step < warmup) return (base * (step + 1)) / warmup;
  const span = Math.max(1, total - warmup);
  return base * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / span));
}

/** One parameter Adam updates: its values, its learning-rate multiplier and a lower bound. */
export interface AdamParam {
  readonly data: Float32Array;
  /** Multiplies the schedule's rate (scales train at their own rate). */
  readonly rate: number;
  /** Per-value multipliers on top of `rate` (weights on finer grids move less). */
  readonly rates?: Float32Array;
  /** Values are kept at or above this (scales stay positive). */
  readonly floor?: number;
}

/** Adam (Kingma & Ba, Algorithm 1) over named parameters. */
export class Adam {
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();
  private t = 0;

  constructor(
    private readonly params: ReadonlyMap<string, AdamParam>,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, new Float64Array(p.data.length));
      this.v.set(name, new Float64Array(p.data.length));
    }
  }

  /** Applies one update with gradients `grads` (by parameter name) at learning rate `lr`. */
  step(grads: ReadonlyMap<string, Float32Array>, lr: number): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (g === undefined) continue;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const rate = lr * p.rate;
      const rates = p.rates;
      const floor = p.floor ?? -Infinity;
      for (let i = 0; i < g.length; i++) {
        const gi = g[i]!;
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi;
        const r = rates === undefined ? rate : rate * rates[i]!;
        const next = p.data[i]! - (r * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.epsilon);
        p.data[i] = next < floor ? floor : next;
      }
    }
  }
}
