// The types the API's options, results and reports name, defined in the layers below and
// re-exported here so the package entry (and the TypeDoc reference generated from it) holds
// every one of them; CalibrationResult is a value too (fromJSON reads a saved cache back).
// Not new types: each is documented where it is defined.
export type {
  AccuracyTarget,
  AdviceSummary,
  AutoChoice,
  Candidate,
  Clamp,
  DisplayHistogram,
  HardwareInput,
  HardwareSummary,
  LayerSensitivity,
  MeasuredCandidate,
  ModeCandidates,
  ModeCheck,
  ModelComparison,
  ModelProfile,
  Outputs,
  Preference,
  RangeMethod,
  Recommendation,
  ScoreFunction,
  SensitivityRun,
  StorageChoice,
  TensorProfile,
  StaticVerdict,
  TensorStats,
  Trial,
  Verdict,
  VerdictOptions,
} from '../advise/index.js';
export type {
  HardwareProfile,
  KernelMeasurement,
  ProfileMachine,
  ProfileRuntime,
  SkippedKernel,
} from '../hardware/index.js';
export type { ActivationMode, PlanOptions, PlanSummary, TensorOverride } from '../passes/index.js';
export type { DynamicEntry, DynamicWeightType } from '../passes/dynamic-matmul.js';
export type { QuantizedWeight } from '../passes/weight-only-matmulnbits.js';
export type { SkippedNode } from '../passes/weight-only-targets.js';
export type { WeightAlgorithm } from '../passes/weight-only-algorithms.js';
export type { AwqGroup } from '../passes/weight-only-awq-fold.js';
export type { GptqOptions } from '../passes/weight-only-gptq.js';
export type { ActivationStats } from '../passes/weight-only-hessian.js';
export type { HqqOptions } from '../passes/weight-only-hqq.js';
export type { WeightAlgorithmOptions, WeightAlgorithmReport } from '../ptq/weight-algorithm.js';
export {
  CalibrationResult,
  type CalibrationInit,
  type CalibrationJSON,
  type CalibrationNote,
  type DynamicConvForm,
  type DynamicReport,
  type Feeds,
  type ModelInput,
  type ObservedState,
  type ObservedTensor,
  type ObserveHost,
  type ObserveHostFactory,
  type ObserveSpec,
  type RangeFallback,
  type RangeOptions,
  type WeightChoice,
  type WeightFormat,
  type WeightsReport,
} from '../ptq/index.js';
export type { ChannelMeans, ChannelMeansJSON } from '../ptq/channel-means.js';
export type {
  DecisionRow,
  ProfileJSON,
  ProfileSummary,
  QuantizeReport,
  ReportMeta,
} from '../report/index.js';
