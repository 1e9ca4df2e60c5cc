// The one adapter over onnxruntime-node: create a session from model bytes, run it on plain
// typed arrays. Nothing else in zeropoint imports onnxruntime. Not model editing (onnx/) and
// not calibration logic (ptq/): this only runs what it is given.
import * as ort from 'onnxruntime-node';
import { fail } from '../core/errors.js';
import { profileFolder, type RuntimeProfile } from './profile-events.js';

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
   * QLinearAdd...), for inspecting which QDQ groups it fused. The one file this adapter writes.
   */
  readonly optimizedModelPath?: string;
  /**
   * Record onnxruntime's per-node profile (its session profiler, into a temporary folder that
   * endProfiling reads and removes); the session's optimised model comes back with it.
   */
  readonly profile?: boolean;
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

function toRuntime(tensor: ort.Tensor): RuntimeTensor {
  return {
    type: tensor.type as RuntimeType,
    dims: tensor.dims,
    data: tensor.data as RuntimeTensor['data'],
  };
}

/** Loads model bytes into an onnxruntime-node CPU session; `bad-model` if ORT refuses them. */
export async function createSession(
  modelBytes: Uint8Array,
  options: SessionOptions = {},
): Promise<Session> {
  let session: ort.InferenceSession;
  const folder = options.profile === true ? profileFolder() : undefined;
  const optimizedPath = folder?.optimizedPath ?? options.optimizedModelPath;
  try {
    session = await ort.InferenceSession.create(modelBytes, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: options.optimization ?? 'all',
      executionProviders: ['cpu'],
      // Fatal only: ORT would print its refusals to stderr beside the coded error they become
      // here, and its warnings belong in reports, not on the console.
      logSeverityLevel: 4,
      ...(optimizedPath === undefined ? {} : { optimizedModelFilePath: optimizedPath }),
      ...(folder === undefined ? {} : { enableProfiling: true, profileFilePrefix: folder.prefix }),
    });
  } catch (error) {
    folder?.remove();
    fail('bad-model', `onnxruntime cannot load the model: ${(error as Error).message}`);
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      }
      const fetches = outputs ?? session.outputNames;
      if (fetches.length === 0) fail('bad-model', 'the model has no outputs to compute');
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run(ortFeeds, fetches as string[]);
      } catch (error) {
        fail('bad-model', `onnxruntime cannot run the model: ${(error as Error).message}`);
      }
      const out: Record<string, RuntimeTensor> = {};
      for (const name of fetches) {
        const tensor = result[name];
        if (tensor !== undefined) out[name] = toRuntime(tensor);
      }
      return out;
    },
    release: async () => {
      folder?.remove();
      await session.release();
    },
    endProfiling() {
      if (folder === undefined) fail('bad-argument', 'the session was not opened with profile');
      session.endProfiling();
      return folder.read();
    },
  };
}

/** The onnxruntime version this adapter runs, for reports. */
export function runtimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}
