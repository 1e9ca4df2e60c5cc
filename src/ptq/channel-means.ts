// Per-channel means of a calibrated tensor, for bias correction (passes/bias-correction.ts):
// sums in float64 and the element count per channel, so shards merge exactly and a cache
// round-trips. Not a range observer: nothing here decides a scale.
import { fail } from '../core/index.js';

/** The JSON form: channel axis, per-channel sums, elements summed per channel. */
export interface ChannelMeansJSON {
  readonly axis: number;
  readonly sum: readonly number[];
  readonly count: number;
}

/** Running per-channel sums of one tensor along `axis`. */
export class ChannelMeans {
  sum: Float64Array;
  count: number;

  constructor(
    readonly axis: number,
    sum?: ArrayLike<number>,
    count = 0,
  ) {
    this.sum = Float64Array.from(sum ?? []);
    this.count = count;
  }

  /** Adds a batch; fails with `bad-calibration-data` when its channel count changes. */
  observe(data: ArrayLike<number>, dims: readonly number[], tensor: string): void {
    const channels = dims[this.axis];
    if (channels === undefined) {
      fail('bad-calibration-data', `tensor '${tensor}' has no axis ${this.axis}`, { tensor });
    }
    if (this.count === 0 && this.sum.length === 0) this.sum = new Float64Array(channels);
    if (this.sum.length !== channels) {
      fail(
        'bad-calibration-data',
        `tensor '${tensor}' changed from ${this.sum.length} to ${channels} channels`,
        { tensor },
      );
    }
    const inner = dims.slice(this.axis + 1).reduce((a, b) => a * b, 1);
    const outer = data.length / (inner * channels);
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++) {
        const base = (o * channels + c) * inner;
        let s = 0;
        for (let i = 0; i < inner; i++) s += data[base + i]!;
        this.sum[c]! += s;
      }
    }
    this.count += outer * inner;
  }

  /** Adds another tensor's sums (shards of one calibration). */
  merge(other: ChannelMeans): void {
    if (other.count === 0) return;
    if (this.count === 0) this.sum = new Float64Array(other.sum.length);
    if (other.sum.length !== this.sum.length || other.axis !== this.axis) {
      fail('bad-argument', 'channel means of different shapes cannot be merged');
    }
    other.sum.forEach((s, c) => (this.sum[c]! += s));
    this.count += other.count;
  }

  /** The mean of each channel (empty before any batch). */
  means(): Float64Array {
    return this.sum.map((s) => (this.count === 0 ? 0 : s / this.count));
  }

  toJSON(): ChannelMeansJSON {
    return { axis: this.axis, sum: Array.from(this.sum), count: this.count };
  }

  static fromJSON(json: unknown): ChannelMeans {
    const j = json as Partial<ChannelMeansJSON> | null;
    const ok =
      typeof j?.axis === 'number' &&
      typeof j.count === 'number' &&
      Array.isArray(j.sum) &&
      j.sum.every((v) => typeof v === 'number');
    if (!ok) fail('bad-argument', 'calibration cache "means" entry is malformed');
    return new ChannelMeans(j.axis, j.sum, j.count);
  }
}
