// Reading observer JSON back: typed access to fields of parsed, untrusted JSON, failing with
// `bad-argument` and the field's name. Shared by every fromJSON; not part of the public API.
import { fail } from '../core/index.js';
import type { ObserverKind, ValueCounts } from './observer.js';

/** The object `json` as a record, or a `bad-argument` failure naming `what`. */
export function asRecord(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('bad-argument', `${what} is not a JSON object`);
  }
  return json as Record<string, unknown>;
}

/** Field `key` of `record` as a finite number (or undefined when optional and absent). */
export function numberField(record: Record<string, unknown>, key: string): number {
  const v = record[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail('bad-argument', `observer JSON field "${key}" must be a finite number`);
  }
  return v;
}

/** Field `key` as an array of numbers or nulls (null stands for an empty group's +-Inf). */
export function nullableNumbers(record: Record<string, unknown>, key: string): (number | null)[] {
  const v = record[key];
  if (!Array.isArray(v) || !v.every((e) => e === null || typeof e === 'number')) {
    fail('bad-argument', `observer JSON field "${key}" must be an array of numbers or nulls`);
  }
  return v as (number | null)[];
}

/** Field `key` read back as ValueCounts. */
export function countsField(record: Record<string, unknown>, key = 'counts'): ValueCounts {
  const c = asRecord(record[key], `observer JSON field "${key}"`);
  return {
    finite: numberField(c, 'finite'),
    nan: numberField(c, 'nan'),
    infinite: numberField(c, 'infinite'),
  };
}

/** Fails with `bad-argument` unless `json.kind` is `kind` and `json.version` is 1. */
export function checkHeader(record: Record<string, unknown>, kinds: readonly ObserverKind[]): void {
  if (!kinds.includes(record.kind as ObserverKind)) {
    fail(
      'bad-argument',
      `observer JSON kind "${String(record.kind)}" is not ${kinds.join(' or ')}`,
    );
  }
  if (record.version !== 1) {
    fail('bad-argument', `observer JSON version ${String(record.version)} is not supported`);
  }
}
