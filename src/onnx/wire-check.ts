// Checks that protobuf bytes give every field the schema knows the wire type the schema gives
// it. protobuf's C++ parser (onnxruntime's) skips a field whose wire type does not match as an
// unknown field; protobuf-es reads the bytes as the schema's type anyway. On such bytes the two
// would see different models, and zeropoint would rewrite one onnxruntime never loads.
// Not decoding: model.ts decodes with protobuf-es once this finds nothing.
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

function scalarWireType(scalar: ScalarType): WireType {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WireType.Bit32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WireType.LengthDelimited;
    default:
      return WireType.Varint;
  }
}

/** The wire types `field` may arrive with (repeated numbers: one by one, or packed). */
function allowed(field: DescField): readonly WireType[] {
  if (field.fieldKind === 'scalar') return [scalarWireType(field.scalar)];
  if (field.fieldKind === 'enum') return [WireType.Varint];
  if (field.fieldKind === 'list' && field.listKind === 'scalar') {
    const one = scalarWireType(field.scalar);
    return one === WireType.LengthDelimited ? [one] : [one, WireType.LengthDelimited];
  }
  if (field.fieldKind === 'list' && field.listKind === 'enum') {
    return [WireType.Varint, WireType.LengthDelimited];
  }
  return [WireType.LengthDelimited];
}

function nested(field: DescField): DescMessage | undefined {
  if (field.fieldKind === 'message') return field.message;
  if (field.fieldKind === 'list' && field.listKind === 'message') return field.message;
  return undefined;
}

function check(desc: DescMessage, reader: BinaryReader, end: number): string | undefined {
  while (reader.pos < end) {
    const [no, wireType] = reader.tag();
    const field = desc.fields.find((f) => f.number === no);
    if (field !== undefined && !allowed(field).includes(wireType)) {
      return `field ${desc.name}.${field.name} has wire type ${wireType}, not ${allowed(field).join(' or ')}`;
    }
    const message = field === undefined ? undefined : nested(field);
    if (message === undefined) {
      reader.skip(wireType, no);
      continue;
    }
    const length = reader.uint32();
    const stop = reader.pos + length;
    if (stop > end) return undefined; // truncated: the decoder reports it
    const found = check(message, reader, stop);
    if (found !== undefined) return found;
    reader.pos = stop;
  }
  return undefined;
}

/**
 * The first field of `bytes` (a `desc` message) whose wire type differs from the schema's, as a
 * sentence; undefined when there is none. Malformed bytes are the decoder's to report.
 */
export function findWireTypeMismatch(desc: DescMessage, bytes: Uint8Array): string | undefined {
  try {
    return check(desc, new BinaryReader(bytes), bytes.length);
  } catch {
    return undefined;
  }
}
