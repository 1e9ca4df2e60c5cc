// onnxruntime's session profiler, read back: the session writes a Chrome-trace JSON file (and,
// here, the model as optimised for this machine) into a temporary folder; endProfiling reads
// both and removes the folder. Not aggregation nor attribution (hardware/node-timing.ts does
// that): this returns the events as onnxruntime wrote them, typed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail } from '../core/errors.js';

/** One timed event of onnxruntime's profiler (a node's kernel, or a whole run). */
export interface ProfileEvent {
  /** 'Node' for a kernel, 'Session' for model_run and the like. */
  readonly category: string;
  /** The node's name in the optimised graph (without `_kernel_time`), or the session event's. */
  readonly name: string;
  /** The node's op type (empty for session events). */
  readonly op: string;
  /** Start and duration in microseconds since the session began. */
  readonly start: number;
  readonly duration: number;
}

/** What a profiled session recorded: its events, and the optimised model they name nodes of. */
export interface RuntimeProfile {
  readonly events: readonly ProfileEvent[];
  /** The model bytes onnxruntime ran after its graph optimisations (fused QLinear* nodes...). */
  readonly optimizedModel: Uint8Array;
}

/** A temporary folder for one profiled session, and the file names it gives onnxruntime. */
export interface ProfileFolder {
  readonly prefix: string;
  readonly optimizedPath: string;
  /** Reads what onnxruntime wrote (call after endProfiling) and removes the folder. */
  read(): RuntimeProfile;
  remove(): void;
}

interface RawEvent {
  readonly cat?: unknown;
  readonly name?: unknown;
  readonly ts?: unknown;
  readonly dur?: unknown;
  readonly args?: { readonly op_name?: unknown };
}

function toEvent(raw: RawEvent): ProfileEvent | undefined {
  if (typeof raw.name !== 'string' || typeof raw.dur !== 'number') return undefined;
  const category = typeof raw.cat === 'string' ? raw.cat : '';
  const name = category === 'Node' ? raw.name.replace(/_kernel_time$/, '') : raw.name;
  const op = typeof raw.args?.op_name === 'string' ? raw.args.op_name : '';
  return { category, name, op, start: typeof raw.ts === 'number' ? raw.ts : 0, duration: raw.dur };
}

/** Makes the folder a profiled session writes into. */
export function profileFolder(): ProfileFolder {
  const dir = mkdtempSync(join(tmpdir(), 'zeropoint-profile-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  return {
    prefix: join(dir, 'profile'),
    optimizedPath: join(dir, 'optimized.onnx'),
    remove,
    read() {
      try {
        const file = readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
        if (file === undefined) fail('io', `onnxruntime wrote no profile into ${dir}`);
        const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RawEvent[];
        const events = raw.map(toEvent).filter((e): e is ProfileEvent => e !== undefined);
        const optimizedModel = new Uint8Array(readFileSync(join(dir, 'optimized.onnx')));
        return { events, optimizedModel };
      } finally {
        remove();
      }
    },
  };
}
