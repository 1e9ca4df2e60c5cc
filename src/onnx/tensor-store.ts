// Where a model's tensor bytes live when they are not all in its protobuf: external tensors are
// read through a source (a resolver: positioned reads of the input's data files), and the large
// tensors a rewrite adds go to a sink (appended to the output's one data file) as soon as they
// are made, so a recipe holds only the inline part, the tensor it works on and what it writes.
// The Graph reads and adds initializers through it. Not file access: source and sink are the
// caller's (the CLI's files, or memory for the API and the browser).
import { create } from '@bufbuild/protobuf';
import { fail } from '../core/index.js';
import { rawByteLength, requireDType } from './dtypes.js';
import { externalSpan, readSpan, type ExternalDataResolver } from './external-location.js';
import {
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  type GraphProto,
  type ModelProto,
  type TensorProto,
} from './gen/onnx_pb.js';
import { tensorFromProto, type DecodedTensor } from './tensor.js';

/** The output's data file: bytes are appended at its end and can be read back. */
export interface ExternalDataSink {
  /** The file name the output's tensors record (relative to the output model). */
  readonly location: string;
  /** Appends `bytes` at the end and returns the offset they start at. */
  append(bytes: Uint8Array): number;
  /** The `length` bytes written at `offset`. */
  read(offset: number, length: number): Uint8Array;
}

/** Options of TensorStore. */
export interface TensorStoreOptions {
  /** Reads the input's external files (needed only when the model has external tensors). */
  readonly resolve?: ExternalDataResolver;
  /** Where the output's large tensors go; without one, the output is one protobuf. */
  readonly sink?: ExternalDataSink;
  /** Tensors of at least this many bytes go to the sink (default 1024, as onnx's converter). */
  readonly threshold?: number;
}

/** Protobuf's limit on one message: a model past it cannot be one file. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
/** Bytes copied per read when a tensor moves from the input's data file to the output's. */
const COPY_CHUNK = 64 * 2 ** 20;

/**
 * Every stored tensor of a graph: initializers and Constant-style attribute tensors, of the graph
 * and of its subgraphs (If/Loop/Scan bodies).
 */
export function storedTensors(graph: GraphProto): TensorProto[] {
  const out = [...graph.initializer];
  for (const node of graph.node) {
    for (const a of node.attribute) {
      if (a.t !== undefined) out.push(a.t);
      out.push(...a.tensors);
      for (const g of [...(a.g === undefined ? [] : [a.g]), ...a.graphs]) {
        out.push(...storedTensors(g));
      }
    }
  }
  return out;
}

function isExternal(proto: TensorProto): boolean {
  return proto.dataLocation === TensorProto_DataLocation.EXTERNAL;
}

/** The byte length of an external tensor (its entry's length, else its dims and type). */
function externalLength(proto: TensorProto): number {
  const span = externalSpan(proto);
  if (span.length !== undefined) return span.length;
  const count = proto.dims.reduce((n, d) => n * Number(d), 1);
  return rawByteLength(requireDType(proto.dataType, proto.name), count);
}

/** Bytes a model keeps in external files (0 when it keeps everything inline). */
export function externalByteCount(model: ModelProto): number {
  const graph = model.graph;
  if (graph === undefined) return 0;
  return storedTensors(graph)
    .filter(isExternal)
    .reduce((n, t) => n + externalLength(t), 0);
}

/** The input's external tensors and the output's sink, for one recipe run. */
export class TensorStore {
  private readonly written = new WeakSet<TensorProto>();
  private readonly threshold: number;
  /** Bytes appended to the sink so far. */
  bytesWritten = 0;

  constructor(private readonly options: TensorStoreOptions = {}) {
    this.threshold = options.threshold ?? 1024;
  }

  /** Decodes `proto`, reading external bytes from the input's files or from the sink. */
  decode(proto: TensorProto): DecodedTensor {
    const { sink, resolve } = this.options;
    if (sink !== undefined && this.written.has(proto)) {
      return tensorFromProto(proto, { resolveExternal: (_, offset, n) => sink.read(offset, n) });
    }
    return tensorFromProto(proto, resolve === undefined ? {} : { resolveExternal: resolve });
  }

