// The `quantize` command's two modes that need no calibration data, for the command to call:
// `--dynamic` and `--weights int4|int8 [--block] [--scheme] [--format]`. Parses and checks the
// raw flag values, calls the library (api/) on model bytes, and renders the report for a person;
// the caller prints JSON.stringify(report) for --json and writes the bytes (write-atomic.ts's
// writeAtomic, as the static mode does). No file system here; not the static mode.
import {
  quantizeDynamic,
  quantizeWeights,
  type ExternalDataOptions,
  type QuantizeModeResult,
} from '../../api/index.js';
import { fail } from '../../core/errors.js';
import type {
  DynamicConvForm,
  DynamicOptions,
  DynamicReport,
  WeightFormat,
  WeightsOptions,
  WeightsReport,
} from '../../ptq/index.js';
import type { SkippedNode } from '../../passes/weight-only-targets.js';
import { WEIGHT_ALGORITHMS } from '../../passes/weight-only-algorithms.js';
import { num, table } from '../common/format.js';
import { selectionLines } from './weights-selection.js';

/** The flags as commander hands them over (strings unparsed). */
export interface ModeFlags {
  readonly dynamic?: boolean;
  readonly weights?: string;
  readonly block?: string;
  readonly scheme?: string;
  readonly format?: string;
  readonly clipSearch?: boolean;
  readonly algorithm?: string;
  readonly actOrder?: boolean;
  readonly accuracyLevel?: string;
  readonly gather?: boolean;
  readonly conv?: string;
  /** --external-data: true, or the data file's name. */
  readonly externalData?: string | boolean;
}

/** A parsed mode: which recipe and its options. */
export type ModeOptions =
  | { readonly mode: 'dynamic'; readonly options: DynamicOptions }
  | { readonly mode: 'weights'; readonly options: WeightsOptions };

/** [flags, description] of each option, for the command to register with `.option()`. */
export const MODE_OPTIONS: readonly (readonly [string, string])[] = [
  ['--dynamic', 'dynamic quantization: int8 weights, activations quantized at run time'],
  ['--weights <type>', 'weight-only block quantization of MatMul/Gemm weights: int4|int8'],
  ['--block <size>', 'with --weights: weights per block along K, 32|64|128|256 (default 32)'],
  ['--scheme <scheme>', 'with --weights: symmetric|asymmetric (default int4 asym, int8 sym)'],
  ['--format <format>', 'with --weights: qdq (blocked DequantizeLinear, default)|matmulnbits'],
  ['--clip-search', 'with --weights: search each block clipping ratio for the least MSE'],
  ['--no-clip-search', 'with --weights: plain min/max blocks'],
  [
    '--algorithm <name>',
    'with --weights: how block codes are chosen: rtn|gptq|awq|hqq|auto (default: rtn without ' +
      '--calib; with --calib hqq for asymmetric int4, else gptq; gptq and awq read --calib; ' +
      'auto builds each on 3/4 of the --calib samples and keeps the closest to fp32 on the rest)',
  ],
  ['--act-order', 'with gptq: columns by descending activation energy (default)'],
  ['--no-act-order', 'with gptq: columns in their order'],
  ['--accuracy-level <n>', 'with --format matmulnbits: 0 (float activations) or 4 (default)'],
  [
    '--gather',
    'with --weights: also block-quantize embedding tables read by Gather (blocked ' +
      'DequantizeLinear, or GatherBlockQuantized with --format matmulnbits)',
  ],
  ['--no-gather', 'with --weights: leave embedding tables float (default)'],
  [
    '--external-data [file]',
    'with --dynamic or --weights: write the large tensors to one data file beside the output ' +
      '(default <output>.data; always when the input model has external data)',
  ],
  [
    '--conv <form>',
    'with --dynamic: cast-mul (default: int8 weights, Cast -> Mul, as fast as fp32)|' +
      'dequantize (int8 weights, DequantizeLinear)|integer (ConvInteger)|float',
  ],
];

const CONV_FORMS: readonly DynamicConvForm[] = ['cast-mul', 'dequantize', 'integer', 'float'];

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  return fail('bad-argument', `${flag} takes ${allowed.join('|')}, not '${value}'`);
}

