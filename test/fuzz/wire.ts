// Protobuf wire-format mutations that keep the rest of the message well formed: the bytes are
// parsed into a tree of fields (length-delimited payloads that parse as messages become
// subtrees, packed varints become lists), one field is changed (a huge varint, a huge or wrong
// length prefix, a field repeated, dropped, renumbered or moved) and the tree is written back
// with every enclosing length recomputed. Knows no schema: ONNX-aware edits are mutate-model.ts's.
import { concat, type Mutated } from './mutate-bytes.js';
import type { Rng } from './rng.js';

/** One field of a message as the wire carries it. */
interface WireField {
  field: number;
  wire: 0 | 1 | 2 | 5;
  /** wire 0: the value. */
  varint?: bigint;
  /** wire 1, 2, 5: the payload. */
  bytes?: Uint8Array;
  /** wire 2 payload read as a message. */
  children?: WireField[];
  /** wire 2 payload read as packed varints. */
  packed?: bigint[];
  /** Written as the length prefix instead of the payload's true length. */
  lengthOverride?: bigint;
  /** Something inside changed: write the children, not the original payload. */
  dirty?: boolean;
}

function readVarint(bytes: Uint8Array, at: number): [bigint, number] | undefined {
  let value = 0n;
  for (let shift = 0n, i = at; i < bytes.length && shift < 70n; i++, shift += 7n) {
    const b = bytes[i]!;
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [value & 0xffffffffffffffffn, i + 1];
  }
  return undefined;
}

function parsePacked(bytes: Uint8Array): bigint[] | undefined {
  const values: bigint[] = [];
  for (let at = 0; at < bytes.length;) {
    const read = readVarint(bytes, at);
    if (read === undefined) return undefined;
    values.push(read[0]);
    at = read[1];
  }
  return values.length > 0 ? values : undefined;
}

/** The fields of `bytes` as a message, or undefined when they do not parse as one. */
function parseMessage(bytes: Uint8Array, depth: number): WireField[] | undefined {
  const fields: WireField[] = [];
  for (let at = 0; at < bytes.length;) {
    const tag = readVarint(bytes, at);
    if (tag === undefined || tag[0] >> 3n === 0n || tag[0] >> 3n > 0x1fffffffn) return undefined;
    const field = Number(tag[0] >> 3n);
    const wire = Number(tag[0] & 7n);
    at = tag[1];
    if (wire === 0) {
      const value = readVarint(bytes, at);
      if (value === undefined) return undefined;
      fields.push({ field, wire, varint: value[0] });
      at = value[1];
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > bytes.length) return undefined;
      fields.push({ field, wire, bytes: bytes.slice(at, at + n) });
      at += n;
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      if (length === undefined || BigInt(length[1]) + length[0] > BigInt(bytes.length)) {
        return undefined;
      }
      const payload = bytes.slice(length[1], length[1] + Number(length[0]));
      const entry: WireField = { field, wire, bytes: payload };
      const children =
        depth < 12 && payload.length > 0 ? parseMessage(payload, depth + 1) : undefined;
      const packed =
        children === undefined && payload.length <= 64 ? parsePacked(payload) : undefined;
      if (children !== undefined) entry.children = children;
      if (packed !== undefined) entry.packed = packed;
      fields.push(entry);
      at = length[1] + payload.length;
    } else {
      return undefined;
    }
  }
  return fields;
}

function varintBytes(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
  return out;
}

/** The encoded bytes of `fields`, every length prefix recomputed unless overridden. */
function writeMessage(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(Uint8Array.from(varintBytes(BigInt(f.field) * 8n + BigInt(f.wire))));
    if (f.wire === 0) {
      parts.push(Uint8Array.from(varintBytes(f.varint!)));
    } else if (f.wire !== 2) {
      parts.push(f.bytes!);
    } else {
      const payload =
        f.children !== undefined && f.dirty === true ? writeMessage(f.children) : f.bytes!;
      parts.push(Uint8Array.from(varintBytes(f.lengthOverride ?? BigInt(payload.length))));
      parts.push(payload);
    }
  }
  return concat(...parts);
}

interface Slot {
  readonly siblings: WireField[];
  readonly index: number;
  readonly path: string;
  /** The fields whose payload holds this one, outermost first. */
  readonly ancestors: readonly WireField[];
}

