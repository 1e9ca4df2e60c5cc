// `quantize --weights int4 --calib PATH`: reads the calibration data (the same readers and image
// flags as static quantization) and adds the statistics GPTQ and AWQ need (api/'s
// weightStatistics: X^T X of each MatMul/Gemm input) to the weight-only options, with a
// progress bar. Without --calib the options are returned as they were. Not the recipe.
import { weightStatistics } from '../../api/weight-statistics.js';
import { modelInputs, type WeightsOptions } from '../../ptq/index.js';
import { progressBar } from '../common/progress.js';
import { openCalibrationData } from '../io/calib-data.js';
import { readModelFile } from '../io/read-inputs.js';
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
  const options = await withWeightStatistics(modelPath, mode.options, { ...flags, calib });
  return { mode: 'weights', options };
}

/** The weight-only options plus statistics of the calibration data `flags.calib` names. */
async function withWeightStatistics(
  modelPath: string,
  options: WeightsOptions,
  flags: QuantizeFlags & { readonly calib: string },
): Promise<WeightsOptions> {
  const { bytes, model } = readModelFile(modelPath);
  const run = runFromFlags(flags);
  const data = await openCalibrationData(flags.calib, modelInputs(model), {
    ...run,
    image: imageFromFlags(flags),
  });
  const bar = progressBar(data.samples, 'calibrating (weights)', { quiet: flags.json === true });
  try {
    const statistics = await weightStatistics(bytes, data.batches, {
      ...(run.threads === undefined ? {} : { threads: run.threads }),
      onProgress: (_stage, done) => bar.update(done, data.samples),
    });
    return { ...options, statistics };
  } finally {
    bar.stop();
  }
}
