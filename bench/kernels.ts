// `npm run bench -- kernels`: the integer kernel benchmark in onnxruntime-node and, when Debian's
// chromium is installed, in onnxruntime-web (wasm) inside headless Chromium; figures side by side
// with the facts they imply: signed activations' cost (s8 x s8 over u8 x s8), zero points' cost
// (expected within noise), unsigned weights' cost. One thread; paired, interleaved rounds.
import { formatKernels } from '../src/cli/bench/bench-format.js';
import { nodeKernelProfile } from '../src/cli/bench/node-kernels.js';
import {
  KERNEL_SAMPLE_SECONDS,
  kernelConfigs,
  type HardwareProfile,
} from '../src/hardware/index.js';
import {
  browserKernelProfile,
  chromiumAvailable,
  CHROMIUM_PATH,
} from '../src/web/browser-kernels.js';

export async function run(): Promise<void> {
  const configs = kernelConfigs();
  const profiles: HardwareProfile[] = [
    await nodeKernelProfile(configs, {
      threads: 1,
      warmup: 3,
      rounds: 15,
      targetSeconds: KERNEL_SAMPLE_SECONDS,
    }),
  ];
  if (chromiumAvailable()) {
    profiles.push(
      await browserKernelProfile(configs, {
        warmup: 2,
        rounds: 10,
        targetSeconds: KERNEL_SAMPLE_SECONDS,
      }),
    );
  } else {
    console.log(
      `(no browser at ${CHROMIUM_PATH}: onnxruntime-web figures skipped; ` +
        'apt-get install -y chromium)',
    );
  }
  console.log(formatKernels(profiles));
}
