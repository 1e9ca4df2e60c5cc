#!/usr/bin/env node
// The `zeropoint` command line: parses arguments, reads and writes files, prints results.
// Each command's logic lives in its own module; this file only wires them to commander.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ZeropointError, fail } from '../core/errors.js';
import { registerBench } from './bench-command.js';
import { errorLine } from './error-line.js';
import { registerProfile } from './profile-command.js';
import { ADVICE_OPTIONS } from './profile-format.js';
import { formatQuantize, runModeQuantize, runQuantize } from './quantize-command.js';
import {
  MODE_OPTIONS,
  formatModeReport,
  parseModeFlags,
  type ModeFlags,
} from './quantize-modes.js';
import { IMAGE_OPTIONS, type QuantizeFlags } from './quantize-flags.js';
import { formatQParams } from './format.js';
import { parseNpy, type NpyArray } from './npy.js';
import { formatMethods } from './format-methods.js';
import { METHODS, calibratedQParams, type QParamsOptions } from './qparams-command.js';
import { SEARCH_OPTION } from './search-flag.js';
import { packageVersion } from './version.js';

interface QParamsFlags extends QParamsOptions {
  readonly json?: boolean;
  readonly compare?: boolean;
  readonly compareMethods?: boolean;
}

function readNpy(file: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    fail('io', `cannot read ${file}: ${(error as Error).message}`, { file });
  }
  const array = parseNpy(bytes, file);
  const bad = array.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    fail(
      'bad-calibration-data',
      `${file} holds ${array.data[bad]} at flat index ${bad}; ` +
        'quantization parameters need finite data',
      { file, sample: bad },
    );
  }
  return array;
}

function runQParams(files: string[], flags: QParamsFlags): void {
  const batches = files.map(readNpy);
  if (flags.compareMethods === true) {
    const rows = METHODS.flatMap((method) =>
      (['symmetric', 'asymmetric'] as const).map((scheme) =>
        calibratedQParams(batches, flags, scheme, method),
      ),
    );
    console.log(flags.json === true ? JSON.stringify(rows, null, 2) : formatMethods(rows));
    return;
  }
  const results =
    flags.compare === true
      ? [
          calibratedQParams(batches, flags, 'symmetric'),
          calibratedQParams(batches, flags, 'asymmetric'),
        ]
      : [calibratedQParams(batches, flags)];
  if (flags.json === true) {
    console.log(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
  } else {
    const shape =
      batches.length === 1 ? `[${batches[0]!.shape.join(', ')}]` : `${batches.length} batches`;
    console.log(`${files.join(', ')}: ${shape} float32\n`);
    console.log(formatQParams(results));
  }
}

const program = new Command()
  .name('zeropoint')
  .description('Quantize neural networks: symmetric and asymmetric integer quantization.')
  .version(packageVersion(), '-V, --version', 'print the version of zeropoint')
  .showHelpAfterError();

program
  .command('qparams')
  .description('scale and zero point of a float32 .npy tensor, and the error of quantizing it')
  .argument('<files...>', 'float32 .npy files; several are observed in order as batches')
  .option('--qtype <qtype>', 'int2|uint2|int4|uint4|int8|uint8|int16|uint16', 'int8')
  .option('--scheme <scheme>', 'symmetric|asymmetric (default: symmetric for signed qtypes)')
  .option('--axis <n>', 'per-axis parameters along this axis (per-tensor without it)')
  .option('--block <size>', 'per-block parameters: blocks of this size along --axis')
  .option('--narrow', 'symmetric grid without the extra negative level (the default)')
  .option('--full', 'symmetric grid over the full integer range')
  .option('--reduce-range', 'one bit less of range, for x86 kernels without VNNI')
  .option('--method <method>', `calibration method: ${METHODS.join('|')}`, 'minmax')
  .option('--percentile <p>', 'percentile method: the percentile kept (default 99.99)')
  .option('--bins <n>', 'histogram methods: number of bins (default 2048)')
  .option('--momentum <m>', 'ema method: weight of each new batch (default 0.01)')
  .option(...SEARCH_OPTION)
  .option('--compare', 'both schemes side by side')
  .option('--compare-methods', 'one row per calibration method and scheme')
  .option('--json', 'print one JSON object (an array of two with --compare)')
  .action(runQParams);

const quantizeCommand = program
  .command('quantize')
  .description('quantize an ONNX model to a QDQ model that onnxruntime runs on integers')
  .argument('<model>', 'float32 ONNX model (never modified)')
  .requiredOption('-o, --output <file>', 'where to write the quantized model')
  .option('--calib <path>', 'calibration data: folder of images or .npy files, or a .npz')
  .option('--method <method>', `${METHODS.join('|')} (default percentile)`)
  .option('--percentile <p>', 'percentile method: the percentile kept (default 99.99)')
  .option('--bins <n>', 'histogram methods: number of bins (default 2048)')
  .option(...SEARCH_OPTION)
  .option(
    '--activations <mode>',
    'asymmetric (uint8, default) | symmetric | asymmetric-int8 | int16 | auto (per tensor, advised)',
  )
  .option('--act-type <type>', 'storage of symmetric activations: uint8 (zp 128, default) | int8')
  .option('--per-tensor', 'one scale per weight tensor instead of per output channel')
  .option(
    '--bias-correction',
    "subtract each Conv weight's rounding shift at the calibrated input means from its bias",
  )
  .option('--exclude <names...>', 'node names or op types to leave in float')
  .option('--include <names...>', 'quantize only these node names or op types')
  .option('--config <file>', 'JSON config: exclude, include, per-tensor overrides')
  .option('--cache <file>', 'calibration statistics: reused when present, written when not')
  .option('--batch-size <n>', 'calibration samples per run')
  .option('--threads <n>', 'onnxruntime threads for calibration (default 1)')
  .option('--json', 'print one JSON object instead of the table');
for (const [flag, description] of IMAGE_OPTIONS) quantizeCommand.option(flag, description);
for (const [flag, description] of MODE_OPTIONS) quantizeCommand.option(flag, description);
for (const [flag, description] of ADVICE_OPTIONS) quantizeCommand.option(flag, description);
quantizeCommand.action(async (model: string, flags: QuantizeFlags & ModeFlags) => {
  const mode = parseModeFlags(flags);
  if (mode !== undefined) {
    const report = runModeQuantize(model, flags.output, mode);
    console.log(flags.json === true ? JSON.stringify(report, null, 2) : formatModeReport(report));
    return;
  }
  const report = await runQuantize(model, flags);
  console.log(flags.json === true ? JSON.stringify(report, null, 2) : formatQuantize(report));
});

registerBench(program);
registerProfile(program);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ZeropointError) {
    console.error(errorLine(error));
    process.exitCode = 1;
  } else {
    throw error;
  }
}
