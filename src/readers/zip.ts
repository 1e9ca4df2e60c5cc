// The members of a zip archive held in memory (a NumPy .npz), read by fflate: the listing and
// the bytes of chosen members, stored or deflated, zip64 included. Before fflate walks the
// archive, its end record and each listed member are bounds-checked, so a corrupted count, size
// or offset fails as `bad-file` instead of looping, over-allocating or reading past the end.
// Not a general zip library: no writing, no streaming, no methods other than stored and deflated.
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { fail, isZeropointError } from '../core/errors.js';

/** One archive member as its central directory lists it. */
export interface ZipMember {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
}

/** Deflate expands at most 1032:1 (RFC 1951's longest match from one bit). */
const MAX_DEFLATE_RATIO = 1032;

function badZip(file: string, why: string): never {
  return fail('bad-file', `${file} is not a readable .npz (zip) archive: ${why}`, { file });
}

/** The central directory's size and entry count after checking the end record's bounds. */
function checkEndRecord(bytes: Uint8Array, file: string): { count: number; cdSize: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  while (eocd >= lowest && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < lowest) badZip(file, 'no end of central directory');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdEnd = eocd;
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    // zip64: the record the locator points at holds the 64-bit count, size and offset.
    const record = Number(view.getBigUint64(eocd - 12, true));
    if (record + 56 > eocd - 20 || view.getUint32(record, true) !== 0x06064b50) {
      badZip(file, 'bad zip64 record');
    }
    count = Number(view.getBigUint64(record + 32, true));
    cdSize = Number(view.getBigUint64(record + 40, true));
    cdOffset = Number(view.getBigUint64(record + 48, true));
    cdEnd = record;
  } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    badZip(file, 'no zip64 locator');
  }
  if (cdOffset + cdSize > cdEnd)
    badZip(file, 'the central directory runs past the end of the file');
  if (count * 46 > cdSize) badZip(file, `${count} entries cannot fit a ${cdSize}-byte directory`);
  return { count, cdSize };
}

/** Fails unless `info` is a member fflate may extract from an archive of `length` bytes. */
function checkMember(info: UnzipFileInfo, length: number, file: string): void {
  const { name, compression, size, originalSize } = info;
  if (compression !== 0 && compression !== 8) {
    badZip(
      file,
      `member ${name} uses zip method ${compression}; only stored and deflated are read`,
    );
  }
  if (size > length) badZip(file, `member ${name} runs past the end of the file`);
  const most = compression === 0 ? size : size * MAX_DEFLATE_RATIO;
  if (originalSize > most) {
    badZip(file, `member ${name} claims ${originalSize} bytes from ${size} compressed`);
  }
}

/** Lists the members of the archive `bytes` (`file` names it in errors). */
export function zipMembers(bytes: Uint8Array, file: string): ZipMember[] {
  const { count, cdSize } = checkEndRecord(bytes, file);
  const members: ZipMember[] = [];
  let listed = 0;
  unzip(bytes, file, (info) => {
    // Each entry takes 46 bytes plus its name: a name running past the directory is corrupt.
    listed += 46 + new TextEncoder().encode(info.name).length;
    if (listed > cdSize || members.length >= count) badZip(file, 'bad central directory');
    checkMember(info, bytes.length, file);
    members.push({
      name: info.name,
      method: info.compression,
      compressedSize: info.size,
      size: info.originalSize,
    });
    return false;
  });
  return members;
}

/** The uncompressed bytes of `member` (from zipMembers of the same `bytes`). */
export function zipMemberBytes(bytes: Uint8Array, member: ZipMember, file: string): Uint8Array {
  let seen = false;
  const out = unzip(bytes, file, (info) => {
    const wanted = !seen && info.name === member.name;
    if (wanted) checkMember(info, bytes.length, file);
    seen ||= wanted;
    return wanted;
  })[member.name];
  if (out?.length !== member.size) {
    badZip(file, `member ${member.name} holds ${out?.length ?? 0} bytes, ${member.size} listed`);
  }
  return out;
}

function unzip(
  bytes: Uint8Array,
  file: string,
  filter: (info: UnzipFileInfo) => boolean,
): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter });
  } catch (error) {
    if (isZeropointError(error)) throw error;
    return badZip(file, (error as Error).message);
  }
}
