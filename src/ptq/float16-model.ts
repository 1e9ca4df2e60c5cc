// Float16 models through the float32 recipes: widenForQuantization turns an fp16 model into
// float32 (exact) and records in its metadata which inputs/outputs were fp16; the builders call
// restoreFloat16 last, which narrows the quantized graph back (scales fp16 where ONNX allows,
// fp16 I/O kept) and drops the record. Feeds are widened and narrowed alongside. Also the
// `--fp16` mode (runFloat16Recipe): an fp32 model to fp16. Not the passes themselves.
import { fail, float16ToNumber, numberToFloat16 } from '../core/index.js';
import type { ModelProto, NodeProto } from '../onnx/gen/onnx_pb.js';
import { nodeLabel } from '../onnx/graph-node.js';
import {
  buildGraph,
  defaultOpset,
  readModel,
  setMetadata,
  upgradeOpset,
  verifyGraph,
  writeModel,
  type Graph,
} from '../onnx/index.js';
import {
  narrowToFloat16,
  type NarrowOptions,
  type NarrowReport,
} from '../passes/float16-narrow.js';
import { hasFloat16, widenFloat16, type WidenReport } from '../passes/float16-widen.js';
import type { RuntimeTensor } from '../runtime/onnxruntime.js';
import type { Batches, Feeds } from './batches.js';

const KEY = 'zeropoint.float16';

/** The first opset whose QuantizeLinear/DequantizeLinear take float16 scales. */
const FLOAT16_QDQ_OPSET = 19;

/**
 * Widens `model` in place when it computes in float16, upgrading it to opset 19 (float16 Q/DQ
 * scales) when older; returns what was widened, or undefined for a float32 model.
 */
export function widenForQuantization(model: ModelProto): WidenReport | undefined {
  const graph = buildGraph(model);
  if (!hasFloat16(graph)) return undefined;
  const report = widenFloat16(graph);
  verifyGraph(graph);
  setMetadata(model, KEY, JSON.stringify({ inputs: report.inputs, outputs: report.outputs }));
  if (defaultOpset(model) < FLOAT16_QDQ_OPSET) upgradeOpset(model, FLOAT16_QDQ_OPSET);
  return report;
}

/**
 * Narrows a quantized graph back to float16 when its model was widened by widenForQuantization
 * (the metadata record says so), float16 I/O where the original had it; undefined otherwise.
 */
export function restoreFloat16(
  graph: Graph,
  keepNode?: NarrowOptions['keepNode'],
): NarrowReport | undefined {
  const { model } = graph;
  const at = model.metadataProps.findIndex((p) => p.key === KEY);
  if (at < 0) return undefined;
  const record = JSON.parse(model.metadataProps[at]!.value) as {
    inputs: string[];
    outputs: string[];
  };
  model.metadataProps.splice(at, 1);
  const half = new Set([...record.inputs, ...record.outputs]);
  const float32Io = [...graph.inputs, ...graph.outputs]
    .map((v) => v.name)
    .filter((name) => !half.has(name));
  const qdq = graph.nodes.find(isQdq);
  const opset = defaultOpset(model);
  if (qdq !== undefined && opset < FLOAT16_QDQ_OPSET) {
    fail(
      'unsupported-op',
      `float16 Q/DQ scales need opset ${FLOAT16_QDQ_OPSET}; ${qdq.opType} '${nodeLabel(qdq)}' is in an opset ${opset} model`,
      { node: nodeLabel(qdq) },
    );
  }
  return narrowToFloat16(graph, { float32Io, ...(keepNode === undefined ? {} : { keepNode }) });
}

/** Feeds with every float16 tensor as float32 (exact), for a widened model. */
function widenFeeds(feeds: Feeds): Feeds {
  const out: Record<string, RuntimeTensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    out[name] =
      t.type === 'float16'
        ? {
            type: 'float32',
            dims: t.dims,
            data: Float32Array.from(t.data as Uint16Array, float16ToNumber),
          }
        : t;
  }
  return out;
}

/** Feeds with the named float32 tensors as float16, for a model whose inputs are fp16. */
export function narrowFeeds(feeds: Feeds, names: readonly string[]): Feeds {
  const out: Record<string, RuntimeTensor> = { ...feeds };
  for (const name of names) {
    const t = feeds[name];
    if (t?.type !== 'float32') continue;
    out[name] = {
      type: 'float16',
      dims: t.dims,
      data: Uint16Array.from(t.data as Float32Array, numberToFloat16),
    };
  }
  return out;
}

/** A stream of batches with float16 tensors widened (widenFeeds). */
export async function* widenBatches(batches: Batches): AsyncGenerator<Feeds> {
  for await (const feeds of batches) yield widenFeeds(feeds);
}

/** Options of runFloat16Recipe. */
export interface Float16Options {
  /**
   * 'float32' (default): inputs and outputs stay float32 with a Cast inside, as
   * transformers.js's model_fp16.onnx (onnxconverter's keep_io_types); 'float16': fp16 I/O.
   */
  readonly io?: 'float32' | 'float16';
  /** Op types or node names kept float32 besides the built-in ones. */
  readonly keepOps?: readonly string[];
  /** Constants beyond +-65504: keep their readers float32 (default) or clamp them. */
  readonly outOfRange?: NarrowOptions['outOfRange'];
}

/** What runFloat16Recipe did, for the CLI's table and `--json`. */
export interface Float16Report extends NarrowReport {
  readonly mode: 'fp16';
  readonly bytesIn: number;
  readonly bytesOut: number;
}

function isQdq(node: NodeProto): boolean {
  return node.opType === 'QuantizeLinear' || node.opType === 'DequantizeLinear';
}

/** Converts a float32 model to float16 (`--fp16`): half the weight bytes. */
export function runFloat16Recipe(
  modelBytes: Uint8Array,
  options: Float16Options = {},
): { bytes: Uint8Array; report: Float16Report } {
  const model = readModel(modelBytes);
  const graph = buildGraph(model);
  if (hasFloat16(graph)) fail('bad-argument', 'the model already holds float16 tensors');
  const hasQdq = graph.nodes.some(isQdq);
  const narrow: NarrowOptions = {
    float32Io: (options.io ?? 'float32') === 'float32' ? 'all' : 'none',
    ...(options.keepOps === undefined ? {} : { keepOps: options.keepOps }),
    ...(options.outOfRange === undefined ? {} : { outOfRange: options.outOfRange }),
  };
  let target = graph;
  if (hasQdq && defaultOpset(model) < FLOAT16_QDQ_OPSET) {
    upgradeOpset(model, FLOAT16_QDQ_OPSET);
    target = buildGraph(model);
  }
  const report = narrowToFloat16(target, narrow);
  verifyGraph(target);
  setMetadata(model, 'zeropoint.fp16', JSON.stringify({ io: options.io ?? 'float32' }));
  const bytes = writeModel(model);
  return {
    bytes,
    report: { mode: 'fp16', ...report, bytesIn: modelBytes.length, bytesOut: bytes.length },
  };
}
