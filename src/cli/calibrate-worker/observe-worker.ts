// The worker side of the worker observe host: holds one calibration's observers at a time
// (ptq/observe-host.ts's BatchObservers, the same code the in-thread host runs) and answers
// each message from the host: 'start' and 'observe' -> 'done', 'finish' -> 'state', any
// failure -> 'error'. Not the host (worker-host.ts); batches arrive in order, one at a time.
import { parentPort } from 'node:worker_threads';
import { BatchObservers, errorToJSON } from '../../ptq/observe-host.js';
import type { HostMessage, WorkerReply } from './messages.js';

const port = parentPort!;
let observers: BatchObservers | undefined;

function answer(message: HostMessage): WorkerReply {
  if (message.type === 'start') {
    observers = new BatchObservers(message.spec);
    return { type: 'done' };
  }
  if (observers === undefined) throw new Error(`'${message.type}' before 'start'`);
  if (message.type === 'observe') {
    observers.observe(message.batch, message.tensors);
    return { type: 'done' };
  }
  const state = observers.toJSON();
  observers = undefined;
  return { type: 'state', state };
}

port.on('message', (message: HostMessage) => {
  let reply: WorkerReply;
  try {
    reply = answer(message);
  } catch (error) {
    observers = undefined;
    reply = { type: 'error', error: errorToJSON(error) };
  }
  port.postMessage(reply);
});
