// The JSON report of `zeropoint quantize` in static mode: one type that the plain command and
// the advised one (--activations auto, --target) both fill. Not its formatting.
import type { PlanSummary } from '../passes/index.js';
import type { AdviceSummary } from './profile-format.js';

/** The JSON report of a static quantization run. */
export interface QuantizeReport {
  readonly input: string;
  readonly output: string;
  readonly mode: 'static';
  readonly method: string;
  readonly activations: PlanSummary['activation'] & { readonly storage: string };
  readonly samples: number;
  readonly calibrationMs: number;
  readonly cache: string | null;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  /** Conv biases corrected for the mean shift of weight rounding (0 without --bias-correction). */
  readonly biasCorrected: number;
  readonly plan: PlanSummary;
  readonly notes: readonly string[];
  /** With --activations auto or --target: the advisor's decisions and search trials. */
  readonly advice?: AdviceSummary;
}
