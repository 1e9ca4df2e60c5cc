// The `quantize` command's options, registered in help sections a reader can scan: what goes in
// and out, how ranges are calibrated, what gets quantized, then one section per other mode.
// Each mode keeps its own flag list beside its code (modes.ts, qat.ts, ...); this file only
// orders them. Not parsing (flags.ts and each mode's file) and not the command's flow.
import type { Command } from 'commander';
import { OBSERVERS } from '../../observers/index.js';
import { SEARCH_OPTION } from '../common/search-flag.js';
import { CALIB_HELP } from '../io/calib-data.js';
import { ADVICE_OPTIONS } from './advised-format.js';
import { IMAGE_OPTIONS } from './flags.js';
import { FLOAT16_OPTIONS } from './float16-variants.js';
import { MODE_OPTIONS } from './modes.js';
import { ADAROUND_OPTIONS } from './adaround.js';
import { QAT_OPTIONS } from './qat.js';
import { REWRITE_OPTIONS } from './rewrite-flags.js';
import { VERDICT_OPTIONS } from './verdict.js';

/** A list of `[flags, description]` pairs, as each mode's file exports them. */
export type OptionList = readonly (readonly [string, string])[];

const IO_OPTIONS: OptionList = [
  ['-o, --output <file>', 'where to write the quantized model (required but for --variants)'],
  ['--calib <path>', CALIB_HELP],
  ['--cache <file>', 'calibration statistics: reused when present, written when not'],
  ['--config <file>', 'JSON config: exclude, include, per-tensor overrides'],
  [
    '--batch-size <n>',
    'calibration samples per run (with --qat: samples per training step, default 8)',
  ],
  ['--threads <n>', 'onnxruntime threads for calibration (default 1)'],
  ['--json', 'print one JSON object instead of the table'],
];

const CALIBRATION_OPTIONS: OptionList = [
  ['--method <method>', `${[...OBSERVERS.keys()].join('|')} (default percentile)`],
  ['--percentile <p>', 'percentile method: the percentile kept (default 99.99)'],
  ['--bins <n>', 'histogram methods: number of bins (default 2048)'],
  SEARCH_OPTION,
];

const PLACEMENT_OPTIONS: OptionList = [
  [
    '--activations <mode>',
    'asymmetric (uint8, default) | symmetric | asymmetric-int8 | int16 | auto (per tensor, advised)',
  ],
  ['--act-type <type>', 'storage of symmetric activations: uint8 (zp 128, default) | int8'],
  ['--per-tensor', 'one scale per weight tensor instead of per output channel'],
  [
    '--bias-correction',
    "subtract each Conv weight's rounding shift at the calibrated input means from its bias",
  ],
  [
    '--activation-matmul <mode>',
    'MatMuls of two activations (attention QK^T, AV): float (default: measured more accurate, ' +
      'as fast) | quantize (QLinearMatMul)',
  ],
  ['--exclude <names...>', 'node names or op types to leave in float'],
  ['--include <names...>', 'quantize only these node names or op types'],
];

/** The help sections in the order `quantize --help` prints them. */
export const QUANTIZE_OPTION_GROUPS: readonly (readonly [string, OptionList])[] = [
  ['Input, output and calibration data:', IO_OPTIONS],
  ['Image samples (when --calib holds images):', IMAGE_OPTIONS],
  ['Static quantization, ranges:', CALIBRATION_OPTIONS],
  ['Static quantization, what gets quantized:', PLACEMENT_OPTIONS],
  ['Static quantization, exact float rewrites first:', REWRITE_OPTIONS],
  ['Accuracy target and advice (static):', ADVICE_OPTIONS],
  ['Learned weight rounding (static, AdaRound):', ADAROUND_OPTIONS],
  ['Quantization-aware training (static, or the codes of --weights):', QAT_OPTIONS],
  ['Dynamic and weight-only modes (no --calib needed):', MODE_OPTIONS],
  ['fp16 and transformers.js variants:', FLOAT16_OPTIONS],
  ['Latency verdict (every mode):', VERDICT_OPTIONS],
];

const EXAMPLES = `
Examples:
  static INT8 from a folder of samples (the default recipe):
    zeropoint quantize model.onnx --calib samples/ -o model.int8.onnx
  until 99 % of fp32's score, with your metric:
    zeropoint quantize model.onnx --calib samples/ --target 99% --target-metric score.js -o out.onnx
  quantization-aware training against labels (CTC on the PP-OCR recognizer):
    zeropoint quantize rec.onnx --calib lines/ --qat --loss examples/ppocr-ctc-loss.mjs -o rec.int8.onnx
  int4 weights of a transformer, GPTQ on calibration text:
    zeropoint quantize model.onnx --weights int4 --calib lines.txt --algorithm gptq -o model.q4.onnx
  every transformers.js variant of a model folder:
    zeropoint quantize my-model/ --variants`;

/** Adds every `quantize` option to `command`, each section under its heading in the help. */
export function addQuantizeOptions(command: Command): Command {
  for (const [heading, options] of QUANTIZE_OPTION_GROUPS) {
    command.optionsGroup(heading);
    for (const [flags, description] of options) command.option(flags, description);
  }
  command.optionsGroup('Help:');
  command.helpOption('-h, --help', 'display help for command');
  return command.addHelpText('after', EXAMPLES);
}
