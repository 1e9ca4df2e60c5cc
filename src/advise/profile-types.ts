// The data a profile is made of: per tensor its statistics, histogram, candidates and
// recommendation; per layer its sensitivity; the hardware the costs come from; and what was
// skipped and why. Plain JSON-able data (Infinity aside, which the report's JSON writes as
// null), so the report renders it and `--json` saves it. Not the computation.
import type { StorageChoice } from './storage-choice.js';
import type { Candidate, Clamp, RangeMethod } from './candidates.js';
import type { DisplayHistogram } from './display-histogram.js';
import type { Recommendation } from './recommend.js';
import type { TensorStats } from './tensor-stats.js';

/** The profile of one quantized tensor: an activation group or a weight. */
export interface TensorProfile {
  readonly kind: 'activation' | 'weight';
  /** Activation group id (its first tensor) or the weight's name. */
  readonly id: string;
  /** The tensors sharing these parameters (activations), or the weight alone. */
  readonly tensors: readonly string[];
  /** The calibrated tensors whose values it quantizes (a folded Relu's output stands for its input). */
  readonly calibrated: readonly string[];
  /** Op types of the integer kernels that read it. */
  readonly consumers: readonly string[];
  /** The node that produces it (activations) or that reads it (weights), by label. */
  readonly node: string;
  readonly shape: readonly number[] | null;
  readonly clamp: Clamp | null;
  readonly stats: TensorStats;
  readonly histogram: DisplayHistogram;
  readonly candidates: readonly Candidate[];
  /**
   * Relative kernel time of each candidate on the target hardware, keyed `scheme qtype` as the
   * candidates name them (symmetric is stored as the model's storage type); null: no figure.
   */
  readonly costs: Readonly<Record<string, number | null>>;
  readonly recommendation: Recommendation;
  /**
   * The recommendation's error measured on held-out samples (activations; null: none held out),
   * and the SQNR of every per-tensor candidate, keyed by candidateKey.
   */
  readonly measured: {
    readonly sqnrDb: number;
    readonly mse: number;
    readonly candidates?: Readonly<Record<string, number>>;
  } | null;
}

/** Output SQNR against fp32 with only one layer quantized. */
export interface LayerSensitivity {
  /** The node's key in the plan (its first output). */
  readonly node: string;
  readonly label: string;
  readonly opType: string;
  /** Model output SQNR in dB (higher: less sensitive). */
  readonly sqnrDb: number;
}

/** How the sensitivity analysis ran. */
export interface SensitivityRun {
  readonly layers: readonly LayerSensitivity[];
  /** Held-out samples each model ran on. */
  readonly samples: number;
  readonly ms: number;
  /** Layers not measured, with why (a build or run failure). */
  readonly skipped: readonly { readonly node: string; readonly reason: string }[];
}

/** Where the kernel costs came from. */
export interface HardwareSummary {
  readonly source: 'built-in' | 'file';
  readonly file: string | null;
  readonly description: string;
  readonly storage: StorageChoice;
}

/** Output SQNR against fp32 (dB) of one whole-model configuration. */
export interface ModelComparison {
  readonly config: string;
  readonly sqnrDb: number;
}

/** Which configuration `--activations auto` applies, and the measurement that decided. */
export interface AutoChoice {
  readonly config: string;
  /** The batches the configurations were compared on; null when none were available. */
  readonly basis: { readonly kind: 'held-out' | 'calibration'; readonly samples: number } | null;
  readonly reason: string;
}

/** Everything `zeropoint profile` found. */
export interface ModelProfile {
  readonly model: string;
  readonly samples: { readonly calibration: number; readonly heldOut: number };
  /** The calibration method recommendations take their ranges from. */
  readonly method: RangeMethod;
  readonly hardware: HardwareSummary;
  readonly tensors: readonly TensorProfile[];
  readonly sensitivity: SensitivityRun | null;
  readonly comparisons: readonly ModelComparison[];
  readonly auto: AutoChoice;
  /** Things a person should know that did not stop the run. */
  readonly warnings: readonly string[];
  readonly timings: Readonly<Record<string, number>>;
}
