// Reads and writes ONNX ModelProto bytes. Fields zeropoint never touches, unknown fields
// included, survive a read-write round trip (protobuf-es keeps them in `$unknown`); the bytes
// may differ only in encoding (packed repeated scalars, omitted zero defaults).
// Not the graph IR (graph.ts) and no file system: callers pass bytes in and get bytes out.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import {
  ModelProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  type ModelProto,
} from './gen/onnx_pb.js';
import { findWireTypeMismatch } from './wire-check.js';

/** Lowest default-domain opset readModel accepts. */
export const MIN_OPSET = 7;
/** Highest default-domain opset readModel accepts. */
export const MAX_OPSET = 23;

/** What a model declares about itself, for reports and error messages. */
export interface ModelInfo {
  readonly irVersion: number;
  /** Opset of the default ONNX domain ('' or 'ai.onnx'). */
  readonly opset: number;
  /** Every imported opset, by domain ('' for the default domain). */
  readonly opsets: ReadonlyMap<string, number>;
  readonly producer: string;
  readonly nodeCount: number;
}

/** True for the names the default ONNX domain goes by. */
export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/**
 * Decodes ONNX bytes, failing with `bad-model` when they are not a model zeropoint can read:
 * corrupt or truncated protobuf, a field with another wire type than the schema's, no
 * ir_version, no graph, or a default opset outside 7..23 or imported at two versions.
 */
export function readModel(bytes: Uint8Array, file?: string): ModelProto {
  const context = file === undefined ? {} : { file };
  const where = file === undefined ? 'the input' : `'${file}'`;
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail('bad-model', `${where} is not a valid ONNX model (${reason})`, context);
  }
  const mismatch = findWireTypeMismatch(ModelProtoSchema, bytes);
  if (mismatch !== undefined) {
    fail('bad-model', `${where} is not a valid ONNX model (${mismatch})`, context);
  }
  if (model.irVersion <= 0n) {
    fail('bad-model', `${where} is not a valid ONNX model: it has no ir_version`, context);
  }
  if (model.graph === undefined) {
    fail('bad-model', `${where} is not a valid ONNX model: it has no graph`, context);
  }
  const opset = findDefaultOpset(model);
  if (opset === undefined) {
    fail('bad-model', `${where} imports no opset of the default ONNX domain`, context);
  }
  // Two imports of the default domain ('' and 'ai.onnx', or one twice) with different versions
  // leave the opset ambiguous: zeropoint would read the first, onnxruntime the last.
  const versions = new Set(
    model.opsetImport.filter((o) => isDefaultDomain(o.domain)).map((o) => o.version),
  );
  if (versions.size > 1) {
    fail(
      'bad-model',
      `${where} imports the default ONNX domain at several opsets (${[...versions].join(', ')})`,
      context,
    );
  }
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    fail(
      'bad-model',
      `${where} uses ONNX opset ${opset}; zeropoint reads opsets ${MIN_OPSET} to ${MAX_OPSET}`,
      context,
    );
  }
  return model;
}

/** Encodes a model, unknown fields included. */
export function writeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

function findDefaultOpset(model: ModelProto): number | undefined {
  const entry = model.opsetImport.find((o) => isDefaultDomain(o.domain));
  return entry === undefined ? undefined : Number(entry.version);
}

/** Opset of the default ONNX domain, failing with `bad-model` when the model imports none. */
export function defaultOpset(model: ModelProto): number {
  const opset = findDefaultOpset(model);
  return opset ?? fail('bad-model', 'the model imports no opset of the default ONNX domain');
}

/** Sets the default-domain opset import (each, if repeated) to `version`, adding one if missing. */
export function setDefaultOpset(model: ModelProto, version: number): void {
  const entries = model.opsetImport.filter((o) => isDefaultDomain(o.domain));
  if (entries.length === 0) {
    model.opsetImport.push(
      create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(version) }),
    );
  }
  for (const entry of entries) entry.version = BigInt(version);
}

/** IR version, opsets, producer and size of a model. */
export function modelInfo(model: ModelProto): ModelInfo {
  return {
    irVersion: Number(model.irVersion),
    opset: defaultOpset(model),
    opsets: new Map(
      model.opsetImport.map((o) => [isDefaultDomain(o.domain) ? '' : o.domain, Number(o.version)]),
    ),
    producer: [model.producerName, model.producerVersion].filter((s) => s !== '').join(' '),
    nodeCount: model.graph?.node.length ?? 0,
  };
}

/** Sets (or replaces) a metadata_props entry of the model. */
export function setMetadata(model: ModelProto, key: string, value: string): void {
  const found = model.metadataProps.find((p) => p.key === key);
  if (found !== undefined) found.value = value;
  else model.metadataProps.push(create(StringStringEntryProtoSchema, { key, value }));
}
