// Child process of `zeropoint bench`'s memory measurement: receives a model path and feeds over
// IPC, loads and runs the model in this fresh process, and reports its resident memory before
// and at the peak. Run only by memory.ts; it exits when done.
import { readFileSync } from 'node:fs';
import { createSession } from '../../runtime/onnxruntime.js';
import type { MemoryRequest, MemoryReply } from './memory.js';

async function measure(request: MemoryRequest): Promise<MemoryReply> {
  try {
    const baseline = process.memoryUsage.rss();
    const session = await createSession(readFileSync(request.file), { threads: request.threads });
    for (let i = 0; i < request.runs; i++) await session.run(request.feeds);
    const peak = process.resourceUsage().maxRSS * 1024;
    await session.release();
    return { baseline, peak };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

process.once('message', (message) => {
  void measure(message as MemoryRequest).then((reply) => {
    process.send?.(reply, () => process.disconnect());
  });
});
