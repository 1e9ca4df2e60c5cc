// `npm run bench -- NAME [NAME ...]`: runs the named benchmarks (all when none is named).
// Each benchmark is a module here whose `run()` prints its figures beside a baseline
// measured in the same process. Run on one thread: onnxruntime sessions set intraOpNumThreads 1.
import { fileURLToPath } from 'node:url';

const BENCHES = new Map<string, () => Promise<{ run: () => Promise<void> | void }>>([
  ['quantize', () => import('./quantize.js')],
  ['accuracy', () => import('./accuracy.js')],
  ['weights', () => import('./weights.js')],
  ['weight-algorithms', () => import('./weight-algorithms.js')],
  ['weight-selection', () => import('./transformers/selection.js')],
  ['transformer-agreement', () => import('./transformers/agreement.js')],
  ['dynamic', () => import('./dynamic.js')],
  ['observe', () => import('./observe.js')],
  ['kernels', () => import('./kernels.js')],
  ['calibrate', () => import('./calibrate.js')],
  ['loops', () => import('./loops.js')],
  ['latency', () => import('./latency.js')],
  ['elementwise-forms', () => import('./elementwise-forms.js')],
  ['recognizer-files', () => import('./recognizer-files.js')],
  ['studio', () => import('./studio.js')],
  ['placement', () => import('./placement.js')],
  ['transformers', () => import('./transformers/index.js')],
  ['float16', () => import('./float16.js')],
  ['equalize', () => import('./equalize.js')],
  ['qat-step', () => import('./qat-step.js')],
  ['qat', () => import('./qat.js')],
  ['qat-table', () => import('./qat-table.js')],
  ['qat-labels', () => import('./qat-labels.js')],
  ['qat-weights', () => import('./qat-weights.js')],
  ['activation-matmul', () => import('./activation-matmul.js')],
]);

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = names.length > 0 ? names : [...BENCHES.keys()];
  for (const name of chosen) {
    const load = BENCHES.get(name);
    if (load === undefined) {
      console.error(`unknown benchmark "${name}"; choose from: ${[...BENCHES.keys()].join(', ')}`);
      process.exitCode = 2;
      return;
    }
    console.log(`\n== ${name} ==`);
    await (await load()).run();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
