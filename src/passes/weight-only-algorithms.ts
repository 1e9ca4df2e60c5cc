// Which algorithm chooses a weight's integer codes, scales and zero points for the weight-only
// emitters (weight-only-matmulnbits.ts, weight-only-qdq.ts): RTN (blockQuantize), HQQ
// (data-free) or GPTQ (needs its activation's X^T X). AWQ is not here: it rescales the graph's
// weights before the emitters run (weight-only-awq-fold.ts) and they then round with RTN.
// The block layout, packing and emitted ops are the same for all of them.
import { fail } from '../core/index.js';
import { blockQuantize, type BlockQuantized, type BlockSpec } from './weight-only-blocks.js';
import { gptqQuantize, type GptqOptions } from './weight-only-gptq.js';
import type { ActivationStats } from './weight-only-hessian.js';
import { hqqQuantize, type HqqOptions } from './weight-only-hqq.js';
import type { WeightTarget } from './weight-only-targets.js';

/** The weight-only algorithms: round to nearest, GPTQ, AWQ, HQQ. */
export type WeightAlgorithm = 'rtn' | 'gptq' | 'awq' | 'hqq';

/** The algorithms, in the order the CLI lists them. */
export const WEIGHT_ALGORITHMS: readonly WeightAlgorithm[] = ['rtn', 'gptq', 'awq', 'hqq'];

/** A block spec plus the algorithm that fills the blocks and what that algorithm needs. */
export interface AlgorithmSpec extends BlockSpec {
  /** 'awq' rounds with RTN here (the scaling happened before); default 'rtn'. */
  readonly algorithm?: WeightAlgorithm;
  /** Statistics per activation tensor (GPTQ reads X^T X of each target's input). */
  readonly statistics?: ReadonlyMap<string, ActivationStats>;
  readonly gptq?: GptqOptions;
  readonly hqq?: HqqOptions;
}

/** The target's weight w: f32 [N, K] quantized in blocks by `spec.algorithm`. */
export function quantizeWeightBlocks(
  w: Float32Array,
  target: WeightTarget,
  spec: AlgorithmSpec,
): BlockQuantized {
  const { n, k, weight } = target;
  switch (spec.algorithm ?? 'rtn') {
    case 'rtn':
    case 'awq':
      return blockQuantize(w, n, k, spec, weight);
    case 'hqq':
      return hqqQuantize(w, n, k, spec, weight, spec.hqq);
    case 'gptq': {
      const stats = spec.statistics?.get(target.activation);
      if (stats === undefined || stats.k !== k) {
        return fail(
          'bad-argument',
          `GPTQ needs calibration statistics of '${target.activation}' (the input of ` +
            `'${weight}'); pass calibration data`,
          { tensor: target.activation },
        );
      }
      return gptqQuantize(w, n, k, spec, weight, stats.xtx, spec.gptq);
    }
  }
}
