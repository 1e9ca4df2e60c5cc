// The messages between the worker observe host (worker-host.ts) and its worker
// (observe-worker.ts): plain data that structured clone carries, tensors' buffers transferred.
// Not behaviour: both ends' logic lives in their own files.
import type {
  ErrorJSON,
  ObservedStateJSON,
  ObservedTensor,
  ObserveSpec,
} from '../../ptq/observe-host.js';

/** Host -> worker: start a calibration, observe one batch, or send the state after the last. */
export type HostMessage =
  | { readonly type: 'start'; readonly spec: ObserveSpec }
  | {
      readonly type: 'observe';
      readonly batch: number;
      readonly tensors: readonly ObservedTensor[];
    }
  | { readonly type: 'finish' };

/** Worker -> host: one reply per message. */
export type WorkerReply =
  | { readonly type: 'done' }
  | { readonly type: 'state'; readonly state: ObservedStateJSON }
  | { readonly type: 'error'; readonly error: ErrorJSON };
