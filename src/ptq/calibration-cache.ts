// Reusing and combining calibrations: a cheap fingerprint of the model bytes, the check that a
// cache (CalibrationResult.fromJSON of a file the CLI read) belongs to this model and covers
// the tensors asked for, and the merge of shards calibrated on different workers.
// Not file I/O: cli/ reads and writes the cache file. The hash is not a security hash.
import { fail } from '../core/index.js';
import { observerFromJSON, type Observer } from '../observers/index.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import { writeModel } from '../onnx/model.js';
import { ChannelMeans } from './channel-means.js';
import { CalibrationResult } from './calibration-result.js';
import type { CalibrationNote } from './expose-tensors.js';

/**
 * Fingerprint of model bytes, `<length>:<16 hex digits>`: the length and a 64-bit hash (two
 * multiply-xor lanes over little-endian 32-bit words). A ModelProto is hashed as writeModel
 * encodes it, which is what calibrate does with one.
 */
export function modelFingerprint(model: Uint8Array | ModelProto): string {
  const bytes = model instanceof Uint8Array ? model : writeModel(model);
  const words = Math.floor(bytes.length / 4);
  const view =
    bytes.byteOffset % 4 === 0
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, words)
      : new Uint32Array(new Uint8Array(bytes.subarray(0, words * 4)).buffer); // a copy, even of a Buffer
  let h1 = 0xdeadbeef ^ bytes.length;
  let h2 = 0x41c6ce57 ^ bytes.length;
  for (let i = 0; i < words; i++) {
    const w = view[i]!;
    h1 = Math.imul(h1 ^ w, 2654435761);
    h2 = Math.imul(h2 ^ w, 1597334677);
    h1 ^= h1 >>> 15;
    h2 ^= h2 >>> 13;
  }
  for (let i = words * 4; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i]!, 2654435761);
    h2 = Math.imul(h2 ^ bytes[i]!, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hex = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');
  return `${bytes.length}:${hex(h2)}${hex(h1)}`;
}

/**
 * Fails with `bad-argument` unless `cache` was calibrated on this model (same fingerprint)
 * and requested every tensor in `tensors`; a cache may cover more tensors than asked for.
 */
export function checkCalibrationCache(
  cache: CalibrationResult,
  model: Uint8Array | ModelProto | string,
  tensors: readonly string[],
): void {
  const fingerprint = typeof model === 'string' ? model : modelFingerprint(model);
  if (cache.model !== fingerprint) {
    fail(
      'bad-argument',
      `the calibration cache belongs to another model (fingerprint ${cache.model}, this model ` +
        `${fingerprint}); delete it or calibrate again`,
    );
  }
  const covered = new Set(cache.tensors);
  const missing = tensors.filter((t) => !covered.has(t));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((t) => `'${t}'`);
    fail(
      'bad-argument',
      `the calibration cache does not cover ${missing.length} requested tensor(s): ` +
        `${shown.join(', ')}${missing.length > 5 ? ', ...' : ''} ` +
        '(another activation mode or node selection needs them); ' +
        'delete the cache to calibrate again',
      { tensor: missing[0]! },
    );
  }
}

function copyOf(observer: Observer): Observer {
  return observerFromJSON(JSON.parse(JSON.stringify(observer.toJSON())));
}

/**
 * The calibration of a and b's data together, from shards of one model's calibration made
 * with the same method and options over the same tensors; a and b are left unchanged.
 * Exact for minmax; see the observers' merge for the others.
 */
export function mergeCalibration(a: CalibrationResult, b: CalibrationResult): CalibrationResult {
  if (a.model !== b.model) {
    fail('bad-argument', 'the calibration shards come from different models');
  }
  if (a.method !== b.method || JSON.stringify(a.options) !== JSON.stringify(b.options)) {
    fail(
      'bad-argument',
      `the calibration shards used different methods or options (${a.method} ` +
        `${JSON.stringify(a.options)}, ${b.method} ${JSON.stringify(b.options)})`,
    );
  }
  const sameTensors =
    a.observers.size === b.observers.size &&
    [...a.observers.keys()].every((t) => b.observers.has(t));
  if (!sameTensors) fail('bad-argument', 'the calibration shards calibrated different tensors');
  const observers = new Map<string, Observer>();
  for (const [tensor, observer] of a.observers) {
    const merged = copyOf(observer);
    merged.merge(b.observers.get(tensor)!);
    observers.set(tensor, merged);
  }
  const notes = new Map<string, CalibrationNote>();
  for (const note of [...a.notes, ...b.notes]) notes.set(note.tensor, note);
  // Means merge where both shards have them; a shard without them drops them for the tensor.
  const means = new Map<string, ChannelMeans>();
  for (const [tensor, m] of a.means) {
    const other = b.means.get(tensor);
    if (other === undefined) continue;
    const merged = new ChannelMeans(m.axis, m.sum, m.count);
    merged.merge(other);
    means.set(tensor, merged);
  }
  return new CalibrationResult({
    model: a.model,
    tensors: [...new Set([...a.tensors, ...b.tensors])],
    method: a.method,
    options: a.options,
    observers,
    batches: a.batches + b.batches,
    samples: a.samples + b.samples,
    notes: [...notes.values()],
    means,
  });
}
