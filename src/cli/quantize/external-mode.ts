// `quantize --dynamic|--weights` on models with external data, or with --external-data: the
// input's data files read with positioned reads beside the model, the quantized tensors appended
// to the output's one data file as they are made (so memory holds the model's inline part, one
// tensor and what is being written), then the data file and the model renamed into place. The
// verdict (timing in onnxruntime from bytes) is skipped here. Not the recipes (api/, ptq/).
import type { DynamicReport, WeightsReport } from '../../ptq/index.js';
import { externalByteCount } from '../../onnx/index.js';
import {
  checkDataPath,
  dataFileName,
  fileResolver,
  fileSink,
  checkDataFiles,
} from '../io/external-files.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import { checkWritable, removeQuietly, writeAtomic } from '../io/write-atomic.js';
import { runQuantizeMode, type ModeOptions } from './modes.js';

/** What the command adds to the report when it wrote external data. */
export interface ExternalDataReport {
  /** The output's data file (beside the output) and the bytes in it. */
  readonly externalData: { readonly file: string; readonly bytes: number };
}

/**
 * True when the mode's output is written with external data: asked for with --external-data
 * (`true` or a file name), or the input keeps tensors in external files.
 */
export function wantsExternalData(model: ModelProto, flag: string | boolean | undefined): boolean {
  return (flag !== undefined && flag !== false) || externalByteCount(model) > 0;
}

/**
 * Runs the mode on `modelPath` streaming its tensors, writes `output` and its data file (named
 * by `flag` when a string, else `<output>.data`), and returns the report.
 */
export async function runExternalMode(
  modelPath: string,
  input: { readonly bytes: Uint8Array; readonly model: ModelProto },
  output: string,
  mode: ModeOptions,
  flag: string | boolean | undefined,
): Promise<(DynamicReport | WeightsReport) & ExternalDataReport> {
  const { bytes, model } = input;
  const location = dataFileName(output, typeof flag === 'string' ? flag : undefined);
  checkDataPath(modelPath, model, output, location);
  checkWritable(output);
  checkDataFiles(modelPath, model);
  const files = fileResolver(modelPath);
  const sink = fileSink(output, location);
  try {
    const result = await runQuantizeMode(bytes, mode, {
      input: files.resolve,
      output: sink,
    });
    sink.commit();
    try {
      writeAtomic(output, result.model);
    } catch (error) {
      removeQuietly(sink.path);
      throw error;
    }
    const written = result.report.bytesOut - result.model.length;
    return { ...result.report, externalData: { file: sink.path, bytes: written } };
  } finally {
    sink.abort();
    files.close();
  }
}
