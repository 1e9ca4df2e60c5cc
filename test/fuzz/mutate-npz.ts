// .npz (zip) mutations: the end-of-central-directory record, central directory entries and local
// headers given wrong counts, sizes, offsets, methods and flags (zip64 markers without their
// records included), deflated data corrupted, archives truncated, members renamed or their .npy
// corrupted (mutate-npy.ts). Archives are built with fflate, stored or deflated.
import { zipSync } from 'fflate';
import { flipBits, mutateBytes, truncate, type Mutated } from './mutate-bytes.js';
import { mutateNpy } from './mutate-npy.js';
import type { Rng } from './rng.js';

/** A zip of `members` (name -> bytes), deflated when `deflate`. */
export function buildNpz(members: Record<string, Uint8Array>, deflate: boolean): Uint8Array {
  const level = deflate ? 6 : 0;
  return zipSync(Object.fromEntries(Object.entries(members).map(([n, b]) => [n, [b, { level }]])));
}

const U16 = [0, 1, 2, 0xffff, 0x7fff];
const U32 = [0, 1, 0xffffffff, 0x7fffffff, 0x10000000, 46, 30];

interface Layout {
  readonly eocd: number;
  readonly entries: readonly number[];
  readonly locals: readonly number[];
}

function layout(bytes: Uint8Array): Layout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  const count = view.getUint16(eocd + 10, true);
  const entries: number[] = [];
  const locals: number[] = [];
  for (let at = view.getUint32(eocd + 16, true), k = 0; k < count; k++) {
    entries.push(at);
    locals.push(view.getUint32(at + 42, true));
    at +=
      46 +
      view.getUint16(at + 28, true) +
      view.getUint16(at + 30, true) +
      view.getUint16(at + 32, true);
  }
  return { eocd, entries, locals };
}

function setField(rng: Rng, bytes: Uint8Array, at: number, width: 2 | 4, name: string): Mutated {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const value = rng.chance(0.7)
    ? rng.pick(width === 2 ? U16 : U32)
    : rng.int(0, width === 2 ? 0xffff : 0xfffff);
  if (width === 2) view.setUint16(at, value, true);
  else view.setUint32(at, value, true);
  return { bytes: out, what: `${name} = ${value}` };
}

/**
 * One mutation of an .npz holding `members` (name -> valid .npy bytes); `deflate` chooses how the
 * archive is built.
 */
export function mutateNpz(
  rng: Rng,
  members: Record<string, Uint8Array>,
  deflate: boolean,
): Mutated {
  const bytes = buildNpz(members, deflate);
  const zip = layout(bytes);
  const names = Object.keys(members);
  const k = rng.int(0, 8);
  if (k === 0) {
    const [offset, width, name] = rng.pick([
      [8, 2, 'entries on disk'],
      [10, 2, 'entry count'],
      [12, 4, 'central directory size'],
      [16, 4, 'central directory offset'],
    ] as const);
    return setField(rng, bytes, zip.eocd + offset, width, `EOCD ${name}`);
  }
  if (k === 1) {
    const entry = rng.pick(zip.entries);
    const [offset, width, name] = rng.pick([
      [8, 2, 'flags'],
      [10, 2, 'method'],
      [20, 4, 'compressed size'],
      [24, 4, 'size'],
      [28, 2, 'name length'],
      [30, 2, 'extra length'],
      [32, 2, 'comment length'],
      [42, 4, 'local header offset'],
    ] as const);
    return setField(rng, bytes, entry + offset, width, `central entry at ${entry}: ${name}`);
  }
  if (k === 2) {
    const local = rng.pick(zip.locals);
    const [offset, width, name] = rng.pick([
      [0, 4, 'signature'],
      [26, 2, 'name length'],
      [28, 2, 'extra length'],
    ] as const);
    return setField(rng, bytes, local + offset, width, `local header at ${local}: ${name}`);
  }
  if (k === 3) {
    const flipped = flipBits(rng, bytes, 30 + names[0]!.length);
    return { bytes: flipped.bytes, what: `member data: ${flipped.what}` };
  }
  if (k === 4) return truncate(rng, bytes);
  if (k === 5) {
    const name = rng.pick(names);
    const npy = mutateNpy(rng, members[name]!);
    return {
      bytes: buildNpz({ ...members, [name]: npy.bytes }, deflate),
      what: `${name}: ${npy.what}`,
    };
  }
  if (k === 6) {
    const renamed = rng.pick(['y.npy', 'x', '', 'x.npy/../x.npy', 'x.NPY']);
    const copy = { ...members };
    const [first] = names;
    const moved = copy[first!]!;
    delete copy[first!];
    const extra = rng.chance(0.5) ? { 'z.npy': moved } : {};
    return {
      bytes: buildNpz({ ...copy, [renamed]: moved, ...extra }, deflate),
      what: `member renamed '${renamed}'`,
    };
  }
  if (k === 7) {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    view.setUint16(zip.eocd + 10, 0xffff, true);
    if (rng.chance(0.5)) {
      // A zip64 locator before the EOCD, pointing at a record that is not there.
      view.setUint32(zip.eocd - 20, 0x07064b50, true);
      view.setBigUint64(zip.eocd - 12, rng.pick([0n, 2n ** 40n, BigInt(zip.eocd - 20)]), true);
      return { bytes: out, what: 'zip64 entry count with a forged locator' };
    }
    return { bytes: out, what: 'zip64 entry count without a locator' };
  }
  const mutated = mutateBytes(rng, bytes);
  return { bytes: mutated.bytes, what: `archive: ${mutated.what}` };
}
