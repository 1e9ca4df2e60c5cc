// A RunSession over onnxruntime-node for the OCR benchmark (one thread, CPU), so an accuracy
// benchmark can evaluate an fp32 or a quantized model file in one call.
// Not the product's onnxruntime adapter; benchmark code only.
import * as ort from 'onnxruntime-node';
import type { RunSession, Tensor } from './index.js';

/** Opens `modelPath` (or model bytes) and returns a runner that feeds tensors by name. */
export async function ortRunner(model: string | Uint8Array): Promise<RunSession> {
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 };
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, options)
      : await ort.InferenceSession.create(model, options);
  return async (inputs: readonly Tensor[]) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of inputs) feeds[t.name] = new ort.Tensor('float32', t.data, t.dims);
    const results = await session.run(feeds);
    return session.outputNames.map((name): Tensor => {
      const out = results[name]!;
      if (out.type !== 'float32') throw new Error(`output ${name} is ${out.type}, not float32`);
      return { name, data: out.data as Float32Array, dims: [...out.dims] };
    });
  };
}
