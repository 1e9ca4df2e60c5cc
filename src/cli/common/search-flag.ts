// The `--search exhaustive|torch` flag of qparams, quantize and profile: which range search the
// mse method runs (zeropoint's exhaustive one, or PyTorch HistogramObserver's greedy one).
// Only parsing and validation; the searches themselves are observers/mse.ts and torch-search.ts.
import { fail } from '../../core/errors.js';
import type { MseSearch } from '../../observers/index.js';

/** The flag and its help line, as commander takes them. */
export const SEARCH_OPTION = [
  '--search <search>',
  "mse method: exhaustive (default) | torch (PyTorch HistogramObserver's search)",
] as const;

const SEARCHES: readonly MseSearch[] = ['exhaustive', 'torch'];

/**
 * The search `--search` names, or undefined when not given; fails with `bad-argument` on an
 * unknown search or when `method` (what --method, a config or the default chose) is not mse.
 */
export function searchFromFlag(search: string | undefined, method: string): MseSearch | undefined {
  if (search === undefined) return undefined;
  if (!(SEARCHES as readonly string[]).includes(search)) {
    fail('bad-argument', `--search must be one of ${SEARCHES.join(', ')}; got "${search}"`);
  }
  if (method !== 'mse') {
    fail('bad-argument', `--search applies to --method mse only; the method here is ${method}`);
  }
  return search as MseSearch;
}
