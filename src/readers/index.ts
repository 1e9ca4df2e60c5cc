// The readers' public surface: calibration data as bytes, text or decoded pixels in, checked
// batches of feeds of the inputs' types out, shared by the CLI (which reads the files) and the
// studio (which gets them from the page). Not file or DOM access: no Node built-in and no browser API here.
export {
  parseNpy,
  parseNpyTensor,
  serializeNpy,
  serializeNpyTensor,
  type NpyArray,
  type NpyTensor,
} from './npy.js';
export {
  checkNpyHeader,
  feedType,
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
export { parseJsonSamples, sampleFeeds } from './json-samples.js';
export { tokenizeSamples, type TokenizerFiles } from './text-samples.js';
export { NPY_DTYPES, typeOfDescr } from './npy-dtypes.js';
export {
  readNpyCalibration,
  readNpzCalibration,
  readNpzArchives,
  readJsonCalibration,
  readTextCalibration,
  readImageCalibration,
  defaultBatchSize,
  type CalibrationSamples,
  type NamedBytes,
  type NamedText,
} from './calibration.js';