function slots(fields: WireField[], path: string, ancestors: WireField[], out: Slot[]): Slot[] {
  fields.forEach((f, index) => {
    const here = `${path}/${f.field}[${index}]`;
    out.push({ siblings: fields, index, path: here, ancestors });
    if (f.children !== undefined) slots(f.children, here, [...ancestors, f], out);
  });
  return out;
}

function touch(slot: Slot): void {
  for (const a of slot.ancestors) a.dirty = true;
}

const HUGE = [
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 40n,
  2n ** 53n + 1n,
  2n ** 62n,
  2n ** 63n - 1n,
  2n ** 64n - 1n,
  0n,
];

function hugeValue(rng: Rng): bigint {
  return rng.chance(0.8) ? rng.pick(HUGE) : BigInt(rng.int(0, 1000));
}

/**
 * One structural mutation of protobuf `bytes`; undefined when they do not parse (or hold no
 * field the mutation needs), so the caller picks another.
 */
export function mutateWire(rng: Rng, bytes: Uint8Array): Mutated | undefined {
  const root = parseMessage(bytes, 0);
  if (root === undefined) return undefined;
  const all = slots(root, '', [], []);
  const of = (test: (f: WireField) => boolean): Slot | undefined => {
    const matching = all.filter((s) => test(s.siblings[s.index]!));
    return matching.length === 0 ? undefined : rng.pick(matching);
  };
  const kind = rng.int(0, 6);
  let what: string;
  if (kind === 0) {
    const slot = of((f) => f.wire === 0);
    if (slot === undefined) return undefined;
    const f = slot.siblings[slot.index]!;
    f.varint = hugeValue(rng);
    touch(slot);
    what = `varint ${slot.path} = ${f.varint}`;
  } else if (kind === 1) {
    const slot = of((f) => f.packed !== undefined);
    if (slot === undefined) return undefined;
    const f = slot.siblings[slot.index]!;
    const at = rng.int(0, f.packed!.length - 1);
    const values = f.packed!.slice();
    values[at] = hugeValue(rng);
    f.bytes = Uint8Array.from(values.flatMap(varintBytes));
    touch(slot);
    what = `packed varint ${slot.path}[${at}] = ${values[at]}`;
  } else if (kind === 2) {
    const slot = of((f) => f.wire === 2);
    if (slot === undefined) return undefined;
    const f = slot.siblings[slot.index]!;
    const n = BigInt(f.bytes!.length);
    touch(slot);
    f.lengthOverride = rng.pick([
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 40n,
      n + 1n,
      n + 7n,
      n > 0n ? n - 1n : 1n,
      0n,
    ]);
    what = `length prefix ${slot.path} = ${f.lengthOverride} (payload ${n})`;
  } else if (kind === 3) {
    const slot = rng.pick(all);
    const small = (slot.siblings[slot.index]!.bytes?.length ?? 0) < 4096;
    const times = small && rng.chance(0.1) ? rng.int(50, 300) : rng.int(1, 3);
    const copies = Array.from({ length: times }, () => structuredClone(slot.siblings[slot.index]!));
    slot.siblings.splice(slot.index + 1, 0, ...copies);
    touch(slot);
    what = `repeat ${slot.path} ${times} more times`;
  } else if (kind === 4) {
    const slot = rng.pick(all);
    slot.siblings.splice(slot.index, 1);
    touch(slot);
    what = `drop ${slot.path}`;
  } else if (kind === 5) {
    const slot = rng.pick(all);
    const f = slot.siblings[slot.index]!;
    f.field = rng.chance(0.8) ? rng.int(1, 25) : 0x1fffffff;
    touch(slot);
    what = `renumber ${slot.path} as field ${f.field}`;
  } else {
    const from = rng.pick(all);
    const to = of((f) => f.children !== undefined);
    if (to === undefined) return undefined;
    const target = to.siblings[to.index]!.children!;
    target.splice(rng.int(0, target.length), 0, structuredClone(from.siblings[from.index]!));
    touch(to);
    to.siblings[to.index]!.dirty = true;
    what = `copy ${from.path} into ${to.path}`;
  }
  return { bytes: writeMessage(root), what };
}
