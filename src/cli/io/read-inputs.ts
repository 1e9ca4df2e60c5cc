// The files every model command reads first: the model itself (read and decoded, with coded
// errors naming the file) and a calibration cache when one is given. One place, so `quantize`
// and `profile` fail on a bad path or a stale cache with the same message.
import { existsSync, readFileSync } from 'node:fs';
import { ZeropointError, fail } from '../../core/errors.js';
import { TensorStore, externalByteCount, readModel, writeModel } from '../../onnx/index.js';
import type { ModelProto } from '../../onnx/gen/onnx_pb.js';
import { CalibrationResult } from '../../ptq/index.js';
import { checkDataFiles, fileResolver } from './external-files.js';

/**
 * The model file's bytes and its decoded ModelProto, tensors in external data files read inline
 * (so every recipe can run it: the whole must stay under protobuf's 2 GB); `io`, `bad-model` or
 * `bad-file` naming the file.
 */
export function readModelFile(path: string): { bytes: Uint8Array; model: ModelProto } {
  const { bytes, model } = readModelProto(path);
  if (externalByteCount(model) === 0) return { bytes, model };
  checkDataFiles(path, model);
  const files = fileResolver(path);
  try {
    new TensorStore({ resolve: files.resolve }).finish(model);
  } finally {
    files.close();
  }
  return { bytes: writeModel(model), model };
}

/**
 * The model file's bytes and decoded ModelProto as they are: external tensors stay external
 * (their protobuf only); `io` or `bad-model` naming the file.
 */
export function readModelProto(path: string): { bytes: Uint8Array; model: ModelProto } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    fail('io', `cannot read model ${path}: ${(error as Error).message}`, { file: path });
  }
  return { bytes, model: readModel(bytes, path) };
}

/** The calibration cache at `path`, or undefined when there is none yet. */
export function loadCache(path: string | undefined): CalibrationResult | undefined {
  if (path === undefined || !existsSync(path)) return undefined;
  try {
    return CalibrationResult.fromJSON(JSON.parse(readFileSync(path, 'utf8')) as unknown);
  } catch (error) {
    if (error instanceof SyntaxError) {
      fail('bad-file', `calibration cache ${path} is not JSON; delete it to recalibrate`, {
        file: path,
      });
    }
    if (error instanceof ZeropointError) {
      fail(error.code, `calibration cache ${path}: ${error.message}; delete it to recalibrate`, {
        ...error.context,
        file: path,
      });
    }
    throw error;
  }
}
