// `quantize --weights int4 --calib PATH`: reads the calibration data (the same readers and image
// flags as static quantization) and adds the statistics GPTQ and AWQ need (X^T X of each
// MatMul/Gemm input) and, without --algorithm, the algorithm chosen on held-out samples (api/'s
// calibrateWeights), with progress bars. Without --calib the options are as they were. Not the recipe.
// The statistics session holds the whole model (external data read inline): models past
// protobuf's 2 GB are refused before anything is read, naming the data-free algorithms; the
// int4 default (HQQ) reads no data and skips all of this.
import { calibrateWeights, withInt4Default } from '../../api/weight-selection.js';
import { fail } from '../../core/errors.js';
import { externalByteCount, PROTOBUF_LIMIT } from '../../onnx/index.js';
import { modelInputs, type WeightsOptions } from '../../ptq/index.js';
import { progressBar, type Progress } from '../common/progress.js';
import { openCalibrationData } from '../io/calib-data.js';
import { readModelFile, readModelProto } from '../io/read-inputs.js';
import { imageFromFlags, runFromFlags, type QuantizeFlags } from './flags.js';
import type { ModeOptions } from './modes.js';

/** A --weights mode with calibration statistics added when `flags.calib` names data. */
export async function calibrateMode(
  modelPath: string,
  mode: ModeOptions | undefined,
  flags: QuantizeFlags,
): Promise<ModeOptions | undefined> {
  const { calib } = flags;
  if (mode?.mode !== 'weights' || calib === undefined) return mode;
  // The int4 default reads no data (and streams past 2 GB): the data is opened only to check it.
  const defaulted = withInt4Default(mode.options);
  if (defaulted !== undefined) {
    const { model } = readModelProto(modelPath);
    await openCalibrationData(calib, modelInputs(model), { image: imageFromFlags(flags) });
    return { mode: 'weights', options: defaulted };
  }
  const options = await withWeightStatistics(modelPath, mode.options, { ...flags, calib });
  return { mode: 'weights', options };
}

/** The weight-only options plus statistics of the calibration data `flags.calib` names. */
async function withWeightStatistics(
  modelPath: string,
  options: WeightsOptions,
  flags: QuantizeFlags & { readonly calib: string },
): Promise<WeightsOptions> {
  checkStatisticsSize(modelPath);
  const { bytes, model } = readModelFile(modelPath);
  const run = runFromFlags(flags);
  const data = await openCalibrationData(flags.calib, modelInputs(model), {
    ...run,
    image: imageFromFlags(flags),
  });
  const quiet = flags.json === true;
  const bar = progressBar(data.samples, 'calibrating (weights)', { quiet });
  let choosing: Progress | undefined;
  try {
    return await calibrateWeights(bytes, data.batches, options, {
      ...(run.threads === undefined ? {} : { threads: run.threads }),
      onProgress: (stage, done, total) => {
        if (stage === 'calibrating') return bar.update(done, data.samples);
        bar.stop();
        choosing ??= progressBar(total, 'choosing the algorithm on held-out samples', { quiet });
        choosing.update(done, total);
      },
    });
  } finally {
    bar.stop();
    choosing?.stop();
  }
}

/**
 * Refuses a model whose tensors, external data included, exceed what one onnxruntime session
 * from bytes takes (protobuf's 2 GB): GPTQ and AWQ statistics run the float model whole.
 */
function checkStatisticsSize(modelPath: string): void {
  const { bytes, model } = readModelProto(modelPath);
  const total = bytes.length + externalByteCount(model);
  if (total <= PROTOBUF_LIMIT) return;
  fail(
    'bad-argument',
    `--calib with --weights runs ${modelPath} (${(total / 1e9).toFixed(2)} GB with its external ` +
      "data) in one onnxruntime session for GPTQ/AWQ statistics, past protobuf's 2 GB limit; " +
      'drop --calib and use --algorithm hqq or rtn, which need no data and stream the weights',
    { file: modelPath },
  );
}
