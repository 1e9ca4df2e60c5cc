// Just enough of the ZIP format to stream the arrays of a NumPy .npz archive: the central
// directory (zip64 included, as numpy writes it), and each entry as a stream of bytes, stored
// or deflated (np.savez_compressed), decompressed by node:zlib as it is read. Memory stays one
// chunk per entry. Not a general zip library: no writing, no encryption, no other methods.
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import { fail } from '../../core/errors.js';

/** One archive member. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Byte offset of the member's (compressed) data in the archive. */
  readonly dataStart: number;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<DataView> {
  const bytes = new Uint8Array(length);
  const { bytesRead } = await handle.read(bytes, 0, length, position);
  return new DataView(bytes.buffer, 0, bytesRead);
}

/** The members of the zip archive open as `handle` (`size` bytes); `bad-file` if not a zip. */
export async function zipEntries(
  handle: FileHandle,
  size: number,
  file: string,
): Promise<ZipEntry[]> {
  const bad = (why: string): never =>
    fail('bad-file', `${file} is not a readable .npz (zip) archive: ${why}`, { file });
  const tailStart = Math.max(0, size - 22 - 0xffff);
  const tail = await readAt(handle, tailStart, size - tailStart);
  let eocd = tail.byteLength - 22;
  while (eocd >= 0 && tail.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) bad('no end of central directory');
  let count = tail.getUint16(eocd + 10, true);
  let cdSize = tail.getUint32(eocd + 12, true);
  let cdOffset = tail.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (eocd < 20 || tail.getUint32(eocd - 20, true) !== 0x07064b50) bad('no zip64 locator');
    const record = tail.getBigUint64(eocd - 12, true);
    if (record + 56n > BigInt(size)) bad('bad zip64 record');
    const z = await readAt(handle, Number(record), 56);
    if (z.byteLength < 56 || z.getUint32(0, true) !== 0x06064b50) bad('bad zip64 record');
    count = Number(z.getBigUint64(32, true));
    cdSize = Number(z.getBigUint64(40, true));
    cdOffset = Number(z.getBigUint64(48, true));
  }
  // Corrupted sizes and offsets must not size an allocation or a read past the file.
  if (cdOffset + cdSize > size) bad('the central directory runs past the end of the file');
  const cd = await readAt(handle, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  for (let at = 0, k = 0; k < count; k++) {
    if (at + 46 > cd.byteLength || cd.getUint32(at, true) !== 0x02014b50) {
      bad('bad central directory');
    }
    if ((cd.getUint16(at + 8, true) & 1) !== 0) bad('encrypted members are not supported');
    const nameLength = cd.getUint16(at + 28, true);
    const extraLength = cd.getUint16(at + 30, true);
    const extraEnd = at + 46 + nameLength + extraLength;
    if (extraEnd > cd.byteLength) bad('bad central directory');
    const name = new TextDecoder().decode(new Uint8Array(cd.buffer, at + 46, nameLength));
    const sizes = [
      cd.getUint32(at + 24, true),
      cd.getUint32(at + 20, true),
      cd.getUint32(at + 42, true),
    ];
    // zip64 extra field (id 1): the 64-bit values of those fields that hold 0xffffffff.
    for (let e = at + 46 + nameLength; e + 4 <= extraEnd;) {
      const id = cd.getUint16(e, true);
      const length = cd.getUint16(e + 2, true);
      if (id === 1) {
        let v = e + 4;
        for (let i = 0; i < 3; i++) {
          if (sizes[i] === 0xffffffff && v + 8 <= Math.min(e + 4 + length, extraEnd)) {
            sizes[i] = Number(cd.getBigUint64(v, true));
            v += 8;
          }
        }
      }
      e += 4 + length;
    }
    const [uncompressed, compressed, offset] = sizes as [number, number, number];
    if (offset + 30 > size) bad(`bad local header of ${name}`);
    const local = await readAt(handle, offset, 30);
    if (local.byteLength < 30 || local.getUint32(0, true) !== 0x04034b50) {
      bad(`bad local header of ${name}`);
    }
    const dataStart = offset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataStart + compressed > size) bad(`member ${name} runs past the end of the file`);
    entries.push({
      name,
      method: cd.getUint16(at + 10, true),
      compressedSize: compressed,
      size: uncompressed,
      dataStart,
    });
    at += 46 + nameLength + extraLength + cd.getUint16(at + 32, true);
  }
  return entries;
}

/** Reads exact byte counts from a stream of chunks. */
export class ByteReader {
  private readonly pending: Uint8Array[] = [];
  private have = 0;
  private ended = false;

  constructor(
    private readonly chunks: AsyncIterator<Uint8Array>,
    private readonly what: string,
  ) {}

  /** The next `n` bytes, in a fresh (aligned) array; `bad-file` if the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    while (this.have < n && !this.ended) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await this.chunks.next();
      } catch (error) {
        return fail('bad-file', `cannot read ${this.what}: ${(error as Error).message}`);
      }
      if (next.done === true) this.ended = true;
      else {
        this.pending.push(next.value);
        this.have += next.value.length;
      }
    }
    if (this.have < n) {
      fail('bad-file', `${this.what} ends after ${this.have} more bytes, ${n} expected`);
    }
    const out = new Uint8Array(n);
    for (let at = 0; at < n;) {
      const chunk = this.pending[0]!;
      const take = Math.min(chunk.length, n - at);
      out.set(chunk.subarray(0, take), at);
      at += take;
      if (take === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(take);
    }
    this.have -= n;
    return out;
  }

  /** Stops the underlying stream. */
  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/** A reader over the (decompressed) bytes of `entry` of the archive `file`. */
export function entryReader(file: string, entry: ZipEntry): ByteReader {
  if (entry.method !== 0 && entry.method !== 8) {
    fail(
      'bad-file',
      `${file}: member ${entry.name} uses zip method ${entry.method}; only stored and deflated are read`,
      { file },
    );
  }
  const what = `${file}:${entry.name}`;
  if (entry.compressedSize === 0) return new ByteReader((async function* () {})(), what);
  const raw = createReadStream(file, {
    start: entry.dataStart,
    end: entry.dataStart + entry.compressedSize - 1,
    highWaterMark: 1 << 20,
  });
  if (entry.method === 0) return new ByteReader(raw[Symbol.asyncIterator](), what);
  const inflate = createInflateRaw();
  raw.on('error', (error) => inflate.destroy(error));
  return new ByteReader(raw.pipe(inflate)[Symbol.asyncIterator](), what);
}
