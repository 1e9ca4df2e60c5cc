// The runtime adapter over onnxruntime-node (native CPU): sessions with a thread count, ORT's
// graph optimisation level, the optimised model written to a path, and the session profiler.
// The default runtime under Node (default-runtime.ts). Not for browsers: a bundle for the
// browser gets web-runtime.ts instead (package.json "browser" field).
import * as ort from 'onnxruntime-node';
import { profileFolder } from './profile-events.js';
import { loadOrtSession, wrapOrtSession } from './ort-session.js';
import type { RuntimeAdapter } from './types.js';

/** onnxruntime-node on the CPU, one thread unless asked. */
export const nodeRuntime: RuntimeAdapter = {
  name: 'onnxruntime-node',
  async createSession(modelBytes, options = {}) {
    const folder = options.profile === true ? profileFolder() : undefined;
    const optimizedPath = folder?.optimizedPath ?? options.optimizedModelPath;
    const session = await loadOrtSession(
      () =>
        ort.InferenceSession.create(modelBytes, {
          intraOpNumThreads: options.threads ?? 1,
          interOpNumThreads: 1,
          graphOptimizationLevel: options.optimization ?? 'all',
          executionProviders: ['cpu'],
          // Fatal only: ORT would print its refusals to stderr beside the coded error they
          // become here, and its warnings belong in reports, not on the console.
          logSeverityLevel: 4,
          ...(optimizedPath === undefined ? {} : { optimizedModelFilePath: optimizedPath }),
          ...(options.externalData === undefined ? {} : { externalData: options.externalData }),
          ...(folder === undefined
            ? {}
            : { enableProfiling: true, profileFilePrefix: folder.prefix }),
        }),
      () => folder?.remove(),
    );
    return wrapOrtSession(session, (type, data, dims) => new ort.Tensor(type, data, dims), folder);
  },
  version: () => ort.env.versions.node ?? ort.env.versions.common,
};
