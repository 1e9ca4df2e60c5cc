// Bit-level comparison for the fast-path tests: typed arrays compared element by element on
// their bit patterns (float32 as uint32, so -0 and +0 differ), reporting the first difference.
// Lives beside the tests because only they use it.

/** Index and values of the first element whose bits differ, or undefined when a equals b. */
export function firstDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { index: number; got: number; want: number } | undefined {
  const u = a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : a;
  const v = b instanceof Float32Array ? new Uint32Array(b.buffer, b.byteOffset, b.length) : b;
  if (u.length !== v.length) return { index: -1, got: u.length, want: v.length };
  for (let i = 0; i < u.length; i++) {
    if (u[i] !== v[i]) return { index: i, got: a[i]!, want: b[i]! };
  }
  return undefined;
}