/** `--algorithm NAME`: one algorithm, or `auto` (chosen on held-out calibration samples). */
function algorithmOptions(name: string | undefined): Pick<WeightsOptions, 'algorithm' | 'select'> {
  if (name === undefined) return {};
  const choice = oneOf('--algorithm', name, [...WEIGHT_ALGORITHMS, 'auto'] as const);
  return choice === 'auto' ? { select: true } : { algorithm: choice };
}

/** The mode the flags ask for, or undefined when neither --dynamic nor --weights is given. */
export function parseModeFlags(flags: ModeFlags): ModeOptions | undefined {
  const weightFlags = (
    [
      'block',
      'scheme',
      'format',
      'clipSearch',
      'accuracyLevel',
      'algorithm',
      'actOrder',
      'gather',
    ] as const
  )
    .filter((k) => flags[k] !== undefined)
    .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (flags.dynamic === true) {
    if (flags.weights !== undefined)
      fail('bad-argument', 'choose --dynamic or --weights, not both');
    if (weightFlags.length > 0) fail('bad-argument', `${weightFlags.join(', ')} need --weights`);
    const conv =
      flags.conv === undefined
        ? {}
        : { conv: oneOf<DynamicConvForm>('--conv', flags.conv, CONV_FORMS) };
    return { mode: 'dynamic', options: conv };
  }
  if (flags.weights === undefined) {
    if (flags.externalData !== undefined) {
      fail('bad-argument', '--external-data applies to --dynamic and --weights');
    }
    return undefined;
  }
  if (flags.conv !== undefined) fail('bad-argument', '--conv needs --dynamic');
  const type = oneOf('--weights', flags.weights, ['int4', 'int8'] as const);
  const options: WeightsOptions = {
    bits: type === 'int4' ? 4 : 8,
    ...(flags.block === undefined
      ? {}
      : { blockSize: Number(oneOf('--block', flags.block, ['32', '64', '128', '256'] as const)) }),
    ...(flags.scheme === undefined
      ? {}
      : { scheme: oneOf('--scheme', flags.scheme, ['symmetric', 'asymmetric'] as const) }),
    ...(flags.format === undefined
      ? {}
      : { format: oneOf<WeightFormat>('--format', flags.format, ['matmulnbits', 'qdq']) }),
    ...(flags.clipSearch === undefined ? {} : { clipSearch: flags.clipSearch }),
    ...algorithmOptions(flags.algorithm),
    ...(flags.actOrder === undefined ? {} : { gptq: { actOrder: flags.actOrder } }),
    ...(flags.gather === undefined ? {} : { gather: flags.gather }),
    ...(flags.accuracyLevel === undefined
      ? {}
      : {
          accuracyLevel: Number(
            oneOf('--accuracy-level', flags.accuracyLevel, ['0', '1', '2', '3', '4'] as const),
          ),
        }),
  };
  if (options.gptq !== undefined && (options.algorithm ?? 'gptq') !== 'gptq') {
    fail('bad-argument', '--act-order and --no-act-order apply to --algorithm gptq');
  }
  if (options.accuracyLevel !== undefined && options.format !== 'matmulnbits') {
    fail('bad-argument', '--accuracy-level needs --format matmulnbits');
  }
  return { mode: 'weights', options };
}

/** Runs the API function the mode names on model bytes (and external data, when given). */
export function runQuantizeMode(
  modelBytes: Uint8Array,
  mode: ModeOptions,
  externalData?: ExternalDataOptions,
): Promise<QuantizeModeResult<DynamicReport | WeightsReport>> {
  const external = externalData === undefined ? {} : { externalData };
  return mode.mode === 'dynamic'
    ? quantizeDynamic(modelBytes, { ...mode.options, ...external })
    : quantizeWeights(modelBytes, { ...mode.options, ...external });
}

