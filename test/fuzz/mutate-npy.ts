// .npy mutations: a corrupted header (bytes, magic, version, header length), wrong dtype
// strings, shapes that do not match the data or the model, huge shapes, Fortran order, data
// truncated or padded, and NaN/Inf payloads. Starts from a valid float32 .npy; never changes
// its input. Not zip archives (mutate-npz.ts).
import { concat, flipBits, setBytes, truncate, type Mutated } from './mutate-bytes.js';
import type { Rng } from './rng.js';

const DTYPES = ['<f8', '<f2', '<i4', '|u1', '>f4', '|b1', '<c8', '|O', '<U4', 'f4', '', '<f4<f4'];
const SHAPES = [
  '()',
  '(0,)',
  '(0, 4)',
  '(1e20,)',
  '(-1, 4)',
  '(1099511627776,)',
  '(4294967296, 4294967296)',
  '(1.5,)',
  '(a, b)',
  '(1, 4, 1)',
  '(4,)',
  '(2, 4)',
  '(1, 3, 8, 8)',
  '(1, 2)',
  '(9007199254740993,)',
  '(,)',
];

const latin1 = new TextDecoder('latin1');

interface Parts {
  readonly header: string;
  readonly data: Uint8Array;
}

function split(bytes: Uint8Array): Parts {
  const length = bytes[8]! | (bytes[9]! << 8);
  return {
    header: latin1.decode(bytes.subarray(10, 10 + length)),
    data: bytes.subarray(10 + length),
  };
}

/** Version 1.0 bytes of `header` (padded as numpy pads) and `data`. */
function join(header: string, data: Uint8Array, version = 1): Uint8Array {
  const wide = version >= 2;
  const start = wide ? 12 : 10;
  const padded =
    header.trimEnd() + ' '.repeat((64 - ((start + header.trimEnd().length + 1) % 64)) % 64) + '\n';
  const prefix = new Uint8Array(start);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(prefix.buffer);
  if (wide) view.setUint32(8, padded.length, true);
  else view.setUint16(8, padded.length, true);
  return concat(
    prefix,
    Uint8Array.from(padded, (c) => c.charCodeAt(0) & 0xff),
    data,
  );
}

function withValues(data: Uint8Array, rng: Rng): [Uint8Array, string] {
  const out = data.slice();
  const floats = new Float32Array(out.buffer, 0, out.length >> 2);
  const value = rng.pick([NaN, Infinity, -Infinity, 3.4e38, -0, 1e-45]);
  const all = rng.chance(0.2);
  const at = rng.int(0, Math.max(0, floats.length - 1));
  if (all) floats.fill(value);
  else floats[at] = value;
  return [out, all ? `every value ${value}` : `value ${at} = ${value}`];
}

/** One mutation of valid float32 .npy `bytes`. */
export function mutateNpy(rng: Rng, bytes: Uint8Array): Mutated {
  const { header, data } = split(bytes);
  const k = rng.int(0, 11);
  if (k === 0) return flipBits(rng, bytes);
  if (k === 1) return setBytes(rng, bytes);
  if (k === 2) return truncate(rng, bytes);
  if (k === 3) {
    const dtype = rng.pick(DTYPES);
    return { bytes: join(header.replace("'<f4'", `'${dtype}'`), data), what: `dtype '${dtype}'` };
  }
  if (k === 4) {
    const shape = rng.pick(SHAPES);
    return { bytes: join(header.replace(/\([^)]*\)/, shape), data), what: `shape ${shape}` };
  }
  if (k === 5) {
    return { bytes: join(header.replace('False', 'True'), data), what: 'fortran_order True' };
  }
  if (k === 6) {
    const key = rng.pick(["'descr'", "'shape'", "'fortran_order'"]);
    return { bytes: join(header.replace(key, "'other'"), data), what: `header without ${key}` };
  }
  if (k === 7) {
    const out = bytes.slice();
    const value = rng.pick([0, 0xffff, 0x7fff, header.length + 1, header.length - 1]);
    out[8] = value & 0xff;
    out[9] = value >> 8;
    return { bytes: out, what: `header length ${value} (is ${header.length})` };
  }
  if (k === 8) {
    const version = rng.pick([0, 2, 3, 4, 255]);
    if (version === 2 || version === 3) {
      const out = join(header, data, version);
      if (rng.chance(0.5))
        new DataView(out.buffer).setUint32(8, rng.pick([0xffffffff, 0x7fffffff, 1 << 30]), true);
      return {
        bytes: out,
        what: `version ${version}.0, header length ${new DataView(out.buffer).getUint32(8, true)}`,
      };
    }
    const out = bytes.slice();
    out[6] = version;
    return { bytes: out, what: `version byte ${version}` };
  }
  if (k === 9) {
    const extra = rng.int(1, 64);
    return { bytes: concat(bytes, new Uint8Array(extra)), what: `${extra} bytes after the data` };
  }
  if (k === 10) {
    const n = rng.int(1, Math.max(1, data.length));
    return { bytes: bytes.subarray(0, bytes.length - n).slice(), what: `data short by ${n} bytes` };
  }
  const [values, what] = withValues(data, rng);
  return { bytes: join(header, values), what };
}
