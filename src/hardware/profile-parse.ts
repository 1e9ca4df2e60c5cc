// The hardware profile's loader: validates parsed JSON field by field against the schema
// (profile-schema.ts) and keeps exactly the schema's fields, failing with `bad-file` naming the
// first wrong one. Reads no file: callers hand it what they parsed.
import { fail } from '../core/errors.js';
import {
  KERNEL_OPS,
  PROFILE_SCHEMA,
  PROFILE_VERSION,
  type HardwareProfile,
  type KernelMeasurement,
  type ProfileMachine,
  type ProfileRuntime,
  type SkippedKernel,
} from './profile-schema.js';

type Json = Record<string, unknown>;
type Check = readonly [(v: unknown) => boolean, string];

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const STRING: Check = [(v) => typeof v === 'string', 'a string'];
const POSITIVE: Check = [
  (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  'a positive number',
];
const TYPE: Check = [
  (v) => v === 'uint8' || v === 'int8' || v === 'float32',
  'uint8, int8 or float32',
];
const OP: Check = [
  (v) => (KERNEL_OPS as readonly unknown[]).includes(v),
  `one of ${KERNEL_OPS.join(', ')}`,
];
const ZERO_POINT: Check = [(v) => v === null || Number.isInteger(v), 'an integer or null'];
const OBJECT: Check = [isObject, 'an object'];
const ARRAY: Check = [Array.isArray, 'an array'];
const STRINGS: Check = [
  (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  'an array of strings',
];
const DIMS: Check = [
  (v) =>
    Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && (d as number) > 0),
  'an array of positive integers',
];

const KERNEL: Readonly<Record<keyof KernelMeasurement, Check>> = {
  op: OP,
  a: TYPE,
  b: TYPE,
  aZeroPoint: ZERO_POINT,
  bZeroPoint: ZERO_POINT,
  shape: DIMS,
  gops: POSITIVE,
  relativeCost: POSITIVE,
  medianMs: POSITIVE,
};
const SKIPPED: Readonly<Record<keyof SkippedKernel, Check>> = {
  op: OP,
  a: TYPE,
  b: TYPE,
  reason: STRING,
};
const RUNTIME: Readonly<Record<keyof ProfileRuntime, Check>> = {
  name: STRING,
  version: STRING,
  backend: STRING,
  threads: POSITIVE,
};
const MACHINE: Readonly<Record<keyof ProfileMachine, Check>> = {
  platform: STRING,
  arch: STRING,
  cpu: STRING,
  cores: POSITIVE,
  features: STRINGS,
};
const PROFILE: Readonly<Record<keyof HardwareProfile, Check>> = {
  schema: [(v) => v === PROFILE_SCHEMA, `"${PROFILE_SCHEMA}"`],
  version: [(v) => v === PROFILE_VERSION, String(PROFILE_VERSION)],
  source: [(v) => v === 'measured' || v === 'built-in', '"measured" or "built-in"'],
  note: STRING,
  measuredAt: STRING,
  runtime: OBJECT,
  machine: OBJECT,
  kernels: ARRAY,
  skipped: ARRAY,
};

function badFile(what: string, file: string | undefined): never {
  return fail(
    'bad-file',
    `${file ?? 'hardware profile'}: ${what}`,
    file === undefined ? {} : { file },
  );
}

/** Checks every field of `value` and returns an object of exactly those fields. */
function checked<T>(
  value: unknown,
  where: string,
  fields: Readonly<Record<string, Check>>,
  file?: string,
): T {
  if (!isObject(value)) return badFile(`${where} must be an object`, file);
  for (const [key, [ok, what]] of Object.entries(fields)) {
    const v = value[key];
    if (!ok(v)) badFile(`${where}.${key} must be ${what}, got ${JSON.stringify(v)}`, file);
  }
  return Object.fromEntries(Object.keys(fields).map((key) => [key, value[key]])) as T;
}

/** Validates parsed JSON as a hardware profile; `bad-file` naming the first wrong field. */
export function parseHardwareProfile(value: unknown, file?: string): HardwareProfile {
  const top = checked<Json>(value, 'profile', PROFILE, file);
  return {
    ...(top as unknown as HardwareProfile),
    runtime: checked(top.runtime, 'profile.runtime', RUNTIME, file),
    machine: checked(top.machine, 'profile.machine', MACHINE, file),
    kernels: (top.kernels as unknown[]).map((k, i) =>
      checked(k, `profile.kernels[${i}]`, KERNEL, file),
    ),
    skipped: (top.skipped as unknown[]).map((k, i) =>
      checked(k, `profile.skipped[${i}]`, SKIPPED, file),
    ),
  };
}
