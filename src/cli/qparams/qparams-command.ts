// `zeropoint qparams FILE.npy [...]`: reads the .npy tensors, computes the parameters and error
// of each scheme asked for (calibrated-qparams.ts) and prints a table or JSON. Registered on the
// program by main.ts; the computing is calibrated-qparams.ts's, the tables qparams-format.ts's.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fail } from '../../core/errors.js';
import { SEARCH_OPTION } from '../common/search-flag.js';
import { parseNpy, type NpyArray } from '../io/npy.js';
import { METHODS, calibratedQParams, type QParamsOptions } from './calibrated-qparams.js';
import { formatMethods, formatQParams } from './qparams-format.js';

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

/** Adds `zeropoint qparams` to the program. */
export function registerQParams(program: Command): void {
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
}
