// An ObserveHost whose observers run in a node:worker_threads worker, so that onnxruntime
// (which runs synchronously on the calling thread in onnxruntime-node) computes batch i+1 while
// the worker observes batch i: two cores, one for the model, one for the observers. Buffers
// calibrate owns (onnxruntime's outputs) are transferred, not copied; the caller's feeds are
// copied. Idle workers are kept (unref'd) for the next calibration; prestart one early to hide
// its start. Not the observers (ptq/observe-host.ts's BatchObservers run in the worker).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fail } from '../../core/index.js';
import {
  failFromJSON,
  observedStateFromJSON,
  type ObservedTensor,
  type ObserveHostFactory,
} from '../../ptq/observe-host.js';
import type { HostMessage, WorkerReply } from './messages.js';

/** One worker and its one outstanding request. */
class ObserveWorker {
  readonly #worker: Worker;
  #waiting: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  /** Why the worker can no longer answer, once it cannot. */
  dead: Error | undefined;

  constructor() {
    this.#worker = startWorker();
    this.#worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    this.#worker.on('error', (error) => this.#settle(error));
    this.#worker.on('exit', (code) => this.#settle(new Error(`observer worker exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    this.#worker.unref();
  }

  #settle(reply: WorkerReply | Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (reply instanceof Error) {
      this.dead ??= reply;
      waiting?.reject(reply);
    } else waiting?.resolve(reply);
  }

  /** Sends one message and waits for its reply; an 'error' reply is rethrown as coded. */
  async request(message: HostMessage, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      if (this.dead !== undefined) throw this.dead;
      if (this.#waiting !== undefined) fail('bad-argument', 'the observer worker is busy');
      this.#waiting = { resolve, reject };
      this.#worker.ref();
      this.#worker.postMessage(message, transfer);
    }).finally(() => this.#worker.unref());
    return reply.type === 'error' ? failFromJSON(reply.error) : reply;
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

/**
 * The compiled worker beside this file, or, when this file runs as .ts source (tsx, vitest),
 * the .ts worker through tsx's loader, which workers do not inherit.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./observe-worker.js', import.meta.url));
  }
  const source = new URL('./observe-worker.ts', import.meta.url).href;
  const tsx = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/index\.cjs$/, 'index.mjs');
  const boot =
    `import(${JSON.stringify(pathToFileURL(tsx).href)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true });
}

const idle: ObserveWorker[] = [];

/** Starts a worker now, so that the next calibration finds it ready. */
export function prestartObserveWorker(): void {
  if (idle.length === 0) idle.push(new ObserveWorker());
}

/** The buffers of `tensors` that may move to the worker: owned, whole, each once. */
function transferable(tensors: readonly ObservedTensor[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const buffer = t.data.buffer;
    if (t.owned && buffer instanceof ArrayBuffer && t.data.byteLength === buffer.byteLength) {
      buffers.add(buffer);
    }
  }
  return [...buffers];
}

/** Observes each calibration in a worker thread; see the file comment. */
export const workerObserveHost: ObserveHostFactory = (spec) => {
  const worker = idle.pop() ?? new ObserveWorker();
  const started = worker.request({ type: 'start', spec });
  started.catch(() => undefined); // awaited below; a failure surfaces there
  let finished = false;
  return {
    async observe(batch, tensors) {
      await started;
      await worker.request({ type: 'observe', batch, tensors }, transferable(tensors));
    },
    async finish() {
      await started;
      const reply = await worker.request({ type: 'finish' });
      if (reply.type !== 'state') fail('bad-argument', 'the observer worker sent no state');
      finished = true;
      return observedStateFromJSON(reply.state);
    },
    async close() {
      await started.catch(() => undefined);
      if (finished && worker.dead === undefined) idle.push(worker);
      else await worker.terminate();
    },
  };
};
