// The quantization modes the transformer bench compares with fp32, each through the public
// library API (src/api). Adding a mode is one line in MODES: a label and a function from the
// fp32 model bytes and its calibration samples to the quantized model bytes.
// Not scoring (models.ts) and not the table (index.ts).
import {
  convertFloat16,
  quantizeDynamic,
  quantizeStatic,
  quantizeWeights,
  type FeedsLike,
  type QuantizeWeightsOptions,
} from '../../src/api/index.js';

/** One row of the table: how to quantize a model. */
export interface QuantMode {
  readonly name: string;
  readonly quantize: (fp32: Uint8Array, calib: readonly FeedsLike[]) => Promise<Uint8Array>;
}

const model = (p: Promise<{ model: Uint8Array }>): Promise<Uint8Array> => p.then((r) => r.model);
/** A weight-only mode with these options. */
const weights =
  (o: QuantizeWeightsOptions): QuantMode['quantize'] =>
  (m) =>
    model(quantizeWeights(m, o));
/** A weight-only mode with these options and the calibration samples (GPTQ, AWQ, the default). */
const calibrated =
  (o: QuantizeWeightsOptions): QuantMode['quantize'] =>
  (m, c) =>
    model(quantizeWeights(m, { ...o, calibration: c }));

/** The model converted to float16 (float32 I/O, as transformers.js's model_fp16.onnx). */
const fp16 = (m: Uint8Array): Promise<Uint8Array> => model(convertFloat16(m));

/** The modes, in table order: one line each. */
export const MODES: readonly QuantMode[] = [
  { name: 'static int8', quantize: (m, c) => model(quantizeStatic(m, c)) },
  {
    name: 'static int8 smooth-quant',
    quantize: (m, c) => model(quantizeStatic(m, c, { smoothQuant: {} })),
  },
  {
    name: 'static int8 QK^T/AV quantized',
    quantize: (m, c) => model(quantizeStatic(m, c, { activationMatMul: 'quantize' })),
  },
  {
    name: 'static int8 smooth-quant 0.5',
    quantize: (m, c) => model(quantizeStatic(m, c, { smoothQuant: { alpha: 0.5 } })),
  },
  { name: 'dynamic int8', quantize: (m) => model(quantizeDynamic(m)) },
  { name: 'weights int8', quantize: weights({ bits: 8 }) },
  { name: 'int4 b32 sym', quantize: weights({ bits: 4, blockSize: 32, scheme: 'symmetric' }) },
  { name: 'int4 b32 asym', quantize: weights({ bits: 4, blockSize: 32, scheme: 'asymmetric' }) },
  {
    name: 'int4 b32 sym hqq',
    quantize: weights({ bits: 4, scheme: 'symmetric', algorithm: 'hqq' }),
  },
  { name: 'int4 b32 asym hqq', quantize: weights({ bits: 4, algorithm: 'hqq' }) },
  {
    name: 'int4 b32 sym gptq',
    quantize: calibrated({ bits: 4, scheme: 'symmetric', algorithm: 'gptq' }),
  },
  { name: 'int4 b32 asym gptq', quantize: calibrated({ bits: 4, algorithm: 'gptq' }) },
  {
    name: 'int4 b32 asym gptq act-order',
    quantize: calibrated({ bits: 4, algorithm: 'gptq', gptq: { actOrder: true } }),
  },
  {
    name: 'int4 b32 sym awq',
    quantize: calibrated({ bits: 4, scheme: 'symmetric', algorithm: 'awq' }),
  },
  { name: 'int4 b32 asym awq', quantize: calibrated({ bits: 4, algorithm: 'awq' }) },
  { name: 'int4 b32 default with calib', quantize: calibrated({ bits: 4 }) },
  {
    name: 'int4 b32 auto (chosen on held-out calib)',
    quantize: calibrated({ bits: 4, select: true }),
  },
  {
    name: 'int4 b32 default with calib + gather',
    quantize: calibrated({ bits: 4, gather: true }),
  },
  { name: 'int4 b32 matmulnbits', quantize: weights({ bits: 4, format: 'matmulnbits' }) },
  {
    name: 'int4 b32 matmulnbits + gather',
    quantize: weights({ bits: 4, format: 'matmulnbits', gather: true }),
  },
  { name: 'weights int8 + gather', quantize: weights({ bits: 8, gather: true }) },
  { name: 'fp16', quantize: fp16 },
  { name: 'fp16 static int8', quantize: async (m, c) => model(quantizeStatic(await fp16(m), c)) },
  { name: 'fp16 dynamic int8', quantize: async (m) => model(quantizeDynamic(await fp16(m))) },
  {
    name: 'q4f16 (MatMulNBits b32, then fp16)',
    quantize: async (m) => fp16(await weights({ bits: 4, format: 'matmulnbits' })(m, [])),
  },
];