  /** Moves `proto`'s raw_data to the sink when there is one and it is large enough. */
  spill(proto: TensorProto): void {
    const sink = this.options.sink;
    if (sink === undefined || isExternal(proto) || proto.rawData.length < this.threshold) return;
    this.point(proto, sink, [proto.rawData]);
  }

  /**
   * Makes `model` self-contained for writing: with a sink, external tensors still in the input's
   * files are copied to it (chunk by chunk) and large inline ones moved there; without one, they
   * are read back inline, failing with `bad-argument` past protobuf's 2 GB.
   */
  finish(model: ModelProto): void {
    const graph = model.graph ?? fail('bad-model', 'the model has no graph');
    const sink = this.options.sink;
    let inline = 0;
    for (const proto of storedTensors(graph)) {
      if (this.written.has(proto)) continue;
      if (sink !== undefined) {
        if (isExternal(proto)) this.point(proto, sink, this.chunks(proto));
        else this.spill(proto);
        continue;
      }
      if (isExternal(proto)) {
        const span = externalSpan(proto);
        const length = externalLength(proto);
        proto.rawData = readSpan(proto.name, span, length, this.options.resolve);
        proto.externalData = [];
        proto.dataLocation = TensorProto_DataLocation.DEFAULT;
      }
      inline += proto.rawData.length;
    }
    if (inline > PROTOBUF_LIMIT) {
      fail(
        'bad-argument',
        `the output holds ${inline} bytes of tensors, past protobuf's 2 GB limit for one file; ` +
          'write it with external data (--external-data)',
      );
    }
  }

  /** The bytes of an external tensor of the input, in chunks of at most COPY_CHUNK. */
  private *chunks(proto: TensorProto): Generator<Uint8Array> {
    const span = externalSpan(proto);
    const length = externalLength(proto);
    for (let done = 0; done < length; done += COPY_CHUNK) {
      const size = Math.min(COPY_CHUNK, length - done);
      const at = { ...span, offset: span.offset + done };
      yield readSpan(proto.name, at, size, this.options.resolve);
    }
  }

  /** Appends `parts` to the sink and points `proto` at them. */
  private point(proto: TensorProto, sink: ExternalDataSink, parts: Iterable<Uint8Array>): void {
    let offset: number | undefined;
    let length = 0;
    for (const part of parts) {
      const at = sink.append(part);
      offset ??= at;
      length += part.length;
    }
    const entry = (key: string, value: string) =>
      create(StringStringEntryProtoSchema, { key, value });
    proto.externalData = [
      entry('location', sink.location),
      entry('offset', String(offset ?? 0)),
      entry('length', String(length)),
    ];
    proto.dataLocation = TensorProto_DataLocation.EXTERNAL;
    proto.rawData = new Uint8Array(0);
    this.written.add(proto);
    this.bytesWritten += length;
  }
}

/** A sink that keeps the data file in memory (for the API and the browser). */
export function memorySink(location: string): ExternalDataSink & { bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  let size = 0;
  const bytes = (): Uint8Array => {
    if (parts.length !== 1) {
      const all = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        all.set(p, at);
        at += p.length;
      }
      parts.splice(0, parts.length, all);
    }
    return parts[0] ?? new Uint8Array(0);
  };
  return {
    location,
    append(data) {
      const offset = size;
      parts.push(data.slice());
      size += data.length;
      return offset;
    },
    read: (offset, length) => bytes().subarray(offset, offset + length),
    bytes,
  };
}

/** A resolver over data files given as bytes by name (how the API and the browser pass them). */
export function resolverFromFiles(
  files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
): ExternalDataResolver {
  const map: ReadonlyMap<string, Uint8Array> =
    files instanceof Map ? files : new Map(Object.entries(files));
  return (location, offset, length) =>
    map.get(location.replace(/^\.\//, ''))?.subarray(offset, offset + length);
}
