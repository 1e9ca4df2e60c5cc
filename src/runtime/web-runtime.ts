// The runtime adapter over onnxruntime-web's WebAssembly backend: the default runtime in a
// browser bundle (package.json "browser" field swaps default-runtime.ts), and usable in Node too
// (onnxruntime-web runs its wasm there), which is how tests compare the two. Not WebGPU, and not
// profiling or writing the optimised model: those need the node runtime and fail here, coded.
import * as ort from 'onnxruntime-web';
import { fail } from '../core/errors.js';
import { loadOrtSession, wrapOrtSession } from './ort-session.js';
import type { RuntimeAdapter, SessionOptions } from './types.js';

/** Where onnxruntime-web finds its .wasm files, when a bundler does not place them. */
export interface WebRuntimeOptions {
  /** A URL prefix (ending in '/') holding ort-wasm-simd-threaded.{mjs,wasm}. */
  readonly wasmPaths?: string;
}

function refuseNodeOnly(options: SessionOptions): void {
  for (const key of ['profile', 'optimizedModelPath'] as const) {
    if (options[key] !== undefined && options[key] !== false) {
      fail(
        'bad-argument',
        `onnxruntime-web cannot ${key === 'profile' ? 'profile a session' : 'write the optimised model'}; use the node runtime`,
      );
    }
  }
}

/**
 * An adapter over onnxruntime-web (wasm). Its thread count is global to the page: the first
 * session's `threads` (1 by default; more needs a cross-origin isolated page) sets it.
 */
export function createWebRuntime(config: WebRuntimeOptions = {}): RuntimeAdapter {
  let started = false;
  return {
    name: 'onnxruntime-web',
    async createSession(modelBytes, options = {}) {
      refuseNodeOnly(options);
      if (!started) {
        ort.env.wasm.numThreads = options.threads ?? 1;
        ort.env.wasm.proxy = false;
        if (config.wasmPaths !== undefined) ort.env.wasm.wasmPaths = config.wasmPaths;
        ort.env.logLevel = 'fatal';
        started = true;
      }
      const session = await loadOrtSession(() =>
        ort.InferenceSession.create(modelBytes, {
          graphOptimizationLevel: options.optimization ?? 'all',
          executionProviders: ['wasm'],
          logSeverityLevel: 4,
          ...(options.externalData === undefined ? {} : { externalData: options.externalData }),
        }),
      );
      return wrapOrtSession(session, (type, data, dims) => new ort.Tensor(type, data, dims));
    },
    version: () => ort.env.versions.web ?? ort.env.versions.common,
  };
}

/** onnxruntime-web's wasm backend, with the wasm files where the bundler put them. */
export const webRuntime: RuntimeAdapter = createWebRuntime();
