// The page's handle on the studio worker: starts it, numbers requests, routes progress to the
// caller and settles one promise per request; cancel() fires the job's AbortSignal in the
// worker and, if the job has not stopped within a grace period, ends the worker and starts a
// new one. Not the work (worker.ts, jobs.ts) and not the page's state (main.ts).
import type { Job, ModelFacts, Reply, Request } from './protocol.js';

/** Progress of the running job, as the worker reports it. */
export type ProgressListener = (stage: string, done: number, total: number | null) => void;

type Settled = Extract<Reply, { type: 'inspected' | 'profiled' | 'quantized' | 'failed' }>;

interface Pending {
  resolve(reply: Settled): void;
  progress: ProgressListener | undefined;
}

/** Milliseconds a cancelled job gets to stop at its next batch before the worker is ended. */
const CANCEL_GRACE_MS = 3000;

/** A running studio worker. */
export class StudioClient {
  private worker!: Worker;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  /** Resolves with onnxruntime-web's version once the worker has loaded. */
  ready!: Promise<{ ortVersion: string; methods: readonly string[] }>;

  constructor(private readonly threads: number) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.ready = new Promise((resolve) => {
      this.worker.addEventListener('message', (event: MessageEvent<Reply>) => {
        const reply = event.data;
        if (reply.type === 'ready') return resolve(reply);
        const pending = this.pending.get(reply.id);
        if (pending === undefined) return;
        if (reply.type === 'progress')
          return pending.progress?.(reply.stage, reply.done, reply.total);
        this.pending.delete(reply.id);
        pending.resolve(reply);
      });
    });
    this.worker.addEventListener('error', (event) => {
      for (const [id, p] of this.pending) {
        p.resolve({
          type: 'failed',
          id,
          code: 'internal',
          message: event.message || 'the worker stopped',
        });
      }
      this.pending.clear();
    });
    this.post({ type: 'init', threads: this.threads });
  }

  private post(request: Request, transfer: Transferable[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  /** Sends a job; the promise settles with its result or a coded failure, never rejects. */
  run(job: Job, progress?: ProgressListener): { id: number; done: Promise<Settled> } {
    const id = this.next++;
    const done = new Promise<Settled>((resolve) => this.pending.set(id, { resolve, progress }));
    // Model bytes are copied, not transferred: the page keeps its copy for the next run.
    this.post({ ...job, id });
    return { id, done };
  }

  /** Cancels job `id`: its signal first, then the whole worker if it does not stop in time. */
  cancel(id: number): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.post({ type: 'cancel', id });
    setTimeout(() => {
      if (!this.pending.has(id)) return;
      this.worker.terminate();
      this.pending.delete(id);
      pending.resolve({
        type: 'failed',
        id,
        code: 'cancelled',
        message: 'cancelled (the worker was stopped)',
      });
      for (const [other, p] of this.pending) {
        p.resolve({
          type: 'failed',
          id: other,
          code: 'internal',
          message: 'the worker was restarted',
        });
      }
      this.pending.clear();
      this.start();
    }, CANCEL_GRACE_MS);
  }
}

/** The facts of an inspected model, or the failure's message. */
export async function inspect(
  client: StudioClient,
  model: ArrayBuffer,
): Promise<ModelFacts | string> {
  const reply = await client.run({ type: 'inspect', model }).done;
  return reply.type === 'inspected'
    ? reply.facts
    : reply.type === 'failed'
      ? reply.message
      : 'unexpected reply';
}
