// The weight-only recipe: MatMul and Gemm weights block-quantized to int4/int8 (symmetric or
// asymmetric blocks), written as onnxruntime's MatMulNBits or as standard blocked
// DequantizeLinear (the model upgraded to opset 21). No calibration data, no file system:
// model bytes in, model bytes and a report out. Activations stay float32.
import type { NarrowReport } from '../passes/float16-narrow.js';
import { restoreFloat16, widenForQuantization } from './float16-model.js';
import { fail, isZeropointError, type Scheme } from '../core/index.js';
import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import {
  buildGraph,
  defaultOpset,
  externalByteCount,
  readModel,
  setMetadata,
  upgradeOpset,
  verifyGraph,
  writeModel,
  type TensorStore,
} from '../onnx/index.js';
import { toMatMulNBits, type QuantizedWeight } from '../passes/weight-only-matmulnbits.js';
import { BLOCKED_DQ_OPSET, toBlockedDequantize } from '../passes/weight-only-qdq.js';
import { findWeightTargets, type SkippedNode } from '../passes/weight-only-targets.js';
import { quantizeGathers } from '../passes/weight-only-gather.js';
import {
  prepareWeightAlgorithm,
  type WeightAlgorithmOptions,
  type WeightAlgorithmReport,
} from './weight-algorithm.js';

/** The two output forms: onnxruntime's contrib op, or standard ONNX blocked DequantizeLinear. */
export type WeightFormat = 'matmulnbits' | 'qdq';

/** Options of runWeightsRecipe; the defaults are the measured choices (bench/weights.ts). */
export interface WeightsOptions extends WeightAlgorithmOptions {
  readonly bits: 4 | 8;
  /** Weights per block along K: 32 (default), 64, 128 or 256. */
  readonly blockSize?: number;
  readonly scheme?: Scheme;
  readonly format?: WeightFormat;
  /** Per-block clipping search for the least MSE. */
  readonly clipSearch?: boolean;
  /** MatMulNBits accuracy_level (0: float activations; 4: int8 activations). */
  readonly accuracyLevel?: number;
  /**
   * Per weight (by initializer name) a format and bits other than the run's, e.g. the measured
   * choice per MatMul shape (advise/weight-formats.ts); weights not named take the run's.
   */
  readonly choices?: Readonly<Record<string, WeightChoice>>;
  /**
   * Also block-quantize the embedding tables Gather reads (axis 0), in the run's bits, scheme and
   * block, as blocked DequantizeLinear or GatherBlockQuantized per `format` (default: WEIGHT_DEFAULTS).
   */
  readonly gather?: boolean;
}

/** One weight's storage: the output form and the bits. */
export interface WeightChoice {
  readonly format: WeightFormat;
  readonly bits: 4 | 8;
}

/**
 * The measured defaults (bench/weights.ts: PP-OCRv4 recognizer, 500 held-out lines, 1 thread).
 * Blocks of 32. Blocked DequantizeLinear: onnxruntime fuses it at load into the MatMulNBits
 * kernel with accuracy_level 4, so it runs as fast as the contrib form at its best (each won
 * some shapes, by a few %) and is standard ONNX. accuracy_level 4 for the contrib form: int8
 * 2.3-4.4x and int4 1.1-1.2x faster than level 0 per MatMul, same accuracy. int4 blocks
 * asymmetric: a row with one outlier (the CTC blank's) loses the rest of its block when
 * symmetric (block 128: 91.9% of fp32 vs 99.4%); int8 symmetric: no measurable difference.
 * The clipping search only for asymmetric int4 blocks of 128 or more, the one case where it
 * measurably helped (99.40% -> 99.84%); it hurt symmetric blocks (block 128: 91.9% -> 89.5%).
 */
export const WEIGHT_DEFAULTS: Readonly<{
  blockSize: number;
  format: WeightFormat;
  accuracyLevel: number;
  scheme: (bits: 4 | 8) => Scheme;
  clipSearch: (bits: 4 | 8, scheme: Scheme, blockSize: number) => boolean;
  gather: boolean;
}> = Object.freeze({
  blockSize: 32,
  format: 'qdq',
  accuracyLevel: 4,
  scheme: (bits: 4 | 8): Scheme => (bits === 4 ? 'asymmetric' : 'symmetric'),
  clipSearch: (bits: 4 | 8, scheme: Scheme, blockSize: number): boolean =>
    bits === 4 && scheme === 'asymmetric' && blockSize >= 128,
  gather: false,
});

