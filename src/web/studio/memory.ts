// Whether a run fits in a browser tab, said before it starts: a rough peak from the model's
// size, its node count and the samples (the copies of the model a static run holds, one batch
// of every node's output exposed for calibration, the held-out samples a profile keeps) against
// the tab's limits (onnxruntime-web's 4 GiB wasm32 heap, the JS heap, the device's memory).
// An estimate to warn early, not a measurement; pure, so it is tested in Node.
const GiB = 2 ** 30;

/** Copies of the model a static run holds at its peak (see MODEL_COPIES_WHY). */
export const MODEL_COPIES = 6;
const MODEL_COPIES_WHY =
  'the file, the prepared model, the calibration copy, onnxruntime’s session, the quantized model and its check run';

/** What the estimate reads: known once the model and the samples are chosen. */
export interface MemoryInputs {
  readonly modelBytes: number;
  readonly nodes: number;
  /** Samples in all (an estimate for .npz). */
  readonly samples: number;
  /** Bytes of one sample as fed to the model (float32). */
  readonly sampleBytes: number;
  readonly batchSize: number;
}

/** The tab's limits; every field optional, as browsers expose different ones. */
export interface TabLimits {
  /** performance.memory.jsHeapSizeLimit (Chromium). */
  readonly jsHeapBytes?: number;
  /** navigator.deviceMemory in GiB (Chromium; capped at 8). */
  readonly deviceGiB?: number;
}

/** The verdict, its parts and a sentence for the page. */
export interface MemoryEstimate {
  readonly peakBytes: number;
  readonly budgetBytes: number;
  readonly verdict: 'fits' | 'tight' | 'too-large';
  readonly parts: readonly { readonly what: string; readonly bytes: number }[];
  readonly message: string;
}

/** A byte count as people read it. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Held-out samples a profile keeps: a quarter of the batches, at most 8 (advise/held-out.ts). */
function heldOutSamples(inputs: MemoryInputs): number {
  const batches = Math.ceil(inputs.samples / inputs.batchSize);
  if (batches < 2) return 0;
  return Math.min(8, Math.max(1, Math.floor(batches / 4))) * inputs.batchSize;
}

/** Estimates the peak memory of a profile or static run and compares it with the tab's limits. */
export function estimateMemory(inputs: MemoryInputs, limits: TabLimits = {}): MemoryEstimate {
  const parts = [
    {
      what: `${MODEL_COPIES} copies of the model (${MODEL_COPIES_WHY})`,
      bytes: MODEL_COPIES * inputs.modelBytes,
    },
    {
      what: `one batch of every node’s output (${inputs.nodes} nodes x ${inputs.batchSize} sample(s), about one input each)`,
      bytes: inputs.nodes * inputs.batchSize * inputs.sampleBytes,
    },
    {
      what: 'held-out samples kept for the profile',
      bytes: heldOutSamples(inputs) * inputs.sampleBytes,
    },
  ];
  const peakBytes = parts.reduce((sum, p) => sum + p.bytes, 0);
  const budgets = [
    { bytes: 4 * GiB, why: 'onnxruntime-web’s 4 GiB wasm heap' },
    ...(limits.jsHeapBytes === undefined
      ? []
      : [{ bytes: limits.jsHeapBytes, why: 'the tab’s JS heap limit' }]),
    ...(limits.deviceGiB === undefined
      ? []
      : [
          {
            bytes: (limits.deviceGiB * GiB) / 2,
            why: `half of this device’s ${limits.deviceGiB} GiB`,
          },
        ]),
  ];
  const budget = budgets.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  const tooBigFile = inputs.modelBytes >= 2 * GiB;
  const verdict =
    tooBigFile || peakBytes > budget.bytes
      ? 'too-large'
      : peakBytes > 0.6 * budget.bytes
        ? 'tight'
        : 'fits';
  const about = `about ${formatBytes(peakBytes)} at its peak, against ${formatBytes(budget.bytes)} (${budget.why})`;
  const message = tooBigFile
    ? `This model is ${formatBytes(inputs.modelBytes)}: one ONNX file over 2 GiB cannot be read in one piece; use the CLI (zeropoint quantize).`
    : verdict === 'too-large'
      ? `This run will not fit in this tab: ${about}. Use fewer or smaller samples, or the CLI (zeropoint quantize).`
      : verdict === 'tight'
        ? `This run may not fit in this tab: ${about}. Close other tabs, or use fewer samples.`
        : `This run fits in this tab: ${about}.`;
  return { peakBytes, budgetBytes: budget.bytes, verdict, parts, message };
}