/** One line per op: how many nodes took each form, e.g. "MatMul: 9 MatMulInteger, 4 float". */
function formCounts(report: DynamicReport): string[] {
  const counts = new Map<string, Map<string, number>>();
  for (const e of report.nodes) {
    const forms = counts.get(e.opType) ?? new Map<string, number>();
    forms.set(e.form, (forms.get(e.form) ?? 0) + 1);
    counts.set(e.opType, forms);
  }
  for (const s of report.skipped) {
    const forms = counts.get(s.opType) ?? new Map<string, number>();
    forms.set('float', (forms.get('float') ?? 0) + 1);
    counts.set(s.opType, forms);
  }
  return [...counts].map(
    ([op, forms]) => `${op}: ${[...forms].map(([form, n]) => `${n} ${form}`).join(', ')}`,
  );
}

/** The nodes left float: one line each, or one per reason when a reason covers several. */
function leftInFloat(skipped: readonly SkippedNode[]): string[] {
  const byReason = new Map<string, SkippedNode[]>();
  for (const s of skipped) {
    const key = `${s.opType} (${s.reason})`;
    byReason.set(key, [...(byReason.get(key) ?? []), s]);
  }
  return [...byReason].map(([key, nodes]) =>
    nodes.length === 1
      ? `left in float: ${nodes[0]!.opType} ${nodes[0]!.node} (${nodes[0]!.reason})`
      : `left in float: ${nodes.length} x ${key}`,
  );
}

const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;

/** "algorithm: awq (asked for); 1/s applied: 3 LayerNormalization, 1 Mul in front". */
function algorithmLine(algorithm: WeightsReport['algorithm']): string {
  const line = `algorithm: ${algorithm.name} (${algorithm.reason})`;
  if (algorithm.gptq !== undefined) {
    const { damping, actOrder } = algorithm.gptq;
    return `${line}; damping ${damping}${actOrder ? ', act-order' : ''}`;
  }
  if (algorithm.awq === undefined) return line;
  const folds = new Map<string, number>();
  for (const g of algorithm.awq) {
    const how = g.fold !== 'none' ? g.fold : g.skipped === undefined ? 'RTN (alpha 0)' : 'RTN';
    folds.set(how, (folds.get(how) ?? 0) + 1);
  }
  return `${line}; 1/s applied: ${[...folds].map(([f, n]) => `${n} ${f}`).join(', ')}`;
}

/** The output's data file, when the command wrote one (external-mode.ts). */
interface ExternalDataLine {
  readonly externalData?: { readonly file: string; readonly bytes: number };
}

/** The report as a person reads it: what was quantized, what was left and why, sizes. */
export function formatModeReport(
  report: (DynamicReport | WeightsReport) & ExternalDataLine,
): string {
  const lines: string[] = [];
  if (report.mode === 'weights') {
    const level =
      report.accuracyLevel === undefined ? '' : `, accuracy_level ${report.accuracyLevel}`;
    lines.push(
      `weights: int${report.bits} ${report.scheme} blocks of ${report.blockSize}` +
        `${report.clipSearch ? ' (clipping searched)' : ''}, ${report.format}${level}`,
    );
    lines.push(algorithmLine(report.algorithm), ...selectionLines(report.algorithm.selection));
    const rows = report.weights.map((w) => [
      w.node,
      w.weight,
      `${w.k}x${w.n}`,
      w.padding > 0 ? `${w.k} -> ${w.k + w.padding}` : '-',
      num(w.sqnrDb, 3),
    ]);
    lines.push(table(['node', 'weight', 'K x N', 'K padded', 'SQNR dB'], rows));
    lines.push(...report.notes);
  } else {
    lines.push(`dynamic: weights ${report.weightType}, Conv ${report.conv}`);
    if (report.nodes.length > 0) {
      const rows = report.nodes.map((e) => [e.node, e.opType, e.form]);
      lines.push(table(['node', 'op', 'now'], rows));
    }
    lines.push(...formCounts(report));
  }
  if (report.opset.from !== report.opset.to) {
    lines.push(`opset upgraded ${report.opset.from} -> ${report.opset.to}`);
  }
  lines.push(...leftInFloat(report.skipped));
  const smaller = (report.bytesIn / report.bytesOut).toFixed(2);
  lines.push(`size ${mb(report.bytesIn)} -> ${mb(report.bytesOut)} (${smaller}x smaller)`);
  if (report.externalData !== undefined) {
    const { file, bytes } = report.externalData;
    lines.push(`external data: ${mb(bytes)} in ${file} (verdict not timed with external data)`);
  }
  return lines.join('\n');
}
