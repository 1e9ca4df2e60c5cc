// What zeropoint asks of a runtime: load model bytes into a session, run feeds to outputs,
// release it, say its version. Types only, shared by the adapters (node-runtime.ts over
// onnxruntime-node, web-runtime.ts over onnxruntime-web) and everything that runs a model.
// Not an implementation, and no import of onnxruntime here.
import type { RuntimeProfile } from './profile-events.js';

/** Element types a session input or output can have here. */
export type RuntimeType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** A tensor fed to or read from a session. */
export interface RuntimeTensor {
  readonly type: RuntimeType;
  readonly dims: readonly number[];
  readonly data: Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

/** Options for a session; one thread by default, as benchmarks here measure. */
export interface SessionOptions {
  readonly threads?: number;
  /** ORT graph optimisation level; 'all' by default. */
  readonly optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Where ORT writes the model as optimised for this machine (its fused kernels: QLinearConv,
   * QLinearAdd...), for inspecting which QDQ groups it fused. Node runtime only: the one file
   * an adapter writes.
   */
  readonly optimizedModelPath?: string;
  /**
   * Record onnxruntime's per-node profile (its session profiler, into a temporary folder that
   * endProfiling reads and removes); the session's optimised model comes back with it. Node
   * runtime only.
   */
  readonly profile?: boolean;
  /**
   * The data files of a model with external data, by the location its tensors record (needed
   * for sessions from bytes: onnxruntime cannot find them beside a path it was not given).
   */
  readonly externalData?: readonly ExternalDataFile[];
}

/** One external data file handed to a session: the recorded location and its bytes. */
export interface ExternalDataFile {
  readonly path: string;
  readonly data: Uint8Array;
}

/** A loaded model that runs feeds to outputs. */
export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model (`outputs`: all of the model's by default); `bad-model` if ORT fails. */
  run(
    feeds: Readonly<Record<string, RuntimeTensor>>,
    outputs?: readonly string[],
  ): Promise<Record<string, RuntimeTensor>>;
  release(): Promise<void>;
  /** Stops profiling and returns what it recorded (`bad-argument` unless opened with `profile`). */
  endProfiling?(): RuntimeProfile;
}

/** One runtime behind the adapter interface: onnxruntime-node, onnxruntime-web, or a caller's. */
export interface RuntimeAdapter {
  /** The package it runs on, e.g. 'onnxruntime-node'. */
  readonly name: string;
  /** Loads model bytes into a session; `bad-model` if the runtime refuses them. */
  createSession(modelBytes: Uint8Array, options?: SessionOptions): Promise<Session>;
  /** The runtime's version, for reports. */
  version(): string;
}
