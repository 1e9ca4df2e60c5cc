// `quantize MODEL --fp16 [--fp16-io] -o OUT` (float32 -> float16) and `quantize DIR --variants
// [list] [-o OUTDIR]` (transformers.js's dtype files beside DIR/onnx/model.onnx, or the
// encoder/decoder files): flags, one library call per model (api/'s convertFloat16 and
// transformersVariants), atomic writes, and the table or `--json` report. model.onnx and the
// other inputs are never overwritten. Not the recipes (ptq/) and not the other modes.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { convertFloat16, transformersVariants, type VariantResult } from '../../api/index.js';
import { fail } from '../../core/errors.js';
import type { Float16Report } from '../../ptq/float16-model.js';
import type { OutputAgreement } from '../../ptq/output-agreement.js';
import {
  isVariantFile,
  parseVariants,
  variantFileName,
  type VariantName,
} from '../../ptq/transformers-variants.js';
import { num, table } from '../common/format.js';
import { readModelFile } from '../io/read-inputs.js';
import { checkOutputPaths, checkWritable, isSameFile, writeAtomic } from '../io/write-atomic.js';

/** The flags, as commander hands them over. */
export interface Float16Flags {
  readonly fp16?: boolean;
  readonly fp16Io?: boolean;
  readonly variants?: string | boolean;
  readonly output?: string;
  /** Flags of the other modes, refused beside --fp16 and --variants. */
  readonly dynamic?: boolean;
  readonly weights?: string;
  readonly calib?: string;
  readonly cache?: string;
  readonly externalData?: string | boolean;
}

/** The other modes' flags that are set: --fp16 and --variants would silently drop them. */
function strayFlags(flags: Float16Flags): string[] {
  const set: [string, unknown][] = [
    ['--dynamic', flags.dynamic],
    ['--weights', flags.weights],
    ['--calib', flags.calib],
    ['--cache', flags.cache],
    ['--external-data', flags.externalData],
  ];
  return set.filter(([, v]) => v !== undefined && v !== false).map(([name]) => name);
}

/** [flags, description] of each option, for the quantize command to register. */
export const FLOAT16_OPTIONS: readonly (readonly [string, string])[] = [
  [
    '--fp16',
    'convert to float16: weights and compute fp16, float32 inputs/outputs behind Casts ' +
      '(as transformers.js model_fp16.onnx); values past 65504 are clamped and reported',
  ],
  ['--fp16-io', 'with --fp16: float16 inputs and outputs instead'],
  [
    '--variants [list]',
    'MODEL is a transformers.js folder: write onnx/<model>_<dtype>.onnx for ' +
      'fp16,q8,int8,uint8,q4,q4f16 (default all) into DIR/onnx, or -o OUTDIR',
  ],
];

/** One written variant file, for the table and --json: the result, its model named, its file. */
interface VariantRow extends Omit<VariantResult, 'model'> {
  readonly model: string;
  readonly file: string;
}

/** Runs --fp16 or --variants when asked (undefined when neither): the report and its text. */
export async function runFloat16Modes(
  model: string,
  flags: Float16Flags,
): Promise<{ report: object; text: string } | undefined> {
  const variants = flags.variants !== undefined && flags.variants !== false;
  const stray = strayFlags(flags);
  if ((variants || flags.fp16 === true) && stray.length > 0) {
    const mode = variants ? '--variants' : '--fp16';
    fail('bad-argument', `${mode} is a mode of its own; drop ${stray.join(', ')}`);
  }
  if (variants) {
    if (flags.fp16 === true) fail('bad-argument', '--variants writes fp16 itself; drop --fp16');
    const list = parseVariants(typeof flags.variants === 'string' ? flags.variants : undefined);
    const rows = await runVariants(model, list, flags.output);
    return { report: { mode: 'variants', files: rows }, text: formatVariants(rows) };
  }
  if (flags.fp16Io === true && flags.fp16 !== true) fail('bad-argument', '--fp16-io needs --fp16');
  if (flags.fp16 !== true) return undefined;
  const output = flags.output ?? fail('bad-argument', '--fp16 needs -o, --output <file>');
  checkOutputPaths(model, output);
  const { bytes } = readModelFile(model);
  const io = flags.fp16Io === true ? 'float16' : 'float32';
  const result = await convertFloat16(bytes, { io });
  writeAtomic(output, result.model);
  return { report: result.report, text: formatFloat16(result.report) };
}

