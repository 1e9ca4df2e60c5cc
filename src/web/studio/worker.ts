// The studio's Web Worker: receives jobs from the page (protocol.ts), runs them (jobs.ts) with
// one AbortController each, so the page's cancel button stops a run between batches, and
// answers with progress, results (buffers transferred) or a coded failure. Models run on the
// runtime adapter a browser bundle gets (onnxruntime-web, wasm from this origin). Not the work.
import { isZeropointError } from '../../core/errors.js';
import { OBSERVERS } from '../../observers/index.js';
import { runtimeVersion } from '../../runtime/onnxruntime.js';
import { inspectModel, profileJob, quantizeJob, type JobContext } from './jobs.js';
import type { Reply, Request } from './protocol.js';

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Request>) => void): void;
}
const scope = self as unknown as WorkerScope;
const running = new Map<number, AbortController>();
let threads = 1;

function failure(id: number, error: unknown): Reply {
  if (isZeropointError(error)) {
    return {
      type: 'failed',
      id,
      code: error.code === 'aborted' ? 'cancelled' : error.code,
      message: error.message,
    };
  }
  return {
    type: 'failed',
    id,
    code: 'internal',
    message: (error as Error)?.message ?? String(error),
  };
}

async function handle(request: Request): Promise<void> {
  if (request.type === 'init') {
    threads = request.threads;
    scope.postMessage({
      type: 'ready',
      ortVersion: runtimeVersion(),
      methods: [...OBSERVERS.keys()],
    });
    return;
  }
  if (request.type === 'cancel') {
    running.get(request.id)?.abort(new Error('cancelled in the studio'));
    return;
  }
  const { id } = request;
  const controller = new AbortController();
  running.set(id, controller);
  const context: JobContext = {
    signal: controller.signal,
    threads,
    onProgress: (stage, done, total) =>
      scope.postMessage({ type: 'progress', id, stage, done, total: total ?? null }),
  };
  const started = performance.now();
  try {
    if (request.type === 'inspect') {
      scope.postMessage({ type: 'inspected', id, facts: inspectModel(request.model) });
    } else if (request.type === 'profile') {
      const r = await profileJob(
        id,
        request.model,
        request.name,
        request.samples,
        request.options,
        context,
      );
      scope.postMessage({ type: 'profiled', id, ...r, ms: performance.now() - started });
    } else {
      const r = await quantizeJob(
        request.model,
        request.name,
        request.samples,
        request.options,
        context,
      );
      const model = r.model.slice().buffer;
      scope.postMessage(
        {
          type: 'quantized',
          id,
          model,
          json: r.json,
          ms: { calibrate: r.calibrateMs, total: performance.now() - started },
        },
        [model],
      );
    }
  } catch (error) {
    scope.postMessage(failure(id, error));
  } finally {
    running.delete(id);
  }
}

scope.addEventListener('message', (event) => void handle(event.data));
