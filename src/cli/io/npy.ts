// The .npy codec's old import path, kept for the CLI, tests, benches and scripts that import it
// from here. The code is readers/npy.ts (bytes only, shared with the studio); nothing here.
export { parseNpy, serializeNpy, type NpyArray } from '../../readers/npy.js';
