// The proof at scale of streaming external data: generates a transformer-like model past 2 GB
// (weights in one external data file) and a small twin (its first layers, same per-tensor seeds,
// inline), runs `zeropoint quantize big.onnx --weights int4 --block 32 -o out.onnx` (or
// --dynamic) under /usr/bin/time -v (peak RSS, wall and CPU time), quantizes the twin in memory, checks that every
// tensor of the twin's output equals the big output's tensor of the same name byte for byte, and
// loads and runs the big output in onnxruntime-node (with --compare-fp32, against the fp32
// model's outputs). Deletes the big files unless --keep.
//   npx tsx scripts/gen-large-model.ts [--dir /tmp/zeropoint-large] [--layers 12] [--hidden 2048]
//     [--ffn 8192] [--twin-layers 2] [--dynamic] [--compare-fp32] [--keep]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fileResolver } from '../src/cli/io/external-files.js';
import { externalSpan, readModel, readSpan, type ExternalDataResolver } from '../src/onnx/index.js';
import { TensorProto_DataLocation, type TensorProto } from '../src/onnx/gen/onnx_pb.js';
import { runDynamicRecipe } from '../src/ptq/quantize-dynamic.js';
import { runWeightsRecipe } from '../src/ptq/quantize-weights.js';
import { generateLargeModel, type LargeModelSpec } from './large-model.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const dir = flag('dir', '/tmp/zeropoint-large');
const spec: LargeModelSpec = {
  layers: Number(flag('layers', '12')),
  hidden: Number(flag('hidden', '2048')),
  ffn: Number(flag('ffn', '8192')),
};
/** --dynamic: the dynamic recipe instead of --weights int4 --block 32. */
const dynamic = process.argv.includes('--dynamic');
const modeArgs = dynamic ? ['--dynamic'] : ['--weights', 'int4', '--block', '32'];
const twinSpec = { ...spec, layers: Number(flag('twin-layers', '2')) };
const paths = {
  big: join(dir, 'big.onnx'),
  out: join(dir, 'out.onnx'),
  twin: join(dir, 'twin.onnx'),
};
const fileSize = (path: string) => statSync(path).size;

/** Writes `spec`'s model to `path` with its tensors in `<path>.data`; returns seconds taken. */
function writeExternal(path: string): number {
  const start = performance.now();
  const location = 'big.onnx.data';
  const fd = openSync(join(dir, location), 'w');
  let size = 0;
  const bytes = generateLargeModel(spec, {
    location,
    append(data) {
      const offset = size;
      for (let done = 0; done < data.length;) {
        done += writeSync(fd, data, done, data.length - done, offset + done);
      }
      size += data.length;
      return offset;
    },
  });
  closeSync(fd);
  const model = openSync(path, 'w');
  writeSync(model, bytes);
  closeSync(model);
  return (performance.now() - start) / 1000;
}

/** The raw bytes of each initializer of a model (external ones read through `resolve`). */
function* tensorBytes(
  modelBytes: Uint8Array,
  resolve?: ExternalDataResolver,
): Generator<[string, Uint8Array]> {
  for (const t of readModel(modelBytes).graph?.initializer ?? []) yield [t.name, rawOf(t, resolve)];
}

