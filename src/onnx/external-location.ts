// Where an external tensor's bytes are (onnx.proto, TensorProto.external_data: "location",
// "offset", "length") and reading them through a caller's resolver, with the checks ONNX's
// checker makes: a location relative to the model's folder that stays inside it, offsets and
// lengths that are byte counts, and a file that holds them all. Not file access (the resolver
// is the caller's) and not decoding (tensor.ts).
import { fail } from '../core/index.js';
import type { TensorProto } from './gen/onnx_pb.js';

/**
 * Returns up to `length` bytes at `offset` of the external file `location` (relative to the
 * model's folder): fewer when the file ends first, undefined when there is no such file.
 */
export type ExternalDataResolver = (
  location: string,
  offset: number,
  length: number,
) => Uint8Array | undefined;

/** Where one external tensor's bytes are. */
export interface ExternalSpan {
  readonly location: string;
  readonly offset: number;
  /** The entry's length, or undefined when the tensor does not record one. */
  readonly length: number | undefined;
}

function parseByteCount(text: string, key: string, name: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    fail('bad-model', `tensor '${name}' has external ${key} '${text}'`, { tensor: name });
  }
  return value;
}

/**
 * Fails with `bad-model` unless `location` is a relative path inside the model's folder: no
 * absolute path, drive letter or `..` segment (onnx/checker.cc refuses the same).
 */
export function checkLocation(location: string, tensor: string): void {
  const context = { tensor, file: location };
  if (location === '') {
    fail('bad-model', `tensor '${tensor}' is external but names no location`, { tensor });
  }
  if (/^([/\\]|[A-Za-z]:)/.test(location) || location.includes('\0')) {
    fail(
      'bad-model',
      `tensor '${tensor}' stores its data at the absolute path '${location}'; external data ` +
        "must lie in the model's folder",
      context,
    );
  }
  if (location.split(/[/\\]/).includes('..')) {
    fail(
      'bad-model',
      `tensor '${tensor}' stores its data in '${location}', outside the model's folder`,
      context,
    );
  }
}

/** The location, offset and length an external tensor records, the location checked. */
export function externalSpan(proto: TensorProto): ExternalSpan {
  const { name } = proto;
  const entries = new Map(proto.externalData.map((e) => [e.key, e.value]));
  const location = entries.get('location') ?? '';
  checkLocation(location, name);
  const offset = parseByteCount(entries.get('offset') ?? '0', 'offset', name);
  const lengthEntry = entries.get('length');
  const length =
    lengthEntry === undefined ? undefined : parseByteCount(lengthEntry, 'length', name);
  return { location, offset, length };
}

/**
 * The `length` bytes of `span` through `resolve`: `bad-argument` without a resolver, `bad-file`
 * naming the file and the tensor when the file is missing or ends before them.
 */
export function readSpan(
  tensor: string,
  span: ExternalSpan,
  length: number,
  resolve: ExternalDataResolver | undefined,
): Uint8Array {
  const { location, offset } = span;
  const context = { tensor, file: location };
  if (resolve === undefined) {
    fail(
      'bad-argument',
      `tensor '${tensor}' stores its data in the external file '${location}'; open the model ` +
        'from its file (the CLI reads the data beside it) or pass the data (externalData)',
      context,
    );
  }
  const bytes = resolve(location, offset, length);
  if (bytes === undefined) {
    fail(
      'bad-file',
      `tensor '${tensor}' stores its data in '${location}', which is missing beside the model`,
      context,
    );
  }
  if (bytes.length !== length) {
    fail(
      'bad-file',
      `'${location}' is too short for tensor '${tensor}': ${bytes.length} of its ${length} bytes ` +
        `at offset ${offset} (truncated file?)`,
      context,
    );
  }
  return bytes;
}
