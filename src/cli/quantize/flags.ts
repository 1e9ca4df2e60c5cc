// The `quantize` command's flags, turned into library options: the plan, the calibration
// method and the image preprocessing, merged with an optional JSON config file (flags win).
// Not the command's flow (quantize-command.ts) and not file reading beyond the config.
import { readFileSync } from 'node:fs';
import { fail } from '../../core/errors.js';
import { isObserverKind, type ObserverKind, type ObserverOptions } from '../../observers/index.js';
import type { ActivationMode, PlanOptions, TensorOverride } from '../../passes/index.js';
import type { ImageOptions } from '../io/calib-images.js';
import { searchFromFlag } from '../common/search-flag.js';

/** The image preprocessing flags (IMAGE_OPTIONS), as commander hands them over. */
export interface ImageFlags {
  readonly size?: string;
  readonly mean?: string;
  readonly std?: string;
  readonly scale?: string;
  readonly layout?: string;
  readonly channels?: string;
}

/** Flags as commander hands them over. */
export interface QuantizeFlags extends ImageFlags {
  readonly output: string;
  readonly calib?: string;
  readonly method?: string;
  readonly percentile?: string;
  readonly bins?: string;
  readonly search?: string;
  readonly activations?: string;
  readonly actType?: string;
  readonly perTensor?: boolean;
  readonly biasCorrection?: boolean;
  readonly activationMatmul?: string;
  readonly exclude?: string[];
  readonly include?: string[];
  readonly config?: string;
  readonly cache?: string;
  readonly batchSize?: string;
  readonly threads?: string;
  readonly json?: boolean;
  /** Advice (advised.ts): a target, a metric module, a hardware profile, held-out batches. */
  readonly target?: string;
  readonly targetMetric?: string;
  readonly hardware?: string;
  readonly holdout?: string;
  readonly trials?: string;
  /** --search-latency: the search's second objective (advise/search.ts). */
  readonly searchLatency?: boolean;
}

/** A config file: any plan option, plus the method; flags given on the command line win. */
interface ConfigFile {
  readonly method?: string;
  readonly activations?: string;
  readonly exclude?: string[];
  readonly include?: string[];
  readonly tensors?: Record<string, TensorOverride>;
}

function readConfig(path: string | undefined): ConfigFile {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail('io', `cannot read config ${path}: ${(error as Error).message}`, { file: path });
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    return parsed;
  } catch {
    fail('bad-file', `config ${path} is not a JSON object`, { file: path });
  }
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail('bad-argument', `${flag} must be a positive integer`);
  return n;
}

function numbers(text: string | undefined, flag: string): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isFinite(v))) fail('bad-argument', `${flag} takes numbers a,b,c`);
  return values;
}

const MODES: readonly ActivationMode[] = ['asymmetric', 'symmetric', 'asymmetric-int8', 'int16'];

/** Plan options, method and observer options from flags and config. */
export function planFromFlags(flags: QuantizeFlags): {
  plan: PlanOptions;
  method: ObserverKind;
  observerOptions: ObserverOptions;
} {
  const config = readConfig(flags.config);
  const mode = flags.activations ?? config.activations ?? 'asymmetric';
  if (mode !== 'auto' && !MODES.includes(mode as ActivationMode)) {
    fail('bad-argument', `--activations must be one of ${MODES.join(', ')}, auto; got "${mode}"`);
  }
  const actType = flags.actType ?? 'uint8';
  if (actType !== 'uint8' && actType !== 'int8') {
    fail('bad-argument', `--act-type must be uint8 or int8; got "${actType}"`);
  }
  if (flags.actType !== undefined && mode !== 'symmetric') {
    fail('bad-argument', '--act-type applies to --activations symmetric only');
  }
  const method = flags.method ?? config.method ?? 'percentile';
  if (!isObserverKind(method)) fail('bad-argument', `unknown calibration method "${method}"`);
  const bins = positiveInt(flags.bins, '--bins');
  const percentile = flags.percentile === undefined ? undefined : Number(flags.percentile);
  const search = searchFromFlag(flags.search, method);
  const advised = mode === 'auto' || flags.target !== undefined || flags.targetMetric !== undefined;
  if (search !== undefined && advised) {
    fail(
      'bad-argument',
      '--search does not apply with --activations auto, --target or --target-metric ' +
        '(the advisor reads mse ranges with the exhaustive search)',
    );
  }
  const matmul = flags.activationMatmul;
  if (matmul !== undefined && matmul !== 'quantize' && matmul !== 'float') {
    fail('bad-argument', `--activation-matmul must be quantize or float; got "${matmul}"`);
  }
  const exclude = flags.exclude ?? config.exclude;
  const include = flags.include ?? config.include;
  const plan: PlanOptions = {
    activations: (mode === 'auto' ? 'asymmetric' : mode) as ActivationMode,
    symmetricType: actType,
    weightGranularity: flags.perTensor === true ? 'per-tensor' : 'per-channel',
    biasCorrection: flags.biasCorrection === true,
    ...(matmul === undefined ? {} : { activationMatMul: matmul }),
    ...(exclude === undefined ? {} : { exclude }),
    ...(include === undefined ? {} : { include }),
    ...(config.tensors === undefined ? {} : { tensors: config.tensors }),
  };
  const observerOptions: ObserverOptions = {
    ...(bins === undefined ? {} : { bins }),
    ...(percentile === undefined ? {} : { percentile }),
    ...(search === undefined ? {} : { search }),
  };
  return { plan, method, observerOptions };
}

/** The image preprocessing flags of every command that reads calibration images. */
export const IMAGE_OPTIONS: readonly (readonly [string, string])[] = [
  ['--size <HxW>', 'images: resize to this size (default: the model input size)'],
  ['--mean <a,b,c>', 'images: per-channel mean subtracted after --scale'],
  ['--std <a,b,c>', 'images: per-channel std divided by'],
  ['--scale <s>', 'images: factor applied to 0..255 pixels (default 1/255)'],
  ['--layout <NCHW|NHWC>', 'images: tensor layout (default NCHW)'],
  ['--channels <RGB|BGR>', 'images: channel order (default RGB)'],
];

/** Image preprocessing options from flags (used only when --calib is a folder of images). */
export function imageFromFlags(flags: ImageFlags): ImageOptions {
  const size = flags.size?.split('x').map(Number);
  if (size !== undefined && (size.length !== 2 || size.some((d) => !Number.isInteger(d)))) {
    fail('bad-argument', `--size takes HxW, e.g. 224x224; got "${flags.size}"`);
  }
  const mean = numbers(flags.mean, '--mean');
  const std = numbers(flags.std, '--std');
  const scale = flags.scale === undefined ? undefined : Number(flags.scale);
  return {
    ...(size === undefined ? {} : { size: [size[0]!, size[1]!] as [number, number] }),
    ...(mean === undefined ? {} : { mean }),
    ...(std === undefined ? {} : { std }),
    ...(scale === undefined ? {} : { scale }),
    ...(flags.layout === undefined ? {} : { layout: flags.layout as 'NCHW' | 'NHWC' }),
    ...(flags.channels === undefined ? {} : { channels: flags.channels as 'RGB' | 'BGR' }),
  };
}

/** Batch size and threads from flags. */
export function runFromFlags(flags: QuantizeFlags): { batchSize?: number; threads?: number } {
  const batchSize = positiveInt(flags.batchSize, '--batch-size');
  const threads = positiveInt(flags.threads, '--threads');
  return {
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(threads === undefined ? {} : { threads }),
  };
}
