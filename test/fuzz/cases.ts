// The fuzz cases: from one 32-bit seed, a command (`quantize` static, --dynamic or --weights
// int4, `profile`, `bench`, `qparams`), a base model and its calibration data, and one mutation
// of the model bytes or of the .npy/.npz data. A case is data only: run-case.ts writes its
// files, runs it and checks the result. Not mutation logic (mutate-*.ts, wire.ts).
import { bases, joinedBatches, type Base, type BaseName } from './bases.js';
import { mutateBytes, splice, type Mutated } from './mutate-bytes.js';
import { mutateModel } from './mutate-model.js';
import { mutateNpy } from './mutate-npy.js';
import { buildNpz, mutateNpz } from './mutate-npz.js';
import { createRng, type Rng } from './rng.js';
import { mutateWire } from './wire.js';

/** The commands the fuzzer drives. */
export type Command =
  'quantize-static' | 'quantize-dynamic' | 'quantize-int4' | 'profile' | 'bench' | 'qparams';

/** `zeropoint qparams` options a case passes, as flags on the command line. */
export type QParamsFlags = Readonly<Record<string, string | true>>;

/** One generated case. */
export interface FuzzCase {
  readonly seed: number;
  readonly command: Command;
  readonly base: BaseName;
  /** The files of the input folder, by relative path ('calib/000.npy' lies in a subfolder). */
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** The model, the calibration path and the qparams .npy files, relative to the input folder. */
  readonly model?: string;
  readonly calib?: string;
  readonly tensors?: readonly string[];
  readonly qparams?: QParamsFlags;
  /** What was mutated, and how. */
  readonly what: string;
  /** True when the model is the unmutated base (so it loads and runs). */
  readonly modelIntact: boolean;
}

/** Every command the fuzzer drives. */
export const COMMANDS: readonly Command[] = [
  'quantize-static',
  'quantize-dynamic',
  'quantize-int4',
  'profile',
  'bench',
  'qparams',
];
const TINY: readonly BaseName[] = ['matmul', 'conv', 'chain'];
const QPARAMS: readonly QParamsFlags[] = [
  {},
  { method: 'percentile' },
  { method: 'entropy', qtype: 'uint8' },
  { axis: '1' },
  { axis: '0', block: '2' },
  { compareMethods: true },
  { method: 'histogram', bins: '64' },
];

/** A mutation of model bytes: format-blind, spliced with another base, wire-level or ONNX-aware. */
function mutateModelBytes(rng: Rng, base: Base): Mutated {
  for (;;) {
    const k = rng.next();
    if (k < 0.3) return mutateBytes(rng, base.model);
    if (k < 0.4) {
      const other = rng.pick(TINY);
      return splice(rng, base.model, bases().get(other)!.model, `${base.name}+${other}`);
    }
    const mutated = k < 0.65 ? mutateWire(rng, base.model) : mutateModel(rng, base.model);
    if (mutated !== undefined) return mutated;
  }
}

/** The .npy calibration folder `calib/` with one file mutated, replaced or added. */
function npyFolder(rng: Rng, base: Base, mutate: boolean): [Record<string, Uint8Array>, string] {
  const count = base.name === 'cls' ? 2 : 3;
  const files: Record<string, Uint8Array> = {};
  for (let k = 0; k < count; k++) files[`calib/00${k}.npy`] = base.batch(k);
  if (!mutate) return [files, ''];
  const k = rng.next();
  if (k < 0.75) {
    const name = `calib/00${rng.int(0, count - 1)}.npy`;
    const mutated = mutateNpy(rng, files[name]!);
    files[name] = mutated.bytes;
    return [files, `${name}: ${mutated.what}`];
  }
  if (k < 0.9) {
    const other = rng.pick(TINY.filter((n) => n !== base.name));
    files['calib/001.npy'] = bases().get(other)!.batch(1);
    return [files, `calib/001.npy: a batch of ${other}`];
  }
  files['calib/999.npy'] = mutateBytes(rng, base.batch(0)).bytes;
  return [files, 'calib/999.npy: an extra corrupted file'];
}

function calibrationData(
  rng: Rng,
  base: Base,
  mutate: boolean,
): [Record<string, Uint8Array>, string, string] {
  if (rng.chance(0.6)) {
    const [files, what] = npyFolder(rng, base, mutate);
    return [files, 'calib', what];
  }
  const deflate = rng.chance(0.5);
  const members = { 'x.npy': joinedBatches(base, base.name === 'cls' ? 2 : 3) };
  if (!mutate) return [{ 'calib.npz': buildNpz(members, deflate) }, 'calib.npz', ''];
  const mutated = mutateNpz(rng, members, deflate);
  return [
    { 'calib.npz': mutated.bytes },
    'calib.npz',
    `calib.npz (${deflate ? 'deflated' : 'stored'}): ${mutated.what}`,
  ];
}

/** The case of `seed`; `command` forces one command (e.g. to balance a run). */
export function generateCase(seed: number, command?: Command): FuzzCase {
  const rng = createRng(seed);
  // Static quantization twice as often: it reads the most (model, data, cache).
  const chosen = command ?? rng.pick(['quantize-static', ...COMMANDS]);
  const baseName = chosen !== 'qparams' && rng.chance(0.06) ? 'cls' : rng.pick(TINY);
  const base = bases().get(baseName)!;
  if (chosen === 'qparams') {
    const count = rng.chance(0.3) ? 2 : 1;
    const files: Record<string, Uint8Array> = {};
    for (let k = 0; k < count; k++) files[`t${k}.npy`] = base.batch(k);
    const target = `t${rng.int(0, count - 1)}.npy`;
    const mutated = mutateNpy(rng, files[target]!);
    files[target] = mutated.bytes;
    return {
      seed,
      command: chosen,
      base: baseName,
      files,
      tensors: Object.keys(files),
      qparams: rng.pick(QPARAMS),
      what: `${target}: ${mutated.what}`,
      modelIntact: true,
    };
  }
  const withCalib =
    chosen === 'quantize-static' || chosen === 'profile' || (chosen === 'bench' && rng.chance(0.5));
  const mutateCalib = withCalib && rng.chance(0.5);
  const model = mutateCalib ? { bytes: base.model, what: '' } : mutateModelBytes(rng, base);
  const files: Record<string, Uint8Array> = { 'model.onnx': model.bytes };
  let calib: string | undefined;
  let what = mutateCalib ? '' : `model.onnx: ${model.what}`;
  if (withCalib && chosen === 'bench') {
    calib = 'x.npy';
    const batch = base.batch(0);
    const mutated = mutateCalib ? mutateNpy(rng, batch) : { bytes: batch, what: '' };
    files[calib] = mutated.bytes;
    if (mutateCalib) what = `x.npy: ${mutated.what}`;
  } else if (withCalib) {
    const [data, path, dataWhat] = calibrationData(rng, base, mutateCalib);
    Object.assign(files, data);
    calib = path;
    if (mutateCalib) what = dataWhat;
  }
  return {
    seed,
    command: chosen,
    base: baseName,
    files,
    model: 'model.onnx',
    ...(calib === undefined ? {} : { calib }),
    what,
    modelIntact: mutateCalib,
  };
}
