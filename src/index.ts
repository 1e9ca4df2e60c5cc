// zeropoint's one public entry point: `import { quantizeStatic, chooseQParams, observers } from
// 'zeropoint'`. Re-exports the layers meant for users; nothing here touches the file system.
export * from './core/index.js';
export * as kernels from './kernels/index.js';
export * as observers from './observers/index.js';
export { createObserver, observerFromJSON, type Observer } from './observers/index.js';
export * as onnx from './onnx/index.js';
// The recipes as typed functions (api/), and the types their options and reports name.
export {
  convertFloat16,
  transformersVariants,
  type ConvertFloat16Options,
  type VariantResult,
  type VariantsOptions,
  profileModel,
  quantizeAdaround,
  quantizeAdvised,
  quantizeDynamic,
  quantizeQat,
  quantizeStatic,
  quantizeWeights,
  quantizeWeightsQat,
  type AdvisedReport,
  type CalibrationFeeds,
  type ExternalDataFile,
  type ExternalDataOptions,
  type FeedsLike,
  type ProfileModelOptions,
  type ProfileModelResult,
  type ProgressCallback,
  type ProgressStage,
  type QuantizeAdaroundOptions,
  type QuantizeAdaroundResult,
  type QuantizeAdvisedOptions,
  type QuantizeAdvisedResult,
  type QuantizeDynamicOptions,
  type QuantizeModeResult,
  type QuantizeQatOptions,
  type QuantizeQatResult,
  type QuantizeStaticOptions,
  type QuantizeStaticResult,
  type QuantizeWeightsOptions,
  type QuantizeWeightsQatOptions,
  type ReportFiles,
  type RunOptions,
  type TensorLike,
  type WeightCalibrationOptions,
  type WeightsQatReport,
  weightStatistics,
} from './api/index.js';
export type { HoldoutOptions } from './api/split-feeds.js';
export type { LearnMode, QatReport, QatSettings, QatStep } from './qat/qat-recipe.js';
export type { LossFunction, LossSample, LossTensor, LossValue } from './qat/objective.js';
export type {
  AdaroundLayerReport,
  AdaroundReport,
  AdaroundSettings,
} from './qat/adaround-recipe.js';
export * from './api/public-types.js';
// Running models: the runtime adapter interface and the default runtime (onnxruntime-node here,
// onnxruntime-web in a browser bundle; the adapters themselves are 'zeropoint/runtime/node' and
// 'zeropoint/runtime/web'), and the readers of calibration data (bytes or pixels in, feeds out).
export {
  createSession,
  defaultRuntime,
  runtimeVersion,
  type RuntimeAdapter,
  type RuntimeTensor,
  type RuntimeType,
  type Session,
  type SessionOptions,
} from './runtime/onnxruntime.js';
export * as readers from './readers/index.js';
