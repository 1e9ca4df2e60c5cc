// The readers' public surface: calibration data as bytes or decoded pixels in, checked batches
// of float32 feeds out, shared by the CLI (which reads the files) and the studio (which gets
// them from the page). Not file or DOM access: no Node built-in and no browser API here.
export { parseNpy, serializeNpy, type NpyArray } from './npy.js';
export {
  checkNpyHeader,
  npyFeeds,
  npySamples,
  pairNpyFiles,
  parseNpyHeader,
  type NpyBatchFiles,
  type NpyHeader,
} from './npy-inputs.js';
export { npzBatches, planNpz, type NpzArray, type NpzPlan } from './npz.js';
export { zipMemberBytes, zipMembers, type ZipMember } from './zip.js';
export { convertChannels, cropImage, resizeImage, type DecodedImage } from './image-resize.js';
export {
  fitImage,
  imageBatches,
  planImageInput,
  preprocessImage,
  type ImageGeometry,
  type ImageOptions,
  type ImageSource,
} from './image.js';
export {
  readNpyCalibration,
  readNpzCalibration,
  readImageCalibration,
  defaultBatchSize,
  type CalibrationSamples,
  type NamedBytes,
} from './calibration.js';
