// The profile as JSON, the form `--json` writes and other tools read: the advise data as is,
// with non-finite numbers (an exact quantization's infinite SQNR) written as null, since JSON
// has no Infinity, and a format tag and version on top. Not a reader: nothing parses it back.
import type { ModelProfile } from '../advise/index.js';
import { summarize, type ProfileSummary } from './summary.js';

/** The JSON document `zeropoint profile --json` writes. */
export interface ProfileJSON {
  readonly format: 'zeropoint-profile';
  readonly version: 1;
  readonly summary: ProfileSummary;
  readonly profile: ModelProfile;
}

/** The document `--json` writes, as an object (numbers as they are: Infinity stays). */
export function profileDocument(profile: ModelProfile): ProfileJSON {
  return { format: 'zeropoint-profile', version: 1, summary: summarize(profile), profile };
}

/** The profile and its summary as JSON text; Infinity and NaN become null. */
export function profileJSON(profile: ModelProfile, indent = 0): string {
  return JSON.stringify(
    profileDocument(profile),
    (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
    indent,
  );
}