/** What runWeightsRecipe did, for the CLI's table and `--json`. */
export interface WeightsReport {
  readonly mode: 'weights';
  readonly format: WeightFormat;
  readonly bits: 4 | 8;
  readonly scheme: Scheme;
  readonly blockSize: number;
  readonly clipSearch: boolean;
  /** Which algorithm chose the codes (RTN, GPTQ, AWQ, HQQ) and why. */
  readonly algorithm: WeightAlgorithmReport;
  readonly accuracyLevel: number | undefined;
  readonly opset: { readonly from: number; readonly to: number };
  readonly weights: readonly QuantizedWeight[];
  /** Weights stored in another format or bits than the run's (WeightsOptions.choices). */
  readonly choices?: Readonly<Record<string, WeightChoice>>;
  /** MatMul/Gemm nodes left in float, and why (a non-constant weight, transA...). */
  readonly skipped: readonly SkippedNode[];
  /** Choices made for the user, e.g. a fall back to MatMulNBits. */
  readonly notes: readonly string[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** For a float16 model: how the quantized graph was narrowed back to float16. */
  readonly float16?: NarrowReport;
}

const BLOCK_SIZES = [16, 32, 64, 128, 256];

/**
 * Upgrades the model to opset 21 for blocked DequantizeLinear. When the format was not asked
 * for and the model cannot be upgraded (an op without a conversion), MatMulNBits, which needs
 * no upgrade, is used instead and a note says so; an explicit `qdq` fails.
 */
function chooseFormat(
  model: ModelProto,
  asked: WeightFormat | undefined,
  notes: string[],
): WeightFormat {
  const format = asked ?? WEIGHT_DEFAULTS.format;
  if (format !== 'qdq' || defaultOpset(model) >= BLOCKED_DQ_OPSET) return format;
  try {
    upgradeOpset(model, BLOCKED_DQ_OPSET);
    return format;
  } catch (error) {
    if (asked !== undefined || !isZeropointError(error, 'unsupported-op')) throw error;
    notes.push(`blocked DequantizeLinear needs opset 21 (${error.message}); wrote MatMulNBits`);
    return 'matmulnbits';
  }
}

/**
 * Block-quantizes the MatMul/Gemm weights of `modelBytes`. With a `store`, external weights are
 * read one at a time and the quantized ones appended to its sink as they are made (streaming:
 * tensor-store.ts), and `bytes` is the model's inline part.
 */
export function runWeightsRecipe(
  modelBytes: Uint8Array,
  options: WeightsOptions,
  store?: TensorStore,
): { bytes: Uint8Array; report: WeightsReport } {
  const { bits } = options;
  if (bits !== 4 && bits !== 8)
    fail('bad-argument', `--weights takes int4 or int8, not ${String(bits)}`);
  const blockSize = options.blockSize ?? WEIGHT_DEFAULTS.blockSize;
  if (!BLOCK_SIZES.includes(blockSize)) {
    fail('bad-argument', `block size must be one of ${BLOCK_SIZES.join(', ')}, got ${blockSize}`);
  }
  // The block spec for `b` bits: the options given, else the measured defaults for b.
  const specFor = (b: 4 | 8) => {
    const scheme = options.scheme ?? WEIGHT_DEFAULTS.scheme(b);
    const clipSearch = options.clipSearch ?? WEIGHT_DEFAULTS.clipSearch(b, scheme, blockSize);
    return { bits: b, scheme, blockSize, clipSearch };
  };
  const spec = specFor(bits);
  const model = readModel(modelBytes);
  const bytesIn = modelBytes.length + externalByteCount(model);
  const from = defaultOpset(model);
  // A float16 model is quantized as float32 and narrowed back (float16-model.ts).
  const float16 = store === undefined ? widenForQuantization(model) : undefined;
  const notes: string[] = [];
  const choices = Object.values(options.choices ?? {});
  const format = chooseFormat(model, options.format, notes);
  if (choices.some((c) => c.format === 'qdq') && defaultOpset(model) < BLOCKED_DQ_OPSET) {
    upgradeOpset(model, BLOCKED_DQ_OPSET);
  }
  const graph = buildGraph(model, store);
  const found = findWeightTargets(graph);
  const { skipped } = found;
  const prepared = prepareWeightAlgorithm(graph, found.targets, spec, options);
  const { targets } = prepared;
  const nbits = format === 'matmulnbits' || choices.some((c) => c.format === 'matmulnbits');
  const accuracyLevel = nbits
    ? (options.accuracyLevel ?? WEIGHT_DEFAULTS.accuracyLevel)
    : undefined;
  const groups = new Map<string, { choice: WeightChoice; targets: typeof targets }>();
  for (const target of targets) {
    const choice = options.choices?.[target.weight] ?? { format, bits };
    const key = `${choice.format} ${choice.bits}`;
    const group = groups.get(key) ?? { choice, targets: [] };
    group.targets.push(target);
    groups.set(key, group);
  }
  const weights = [...groups.values()].flatMap(({ choice, targets: group }) => {
    const s = { ...prepared.spec, ...(choice.bits === bits ? spec : specFor(choice.bits)) };
    return choice.format === 'matmulnbits'
      ? toMatMulNBits(graph, group, { ...s, accuracyLevel: accuracyLevel ?? 0 })
      : toBlockedDequantize(graph, group, s);
  });
  const gather = options.gather ?? WEIGHT_DEFAULTS.gather;
  if (gather) {
    const tables = quantizeGathers(graph, { ...prepared.spec, ...spec }, format);
    weights.push(...tables.done);
    skipped.push(...tables.skipped);
  }
  const narrowed = float16 === undefined ? undefined : restoreFloat16(graph);
  verifyGraph(graph);
  const padded = weights.filter((w) => w.padding > 0);
  setMetadata(
    model,
    'zeropoint.weights',
    JSON.stringify({ format, ...spec, algorithm: prepared.report.name, accuracyLevel }),
  );
  if (padded.length > 0) {
    // K not a multiple of the block: each row is padded with zeros to whole blocks (stored as
    // the zero point's code in MatMulNBits; the last block is partial in blocked DQ).
    const entries = [
      ...new Map(
        padded.map((w) => [w.weight, { weight: w.weight, k: w.k, paddedTo: w.k + w.padding }]),
      ).values(),
    ];
    setMetadata(model, 'zeropoint.weights.padding', JSON.stringify(entries));
  }
  store?.finish(model);
  const bytes = writeModel(model);
  const report: WeightsReport = {
    mode: 'weights',
    format,
    ...spec,
    algorithm: prepared.report,
    accuracyLevel,
    opset: { from, to: defaultOpset(model) },
    weights,
    ...(options.choices === undefined ? {} : { choices: options.choices }),
    skipped,
    notes,
    bytesIn,
    bytesOut: bytes.length + (store?.bytesWritten ?? 0),
    ...(narrowed === undefined ? {} : { float16: narrowed }),
  };
  return { bytes, report };
}
