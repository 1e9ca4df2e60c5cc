// Format-blind byte mutations: bit flips, byte changes, truncation, insertion, deletion,
// duplication, and splices of two inputs. Each returns new bytes and a description to replay
// by; the input is never modified. Not format-aware (wire.ts, mutate-npy.ts, mutate-npz.ts).
import type { Rng } from './rng.js';

/** Mutated bytes and what was done to them. */
export interface Mutated {
  readonly bytes: Uint8Array;
  readonly what: string;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12, 0x1a, 0x22];

/** The parts one after another, in a new array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A position in [lo, bytes.length), biased towards the start where headers live. */
function position(rng: Rng, length: number, lo = 0): number {
  if (length <= lo) return lo;
  return rng.chance(0.4) ? rng.int(lo, Math.min(length - 1, lo + 64)) : rng.int(lo, length - 1);
}

/** Flips 1 to 8 random bits at or after `lo`. */
export function flipBits(rng: Rng, bytes: Uint8Array, lo = 0): Mutated {
  const out = bytes.slice();
  const flips: string[] = [];
  for (let k = rng.int(1, 8); k > 0 && out.length > lo; k--) {
    const at = position(rng, out.length, lo);
    const bit = rng.int(0, 7);
    out[at] = out[at]! ^ (1 << bit);
    flips.push(`${at}.${bit}`);
  }
  return { bytes: out, what: `flip bits ${flips.join(' ')}` };
}

/** Sets 1 to 4 bytes at or after `lo` to random or boundary values. */
export function setBytes(rng: Rng, bytes: Uint8Array, lo = 0): Mutated {
  const out = bytes.slice();
  const sets: string[] = [];
  for (let k = rng.int(1, 4); k > 0 && out.length > lo; k--) {
    const at = position(rng, out.length, lo);
    out[at] = rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(0, 255);
    sets.push(`${at}=${out[at]}`);
  }
  return { bytes: out, what: `set bytes ${sets.join(' ')}` };
}

/** Keeps a random prefix (possibly empty). */
export function truncate(rng: Rng, bytes: Uint8Array): Mutated {
  const at = rng.chance(0.2) ? rng.int(0, Math.min(16, bytes.length)) : rng.int(0, bytes.length);
  return { bytes: bytes.slice(0, at), what: `truncate to ${at} of ${bytes.length} bytes` };
}

/** Inserts 1 to 64 random bytes. */
export function insertBytes(rng: Rng, bytes: Uint8Array): Mutated {
  const at = rng.int(0, bytes.length);
  const chunk = Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
  return {
    bytes: concat(bytes.subarray(0, at), chunk, bytes.subarray(at)),
    what: `insert ${chunk.length} random bytes at ${at}`,
  };
}

/** Deletes a range of 1 to 256 bytes. */
export function deleteBytes(rng: Rng, bytes: Uint8Array): Mutated {
  const at = rng.int(0, Math.max(0, bytes.length - 1));
  const n = rng.int(1, 256);
  return {
    bytes: concat(bytes.subarray(0, at), bytes.subarray(at + n)),
    what: `delete ${n} bytes at ${at}`,
  };
}

/** Copies a range of the input to another place in it. */
export function duplicateBytes(rng: Rng, bytes: Uint8Array): Mutated {
  const from = rng.int(0, Math.max(0, bytes.length - 1));
  const chunk = bytes.slice(from, from + rng.int(1, 512));
  const at = rng.int(0, bytes.length);
  return {
    bytes: concat(bytes.subarray(0, at), chunk, bytes.subarray(at)),
    what: `copy ${chunk.length} bytes from ${from} to ${at}`,
  };
}

/** A prefix of `a` followed by a suffix of `b`. */
export function splice(rng: Rng, a: Uint8Array, b: Uint8Array, names = 'a+b'): Mutated {
  const i = rng.int(0, a.length);
  const j = rng.int(0, b.length);
  return {
    bytes: concat(a.subarray(0, i), b.subarray(j)),
    what: `splice ${names}: first ${i} bytes, then from ${j}`,
  };
}

/** One of the format-blind mutations at random (splice excluded: it needs a second input). */
export function mutateBytes(rng: Rng, bytes: Uint8Array, lo = 0): Mutated {
  const which = rng.int(0, 5);
  if (which === 0) return flipBits(rng, bytes, lo);
  if (which === 1) return setBytes(rng, bytes, lo);
  if (which === 2) return truncate(rng, bytes);
  if (which === 3) return insertBytes(rng, bytes);
  if (which === 4) return deleteBytes(rng, bytes);
  return duplicateBytes(rng, bytes);
}