function rawOf(t: TensorProto, resolve?: ExternalDataResolver): Uint8Array {
  if (t.dataLocation !== TensorProto_DataLocation.EXTERNAL) return t.rawData;
  const span = externalSpan(t);
  return readSpan(t.name, span, span.length ?? 0, resolve);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

mkdirSync(dir, { recursive: true });
console.log(`generating ${spec.layers} layers (hidden ${spec.hidden}, ffn ${spec.ffn}) in ${dir}`);
const generateSeconds = writeExternal(paths.big);
const bigBytes = fileSize(paths.big) + fileSize(`${paths.big}.data`);
console.log(`big model: ${(bigBytes / 1e9).toFixed(3)} GB in ${generateSeconds.toFixed(1)} s`);

// The run under test, as a user types it, in a child process measured by /usr/bin/time.
const run = spawnSync(
  '/usr/bin/time',
  ['-v', 'node', '--import', 'tsx', 'src/cli/main.ts', 'quantize', paths.big, ...modeArgs].concat([
    '-o',
    paths.out,
    '--json',
  ]),
  { encoding: 'utf8', maxBuffer: 1 << 26 },
);
if (run.status !== 0) throw new Error(`quantize failed:\n${run.stderr}`);
const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
const wall = /Elapsed \(wall clock\) time.*: (.+)/.exec(run.stderr)?.[1] ?? '?';
const cpuSeconds = ['User', 'System'].reduce(
  (sum, kind) =>
    sum + Number(new RegExp(`${kind} time \\(seconds\\): ([\\d.]+)`).exec(run.stderr)?.[1]),
  0,
);
const outBytes = fileSize(paths.out) + fileSize(`${paths.out}.data`);

// The twin, inline and quantized in memory by the same recipe.
writeSync(openSync(paths.twin, 'w'), generateLargeModel(twinSpec));
const twinBytes = new Uint8Array(readFileSync(paths.twin));
const twinQuantized = dynamic
  ? runDynamicRecipe(twinBytes)
  : runWeightsRecipe(twinBytes, { bits: 4, blockSize: 32 });
const files = fileResolver(paths.out);
const big = new Map(tensorBytes(new Uint8Array(readFileSync(paths.out)), files.resolve));
let compared = 0;
let equal = 0;
let comparedBytes = 0;
for (const [name, bytes] of tensorBytes(twinQuantized.bytes)) {
  const other = big.get(name);
  if (other === undefined) throw new Error(`the big output has no tensor '${name}'`);
  compared++;
  comparedBytes += bytes.length;
  if (sameBytes(bytes, other)) equal++;
  else console.log(`differs: ${name}`);
}
big.clear();
files.close();

// The big output in onnxruntime-node, loaded from its path (the data file beside it), and its
// outputs against the fp32 model's on the same input.
async function runOrt(path: string): Promise<{ seconds: number; y: Float32Array }> {
  const start = performance.now();
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  const seconds = (performance.now() - start) / 1000;
  const x = Float32Array.from({ length: 4 * spec.hidden }, (_, i) => Math.sin(i));
  const out = await session.run({ x: new ort.Tensor('float32', x, [4, spec.hidden]) });
  await session.release();
  return { seconds, y: Object.values(out)[0]?.data as Float32Array };
}
let ortLine: string;
try {
  const q = await runOrt(paths.out);
  ortLine = `quantized output loaded in ${q.seconds.toFixed(1)} s, all finite: ${q.y.every(Number.isFinite)}`;
  if (process.argv.includes('--compare-fp32')) {
    const f = await runOrt(paths.big);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < f.y.length; i++) {
      diff = Math.max(diff, Math.abs(f.y[i]! - q.y[i]!));
      norm = Math.max(norm, Math.abs(f.y[i]!));
    }
    ortLine += `; fp32 loaded in ${f.seconds.toFixed(1)} s; max |quantized - fp32| ${diff.toExponential(3)} (max |fp32| ${norm.toFixed(3)})`;
  }
} catch (error) {
  ortLine = `failed: ${(error as Error).message}`;
}

const summary = {
  spec,
  mode: modeArgs.join(' '),
  modelBytes: bigBytes,
  outputBytes: outBytes,
  sizeRatio: outBytes / bigBytes,
  quantizeWall: wall,
  quantizeCpuSeconds: cpuSeconds,
  loadAverage: loadavg()[0],
  peakRssBytes: peakKb * 1024,
  peakRssOfModel: (peakKb * 1024) / bigBytes,
  twin: { layers: twinSpec.layers, tensorsCompared: compared, equal, bytesCompared: comparedBytes },
  onnxruntime: ortLine,
};
console.log(JSON.stringify(summary, null, 2));
if (!process.argv.includes('--keep')) {
  for (const p of [paths.big, `${paths.big}.data`, paths.out, `${paths.out}.data`, paths.twin]) {
    rmSync(p, { force: true });
  }
}
if (equal !== compared || summary.peakRssOfModel >= 0.4) process.exitCode = 1;
