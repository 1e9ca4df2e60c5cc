// A Session over any onnxruntime JavaScript package (node or web share onnxruntime-common's API):
// plain typed arrays in and out, and onnxruntime's refusals as coded `bad-model` errors. The
// adapters (node-runtime.ts, web-runtime.ts) choose the package and its session options. Not an
// import of onnxruntime: the package is passed in, so this file runs anywhere.
import { fail } from '../core/errors.js';
import type { RuntimeProfile } from './profile-events.js';
import type { RuntimeTensor, RuntimeType, Session } from './types.js';

/** The part of an onnxruntime tensor read here. */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}

/** The part of an onnxruntime InferenceSession used here. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches: string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
  endProfiling(): void;
}

/** Builds an onnxruntime tensor from a type, values and dims (the package's Tensor). */
export type OrtTensorFactory = (
  type: RuntimeType,
  data: RuntimeTensor['data'],
  dims: readonly number[],
) => OrtTensor;

function toRuntime(tensor: OrtTensor): RuntimeTensor {
  return {
    type: tensor.type as RuntimeType,
    dims: tensor.dims,
    data: tensor.data as RuntimeTensor['data'],
  };
}

/** Loads with `load`, coding a refusal as `bad-model` (after `cleanup`). */
export async function loadOrtSession(
  load: () => Promise<OrtSession>,
  cleanup: () => void = () => {},
): Promise<OrtSession> {
  try {
    return await load();
  } catch (error) {
    cleanup();
    return fail('bad-model', `onnxruntime cannot load the model: ${(error as Error).message}`);
  }
}

/** The Session over a loaded onnxruntime session; `profile` reads what its profiler wrote. */
export function wrapOrtSession(
  session: OrtSession,
  tensor: OrtTensorFactory,
  profile?: { read(): RuntimeProfile; remove(): void },
): Session {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, OrtTensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = tensor(t.type, t.data, t.dims);
      const fetches = outputs ?? session.outputNames;
      if (fetches.length === 0) fail('bad-model', 'the model has no outputs to compute');
      let result: Record<string, OrtTensor>;
      try {
        result = await session.run(ortFeeds, [...fetches]);
      } catch (error) {
        fail('bad-model', `onnxruntime cannot run the model: ${(error as Error).message}`);
      }
      const out: Record<string, RuntimeTensor> = {};
      for (const name of fetches) {
        const t = result[name];
        if (t !== undefined) out[name] = toRuntime(t);
      }
      return out;
    },
    release: async () => {
      profile?.remove();
      await session.release();
    },
    endProfiling() {
      if (profile === undefined) fail('bad-argument', 'the session was not opened with profile');
      session.endProfiling();
      return profile.read();
    },
  };
}
