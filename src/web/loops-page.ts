// Browser side of the loop benchmark: bundled by browser-loops.ts and loaded by its page, it
// builds the same data and cases as Node (loop-cases.ts) and times them in this browser's
// WebAssembly engine. Not statistics or printing: Node compares the figures.
import { loopCases, loopData, timeLoopCases, type LoopTimings } from './loop-cases.js';

/** Times the loop cases on n values in this page. */
export function runLoops(n: number, rounds: number): LoopTimings {
  return timeLoopCases(loopCases(loopData(n)), rounds);
}

(globalThis as unknown as { zeropointRunLoops: typeof runLoops }).zeropointRunLoops = runLoops;
