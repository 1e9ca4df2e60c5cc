// The messages between the studio page (main.ts) and its Web Worker (worker.ts): what the page
// asks for (inspect a model, profile, quantize, cancel) and what the worker answers (model
// facts, progress, results, coded errors). Plain structured-clone data; buffers are transferred.
// Not the work itself (jobs.ts) and not the page (views).
import type { ErrorCode } from '../../core/errors.js';

/** Image preprocessing, as the CLI's image flags give it (src/cli/quantize/flags.ts). */
export interface StudioImageOptions {
  readonly size?: readonly [number, number];
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly scale?: number;
  readonly layout?: 'NCHW' | 'NHWC';
  readonly channels?: 'RGB' | 'BGR';
}

/** Calibration samples as the user gave them: files, and how images become tensors. */
export interface SampleFiles {
  readonly kind: 'npy' | 'npz' | 'json' | 'images';
  /** Sorted by name, numerically, as the CLI reads a folder. */
  readonly files: readonly File[];
  readonly image?: StudioImageOptions;
}

/** A user's choice for one activation group after the profile (absent: the recommendation). */
export type TensorChoice = 'recommended' | 'asymmetric' | 'symmetric' | 'float';

/** Options of a run, the subset of the CLI's quantize flags the studio offers. */
export interface StudioOptions {
  readonly method: string;
  readonly activations: 'asymmetric' | 'symmetric' | 'asymmetric-int8' | 'int16';
  readonly perTensor: boolean;
  readonly biasCorrection: boolean;
  /** After a profile: apply its per-tensor choices (recommendations unless overridden). */
  readonly choices?: Readonly<Record<string, TensorChoice>>;
  /** The id of the profile job the choices belong to (the worker keeps its last profile). */
  readonly profileId?: number;
}

/** A job the page asks of the worker. */
export type Job =
  | { readonly type: 'inspect'; readonly model: ArrayBuffer }
  | {
      readonly type: 'profile' | 'quantize';
      readonly model: ArrayBuffer;
      readonly name: string;
      readonly samples: SampleFiles;
      readonly options: StudioOptions;
    };

/** Page -> worker. */
export type Request =
  | {
      readonly type: 'init';
      readonly threads: number;
    }
  | (Job & { readonly id: number })
  | { readonly type: 'cancel'; readonly id: number };

/** One model input as the page shows it. */
export interface InputFacts {
  readonly name: string;
  readonly type: string;
  /** null: a dynamic dimension. */
  readonly dims: readonly (number | null)[] | null;
}

/** What the page shows about a model before any run. */
export interface ModelFacts {
  readonly inputs: readonly InputFacts[];
  readonly nodes: number;
  readonly opset: number;
  readonly initializerBytes: number;
}

/** One activation group's recommendation, for the per-tensor choices table. */
export interface GroupFacts {
  readonly id: string;
  readonly node: string;
  readonly tensors: number;
  readonly recommended: string;
  readonly reason: string;
  readonly sqnrDb: { readonly asymmetric: number | null; readonly symmetric: number | null };
}

/** True when a group's producing layer can be kept float by name (not a graph input, named). */
export function canKeepFloat(group: Pick<GroupFacts, 'node'>): boolean {
  return group.node !== 'graph input' && !/^[A-Za-z]+\(/.test(group.node);
}

/** Worker -> page. */
export type Reply =
  | { readonly type: 'ready'; readonly ortVersion: string; readonly methods: readonly string[] }
  | { readonly type: 'inspected'; readonly id: number; readonly facts: ModelFacts }
  | {
      readonly type: 'progress';
      readonly id: number;
      readonly stage: string;
      readonly done: number;
      readonly total: number | null;
    }
  | {
      readonly type: 'profiled';
      readonly id: number;
      readonly html: string;
      readonly json: string;
      readonly groups: readonly GroupFacts[];
      /** What `--activations auto` applies and why (a uniform scheme when measured better). */
      readonly auto: { readonly config: string; readonly reason: string };
      readonly ms: number;
    }
  | {
      readonly type: 'quantized';
      readonly id: number;
      readonly model: ArrayBuffer;
      readonly json: string;
      readonly ms: { readonly calibrate: number; readonly total: number };
    }
  | {
      readonly type: 'failed';
      readonly id: number;
      readonly code: ErrorCode | 'cancelled' | 'internal';
      readonly message: string;
    };
