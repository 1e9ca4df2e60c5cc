// The kernel benchmark in headless Chromium with onnxruntime-web (wasm), driven through
// playwright-core against Debian's chromium: it must produce a valid profile with a figure for
// every kernel, printable beside Node's. Skipped, saying so, only when the browser is missing
// (ZEROPOINT_CHROMIUM overrides /usr/bin/chromium, e.g. to check the skip).
import { describe, expect, it } from 'vitest';
import { formatKernels } from '../src/cli/bench/bench-format.js';
import { nodeKernelProfile } from '../src/cli/bench/node-kernels.js';
import { kernelConfigs, parseHardwareProfile } from '../src/hardware/index.js';
import {
  browserKernelProfile,
  chromiumAvailable,
  CHROMIUM_PATH,
} from '../src/web/browser-kernels.js';

const browser = process.env.ZEROPOINT_CHROMIUM ?? CHROMIUM_PATH;
const available = chromiumAvailable(browser);
const reason =
  `no browser at ${browser}: the onnxruntime-web kernel benchmark needs Debian's chromium ` +
  '(apt-get install -y chromium; .ci/run installs it)';
if (!available) console.warn(`test/browser-kernels.test.ts SKIPPED: ${reason}`);

const configs = kernelConfigs([[16, 32, 32], [1, 4, 8, 8, 4, 3, 3], [1024]]);
const options = { warmup: 1, rounds: 2, targetSeconds: 0.001 };

describe('kernel benchmark in headless Chromium (onnxruntime-web, wasm)', () => {
  if (!available) {
    it.skip(`SKIPPED: ${reason}`, () => {});
    return;
  }

  it('measures every kernel and prints its figures beside Node’s', async () => {
    const web = await browserKernelProfile(configs, { ...options, executablePath: browser });
    expect(parseHardwareProfile(JSON.parse(JSON.stringify(web)))).toEqual(web);
    expect(web.runtime).toEqual({
      name: 'onnxruntime-web',
      version: '1.30.0',
      backend: 'wasm',
      threads: 1,
    });
    expect(web.skipped).toEqual([]);
    expect(web.kernels).toHaveLength(configs.length);
    for (const k of web.kernels) expect(k.gops).toBeGreaterThan(0);

    const node = await nodeKernelProfile(configs, { threads: 1, ...options });
    const table = formatKernels([node, web]);
    expect(table).toMatch(/onnxruntime-node GOP\/s\s+cost\s+onnxruntime-web GOP\/s\s+cost/);
    expect(table).toMatch(/^QLinearConv s8 x s8 zp -9\/-9\s+1x4x8x8x4x3x3(\s+[\d.]+x?){4}$/m);
  }, 120_000);
});
