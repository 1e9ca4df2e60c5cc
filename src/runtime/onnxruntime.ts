// The runtime entry everything that runs a model imports: the adapter types, createSession
// (the default runtime, or the one a caller passes) and runtimeVersion. The default is
// onnxruntime-node under Node and onnxruntime-web in a browser bundle (default-runtime.ts).
// Not an adapter itself: node-runtime.ts and web-runtime.ts are.
import { defaultRuntime } from './default-runtime.js';
import type { RuntimeAdapter, Session, SessionOptions } from './types.js';

export type {
  RuntimeAdapter,
  RuntimeTensor,
  RuntimeType,
  Session,
  SessionOptions,
} from './types.js';
export { defaultRuntime } from './default-runtime.js';

/**
 * Loads model bytes into a session of `runtime` (the default runtime unless given); `bad-model`
 * if the runtime refuses them.
 */
export function createSession(
  modelBytes: Uint8Array,
  options: SessionOptions = {},
  runtime: RuntimeAdapter = defaultRuntime,
): Promise<Session> {
  return runtime.createSession(modelBytes, options);
}

/** The version of `runtime` (the default runtime unless given), for reports. */
export function runtimeVersion(runtime: RuntimeAdapter = defaultRuntime): string {
  return runtime.version();
}
