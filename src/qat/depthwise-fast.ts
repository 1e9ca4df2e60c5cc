// Depthwise 2-D convs (one input and one output channel per group) through the WebAssembly
// SIMD kernels of assembly/depthwise.ts: the JS side zero-pads the input planes into wasm
// memory once, the kernels run without bounds checks, and the padding is cropped off dx.
// Falls back (returns undefined) where wasm or float32 data is missing or the conv is not 2-D;
// ops-conv.ts's loops are the reference. Not dense or grouped convs (gemm-fast.ts).
import { wasmKernels, type WasmKernels } from '../kernels/wasm/instance.js';
import type { ConvGeometry } from '../kernels/conv-geometry.js';
import { allocFloat, isFloat32 } from './tensor.js';

let fastEnabled = true;

/** Turns the wasm depthwise path off (tests compare against the reference); returns the old setting. */
export function setFastDepthwise(on: boolean): boolean {
  const before = fastEnabled;
  fastEnabled = on;
  return before;
}

interface Frame {
  readonly kernels: WasmKernels;
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly hp: number;
  readonly wp: number;
  readonly top: number;
  readonly left: number;
  /** The kernel arguments after the pointers. */
  readonly args: readonly number[];
}

function frameOf(g: ConvGeometry, ...arrays: Float32Array[]): Frame | undefined {
  const kernels = fastEnabled ? wasmKernels() : undefined;
  const depthwise = g.group === g.channels && g.group === g.outChannels;
  if (kernels === undefined || g.inSpatial.length !== 2 || !depthwise) return undefined;
  if (!arrays.every(isFloat32)) return undefined;
  const [h, w] = g.inSpatial as [number, number];
  const [top, left, bottom, right] = g.pads as [number, number, number, number];
  const hp = h + top + bottom;
  const wp = w + left + right;
  const [oh, ow] = g.outSpatial as [number, number];
  const [kh, kw] = g.kernel as [number, number];
  const [sh, sw] = g.strides as [number, number];
  const [dh, dw] = g.dilations as [number, number];
  const planes = g.batch * g.channels;
  const args = [planes, g.channels, hp, wp, oh, ow, kh, kw, sh, sw, dh, dw];
  return { kernels, planes, h, w, hp, wp, top, left, args };
}

/** Copies x's planes into zeroed padded planes at `at` in wasm memory. */
function pad(f: Frame, x: Float32Array, at: number): void {
  const padded = new Float32Array(f.kernels.buffer, at, f.planes * f.hp * f.wp).fill(0);
  for (let p = 0; p < f.planes; p++) {
    for (let r = 0; r < f.h; r++) {
      const from = (p * f.h + r) * f.w;
      padded.set(x.subarray(from, from + f.w), (p * f.hp + r + f.top) * f.wp + f.left);
    }
  }
}

/** y [N, C, oh, ow] of a depthwise conv without bias, or undefined when the fast path does not apply. */
export function depthwiseForwardFast(
  geometry: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
): Float32Array | undefined {
  const f = frameOf(geometry, x, w);
  if (f === undefined) return undefined;
  const [oh, ow] = geometry.outSpatial as [number, number];
  const size = f.planes * oh * ow;
  const [xp, wp, yp] = f.kernels.reserve([f.planes * f.hp * f.wp * 4, w.length * 4, size * 4]) as [
    number,
    number,
    number,
  ];
  pad(f, x, xp);
  new Float32Array(f.kernels.buffer, wp, w.length).set(w);
  f.kernels.exports.dwForward(xp, wp, yp, ...f.args);
  const y = allocFloat(size);
  y.set(new Float32Array(f.kernels.buffer, yp, size));
  return y;
}

/** [dx, dw] of a depthwise conv for the ones asked for, or undefined when the fast path does not apply. */
export function depthwiseBackwardFast(
  geometry: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  needX: boolean,
  needW: boolean,
): [Float32Array | undefined, Float32Array | undefined] | undefined {
  const f = frameOf(geometry, x, w, dy);
  if (f === undefined) return undefined;
  const paddedSize = f.planes * f.hp * f.wp;
  const [xp, wp, gp, dxp, dwp] = f.kernels.reserve([
    paddedSize * 4,
    w.length * 4,
    dy.length * 4,
    paddedSize * 4,
    w.length * 4,
  ]) as [number, number, number, number, number];
  const buffer = f.kernels.buffer;
  new Float32Array(buffer, wp, w.length).set(w);
  new Float32Array(buffer, gp, dy.length).set(dy);
  const exports = f.kernels.exports;
  let dx: Float32Array | undefined;
  let dwOut: Float32Array | undefined;
  if (needW) {
    pad(f, x, xp);
    new Float32Array(buffer, dwp, w.length).fill(0);
    exports.dwBackwardWeight(xp, gp, dwp, ...f.args);
    dwOut = allocFloat(w.length);
    dwOut.set(new Float32Array(buffer, dwp, w.length));
  }
  if (needX) {
    const padded = new Float32Array(buffer, dxp, paddedSize).fill(0);
    exports.dwBackwardData(gp, wp, dxp, ...f.args);
    dx = allocFloat(f.planes * f.h * f.w);
    for (let p = 0; p < f.planes; p++) {
      for (let r = 0; r < f.h; r++) {
        const from = (p * f.hp + r + f.top) * f.wp + f.left;
        dx.set(padded.subarray(from, from + f.w), (p * f.h + r) * f.w);
      }
    }
  }
  return [dx, dwOut];
}
