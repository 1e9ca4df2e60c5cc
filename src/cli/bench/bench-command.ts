// `zeropoint bench`: the command-line face of the model benchmark (models.ts) and the
// kernel benchmark (node-kernels.ts): flags, validation, printing, and --save of the hardware
// profile. Registered on the program by main.ts; the measuring lives in the modules it calls.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fail } from '../../core/errors.js';
import {
  DEFAULT_SHAPES,
  KERNEL_SAMPLE_SECONDS,
  kernelConfigs,
  parseShape,
} from '../../hardware/index.js';
import { nodeKernelProfile } from './node-kernels.js';
import { formatKernels, formatModelBench } from './bench-format.js';
import { parseDims } from './inputs.js';
import { benchModels } from './models.js';
import { benchPerNode, formatPerNode } from './per-node.js';
import { IMAGE_OPTIONS, imageFromFlags, type ImageFlags } from '../quantize/flags.js';
import { CALIB_HELP } from '../io/calib-data.js';

interface BenchFlags extends ImageFlags {
  readonly kernels?: boolean;
  readonly shapes?: string[];
  readonly threads: string;
  readonly warmup: string;
  readonly runs?: string;
  readonly calib?: string;
  readonly dim: string[];
  readonly json?: boolean;
  readonly save?: string;
  readonly memory: boolean;
  readonly perNode?: boolean;
}

function count(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    fail('bad-argument', `${flag} must be an integer >= ${min}, got "${text}"`);
  return n;
}

/** JSON with infinite SQNR (identical outputs) written as the string "Infinity". */
export function benchJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
}

async function runBench(models: string[], flags: BenchFlags): Promise<void> {
  const threads = count(flags.threads, '--threads', 1);
  const warmup = count(flags.warmup, '--warmup', 0);
  if (flags.kernels === true) {
    if (models.length > 0)
      fail('bad-argument', '--kernels measures built-in models; drop the model files');
    const shapes = flags.shapes === undefined ? DEFAULT_SHAPES : flags.shapes.map(parseShape);
    const rounds = count(flags.runs ?? '10', '--runs', 1);
    const profile = await nodeKernelProfile(kernelConfigs(shapes), {
      threads,
      warmup: Math.max(1, warmup),
      rounds,
      targetSeconds: KERNEL_SAMPLE_SECONDS,
    });
    if (flags.save !== undefined) {
      try {
        writeFileSync(flags.save, `${benchJson(profile)}\n`);
      } catch (error) {
        fail('io', `cannot write ${flags.save}: ${(error as Error).message}`, { file: flags.save });
      }
    }
    console.log(flags.json === true ? benchJson(profile) : formatKernels([profile]));
    return;
  }
  if (flags.save !== undefined || flags.shapes !== undefined) {
    fail('bad-argument', '--save and --shapes go with --kernels');
  }
  if (flags.perNode === true) {
    const report = await benchPerNode(models, {
      threads,
      warmup,
      runs: count(flags.runs ?? '20', '--runs', 1),
      dims: parseDims(flags.dim),
      ...(flags.calib === undefined ? {} : { calib: flags.calib, image: imageFromFlags(flags) }),
    });
    console.log(flags.json === true ? benchJson(report) : formatPerNode(report));
    return;
  }
  const report = await benchModels(models, {
    threads,
    warmup,
    runs: count(flags.runs ?? '20', '--runs', 1),
    dims: parseDims(flags.dim),
    memory: flags.memory,
    ...(flags.calib === undefined ? {} : { calib: flags.calib, image: imageFromFlags(flags) }),
  });
  console.log(flags.json === true ? benchJson(report) : formatModelBench(report));
}

/** Adds `zeropoint bench` to the program. */
export function registerBench(program: Command): void {
  const command = program
    .command('bench')
    .description(
      'latency, memory, size and output agreement of models; or integer kernel speed (--kernels)',
    )
    .argument('[models...]', 'ONNX models; agreement is measured against the first')
    .option(
      '--kernels',
      'measure integer kernels (MatMulInteger, QLinearMatMul, Conv, Q/DQ) instead',
    )
    .option('--shapes <shapes...>', 'kernel shapes: MxKxN, NxCxHxWxCOUTxKHxKW or ELEMENTS')
    .option('--threads <n>', 'intra-op threads per session', '1')
    .option('--warmup <n>', 'warm-up runs per model before timing', '3')
    .option('--runs <n>', 'interleaved timed rounds (default 20 for models, 10 for kernels)')
    .option('--calib <path>', `real inputs, as quantize reads them: ${CALIB_HELP}`)
    .option(
      '--dim <name=N>',
      'size of a dynamic dimension: NAME=N or INPUT:AXIS=N (repeatable; default: the first ' +
        '--calib sample, else 1 for batch axes and 224 for image height and width)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--per-node',
      'with two models A B: time per node (onnxruntime profiler), top offenders first, and ' +
        'the share of the whole-latency difference the table explains',
    )
    .option('--no-memory', 'skip the peak-memory measurement (one child process per model)')
    .option('--save <file>', 'with --kernels: write the hardware profile JSON here')
    .option('--json', 'print one JSON object');
  for (const [flag, description] of IMAGE_OPTIONS) command.option(flag, description);
  command.action(runBench);
}
