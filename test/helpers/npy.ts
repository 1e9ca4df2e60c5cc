// Test helpers for .npy bytes: variants of valid files that a user might hand zeropoint.

/** The same .npy bytes with the header's dtype changed from '<f4' to '<f8'. */
export function asFloat64Header(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const at = new TextDecoder('latin1').decode(out).indexOf('<f4');
  out[at + 2] = '8'.charCodeAt(0);
  return out;
}
