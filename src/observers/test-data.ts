// Seeded float32 test tensors for the observer tests: gaussian, laplace, student-t and
// post-ReLU samples, plus the awkward values (NaN, +-Inf, -0). Not a fixture: nothing is read
// from disk. Lives beside the tests because only they use it.
import { seededRandom } from '../core/index.js';

/** A deterministic uniform generator in [0, 1) (core's mulberry32). */
export const uniform = seededRandom;

/** n standard normal samples (Box-Muller), as float32. */
export function gaussian(n: number, seed = 1, sigma = 1): Float32Array {
  const u = uniform(seed);
  return Float32Array.from({ length: n }, () => {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    return sigma * r * Math.cos(2 * Math.PI * u());
  });
}

/** n Laplace(0, b) samples: long-tailed, as activations often are. */
export function laplace(n: number, seed = 2, b = 1): Float32Array {
  const u = uniform(seed);
  return Float32Array.from({ length: n }, () => {
    const v = u() - 0.5;
    return -b * Math.sign(v) * Math.log(1 - 2 * Math.abs(v));
  });
}

/** n samples of Student's t with 3 degrees of freedom: heavier tails still. */
export function studentT(n: number, seed = 3): Float32Array {
  const z = gaussian(4 * n, seed);
  return Float32Array.from({ length: n }, (_, i) => {
    const chi = z[4 * i + 1]! ** 2 + z[4 * i + 2]! ** 2 + z[4 * i + 3]! ** 2;
    return z[4 * i]! / Math.sqrt(chi / 3);
  });
}

/** max(0, x) of n gaussian samples shifted by `shift`. */
export function relu(n: number, seed = 4, shift = 0.3): Float32Array {
  return gaussian(n, seed).map((v) => Math.max(0, v + shift));
}