/** The fp32 models of a transformers.js folder: DIR/onnx/*.onnx that are not variants. */
function folderModels(dir: string): string[] {
  const folder = join(dir, 'onnx');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    fail('bad-argument', `--variants takes a transformers.js model folder; ${folder} is missing`, {
      file: folder,
    });
  }
  const models = readdirSync(folder)
    .filter((f) => f.endsWith('.onnx') && !isVariantFile(f))
    .sort()
    .map((f) => join(folder, f));
  if (models.length === 0) fail('bad-argument', `${folder} holds no .onnx model`, { file: folder });
  return models;
}

async function runVariants(
  dir: string,
  variants: readonly VariantName[],
  outDir: string | undefined,
): Promise<VariantRow[]> {
  const target = outDir === undefined ? join(dir, 'onnx') : resolve(outDir);
  const models = folderModels(dir);
  const rows: VariantRow[] = [];
  for (const path of models) {
    const base = basename(path, '.onnx');
    const outputs = variants.map((v) => join(target, variantFileName(base, v)));
    for (const out of outputs) {
      if (models.some((m) => isSameFile(m, out))) {
        fail('bad-argument', `${out} would overwrite an input model`, { file: out });
      }
      checkWritable(out);
    }
    const { bytes } = readModelFile(path);
    process.stderr.write(`${basename(path)}: ${variants.join(', ')}\n`);
    await transformersVariants(bytes, {
      variants,
      onVariant: (r) => {
        const file = join(target, variantFileName(base, r.variant));
        writeAtomic(file, r.model);
        process.stderr.write(`  ${r.variant} -> ${file}\n`);
        rows.push({ ...r, model: basename(path), file });
      },
    });
  }
  return rows;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;

function worst(agreement: readonly OutputAgreement[]): OutputAgreement | undefined {
  return [...agreement].sort((a, b) => a.cosine - b.cosine)[0];
}

function formatVariants(rows: readonly VariantRow[]): string {
  const body = rows.map((r) => {
    const w = worst(r.agreement);
    return [
      r.model,
      r.variant,
      basename(r.file),
      mb(r.bytes),
      `${r.ratio.toFixed(2)}x`,
      w === undefined ? '-' : num(w.cosine, 6),
      w === undefined ? '-' : num(w.sqnrDb, 3),
      w === undefined || w.top1 === null ? '-' : `${(100 * w.top1).toFixed(1)}%`,
      r.notes.join('; '),
    ];
  });
  const header = ['model', 'dtype', 'file', 'size', 'smaller', 'cosine', 'SQNR dB', 'top-1', ''];
  return [
    table(header, body),
    'agreement with the fp32 model in onnxruntime-node on 4 sample feeds (worst output)',
  ].join('\n');
}

function formatFloat16(r: Float16Report): string {
  const io = r.io.map((v) => `${v.name} ${v.type}`).join(', ');
  const lines = [
    `fp16: ${r.tensors} tensors to float16, ${r.casts} Casts; inputs/outputs: ${io}`,
    ...r.keptNodes.map((k) => `kept float32: ${k.opType} ${k.node} (${k.reason})`),
    ...r.lost
      .filter((l) => l.clamped > 0)
      .map(
        (l) => `clamped: ${l.tensor}: ${l.clamped} values past 65504 (max |x| ${num(l.maxAbs)})`,
      ),
  ];
  const flushed = r.lost.reduce((n, l) => n + l.flushed, 0);
  if (flushed > 0) lines.push(`${flushed} nonzero values below 2^-25 became 0`);
  const smaller = (r.bytesIn / r.bytesOut).toFixed(2);
  lines.push(`size ${mb(r.bytesIn)} -> ${mb(r.bytesOut)} (${smaller}x smaller)`);
  return lines.join('\n');
}
