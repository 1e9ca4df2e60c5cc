// Geometry of the ONNX Conv family (ConvInteger, QLinearConv): attributes resolved to explicit
// pads, strides and dilations, the output shape, and which input element each kernel tap reads.
// Any spatial rank >= 1. Not arithmetic: the kernels own the loops over values.
import { fail, sizeOf } from '../core/index.js';

/** The auto_pad attribute, as ONNX spells it. */
export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** Conv attributes with ONNX's defaults; `pads` is [x1_begin, x2_begin, ..., x1_end, ...]. */
export interface ConvAttributes {
  readonly autoPad?: AutoPad;
  readonly dilations?: readonly number[];
  readonly group?: number;
  readonly kernelShape?: readonly number[];
  readonly pads?: readonly number[];
  readonly strides?: readonly number[];
}

/** A convolution's shapes with every attribute resolved. */
export interface ConvGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly outChannels: number;
  readonly group: number;
  readonly inSpatial: readonly number[];
  readonly kernel: readonly number[];
  readonly outSpatial: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Explicit pads after auto_pad: begins then ends. */
  readonly pads: readonly number[];
  /** [N, M, ...outSpatial]. */
  readonly outShape: readonly number[];
}

/** An integer-list attribute, defaulting to `length` copies of `min` (ONNX: pads 0, others 1). */
function ints(
  value: readonly number[] | undefined,
  length: number,
  min: 0 | 1,
  name: string,
): readonly number[] {
  const out = value ?? new Array<number>(length).fill(min);
  if (out.length !== length || out.some((v) => !Number.isInteger(v) || v < min)) {
    fail('bad-argument', `${name} must be ${length} integers >= ${min}, got [${out.join(', ')}]`);
  }
  return out;
}

/** Resolves Conv attributes against x: [N, C, D1, ...] and w: [M, C/group, k1, ...]. */
export function convGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  attributes: ConvAttributes = {},
): ConvGeometry {
  const rank = xShape.length - 2;
  if (rank < 1 || wShape.length !== xShape.length) {
    const shapes = `[${xShape.join(', ')}] and [${wShape.join(', ')}]`;
    fail('bad-shape', `conv needs x [N, C, ...spatial] and w of its rank, got ${shapes}`);
  }
  const [batch, channels] = xShape as [number, number];
  const [outChannels, groupChannels] = wShape as [number, number];
  const group = attributes.group ?? 1;
  if (!Number.isInteger(group) || group < 1)
    fail('bad-argument', `group must be >= 1, got ${group}`);
  // Spec: x has C channels, w has C/group per output channel, M is a multiple of group.
  if (channels !== groupChannels * group || outChannels % group !== 0) {
    fail('bad-shape', `x has ${channels} channels, w is [${wShape.join(', ')}], group ${group}`);
  }
  const inSpatial = xShape.slice(2);
  const kernel = wShape.slice(2);
  // Spec: kernel_shape, when present, must describe w.
  if (attributes.kernelShape !== undefined && attributes.kernelShape.join() !== kernel.join()) {
    fail(
      'bad-argument',
      `kernel_shape [${attributes.kernelShape.join(', ')}] != w's [${kernel.join(', ')}]`,
    );
  }
  const strides = ints(attributes.strides, rank, 1, 'strides');
  const dilations = ints(attributes.dilations, rank, 1, 'dilations');
  const autoPad = attributes.autoPad ?? 'NOTSET';
  let pads = ints(attributes.pads, 2 * rank, 0, 'pads');
  if (autoPad !== 'NOTSET' && pads.some((p) => p !== 0)) {
    fail('bad-argument', `pads cannot be used together with auto_pad ${autoPad}`);
  }
  const outSpatial: number[] = [];
  const begins: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < rank; i++) {
    const size = inSpatial[i] as number;
    const stride = strides[i] as number;
    const span = ((kernel[i] as number) - 1) * (dilations[i] as number) + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      // Spec: pad so that out = ceil(in / stride); an odd total puts the extra pad at the end
      // for SAME_UPPER and at the beginning for SAME_LOWER.
      const out = Math.ceil(size / stride);
      const total = Math.max(0, (out - 1) * stride + span - size);
      const small = Math.floor(total / 2);
      begins.push(autoPad === 'SAME_UPPER' ? small : total - small);
      ends.push(autoPad === 'SAME_UPPER' ? total - small : small);
    } else {
      // NOTSET: the explicit pads; VALID: no padding.
      begins.push(autoPad === 'VALID' ? 0 : (pads[i] as number));
      ends.push(autoPad === 'VALID' ? 0 : (pads[rank + i] as number));
    }
    const padded = size + (begins[i] as number) + (ends[i] as number);
    const out = padded >= span ? Math.floor((padded - span) / stride) + 1 : 0;
    if (out < 1) {
      fail(
        'bad-shape',
        `spatial axis ${i}: input ${size} with pads is smaller than the kernel ${span}`,
      );
    }
    outSpatial.push(out);
  }
  pads = [...begins, ...ends];
  return {
    batch,
    channels,
    outChannels,
    group,
    inSpatial,
    kernel,
    outSpatial,
    strides,
    dilations,
    pads,
    outShape: [batch, outChannels, ...outSpatial],
  };
}

/**
 * For output position p and kernel tap q (both row-major flat), entry p * taps + q is the flat
 * input position the tap reads, or -1 where it falls in the padding.
 */
export function convTaps(g: ConvGeometry): Int32Array {
  const rank = g.inSpatial.length;
  const taps = sizeOf(g.kernel);
  const table = new Int32Array(sizeOf(g.outSpatial) * taps);
  const o = new Array<number>(rank).fill(0);
  for (let p = 0; p < sizeOf(g.outSpatial); p++) {
    const k = new Array<number>(rank).fill(0);
    for (let q = 0; q < taps; q++) {
      let flat = 0;
      for (let i = 0; i < rank; i++) {
        const coord =
          (o[i] as number) * (g.strides[i] as number) -
          (g.pads[i] as number) +
          (k[i] as number) * (g.dilations[i] as number);
        const size = g.inSpatial[i] as number;
        flat = coord < 0 || coord >= size || flat < 0 ? -1 : flat * size + coord;
      }
      table[p * taps + q] = flat;
      step(k, g.kernel);
    }
    step(o, g.outSpatial);
  }
  return table;
}

/** Advances a row-major multi-index (last axis fastest), wrapping to zeros at the end. */
function step(index: number[], shape: readonly number[]): void {
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = (index[i] as number) + 1;
    if ((index[i] as number) < (shape[i] as number)) return;
    index[i] = 0;
  }
}
