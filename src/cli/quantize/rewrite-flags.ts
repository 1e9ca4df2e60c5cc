// The static mode's float rewrites as flags: `--equalize` (cross-layer equalization of Conv
// pairs, data-free) and `--smooth-quant [alpha]` (SmoothQuant; alpha chosen on held-out
// calibration data when not given), parsed into the recipe's options, and the lines a person
// reads about what they did. Not the rewrites themselves (passes/equalize.ts, smooth-quant.ts).
import { fail } from '../../core/errors.js';
import type { SmoothQuantOptions } from '../../ptq/index.js';
import type { QuantizeReport } from '../../report/quantize-report.js';
import { num } from '../common/format.js';

/** The flags as commander hands them over (`--smooth-quant` alone gives true). */
export interface RewriteFlags {
  readonly equalize?: boolean;
  readonly smoothQuant?: string | boolean;
}

/** [flags, description] of each option, for the command to register with `.option()`. */
export const REWRITE_OPTIONS: readonly (readonly [string, string])[] = [
  [
    '--equalize',
    'cross-layer equalization before quantizing: rescale Conv -> (Relu|none) -> Conv and ' +
      'depthwise -> pointwise channels so both weights share ranges (exact in float, data-free)',
  ],
  [
    '--smooth-quant [alpha]',
    'SmoothQuant: move per-channel activation outliers of MatMul/Gemm inputs into their ' +
      'weights, folded into the LayerNorm or MatMul before them; alpha in [0, 1] ' +
      '(default: chosen from 0.3..0.8 by output error on a held-out quarter of --calib)',
  ],
];

/** The recipe options the flags ask for. */
export function rewritesFromFlags(flags: RewriteFlags): {
  equalize?: boolean;
  smoothQuant?: SmoothQuantOptions;
} {
  const { smoothQuant } = flags;
  let smooth: SmoothQuantOptions | undefined;
  if (typeof smoothQuant === 'string') {
    const alpha = Number(smoothQuant);
    if (smoothQuant.trim() === '' || !(alpha >= 0 && alpha <= 1)) {
      fail('bad-argument', `--smooth-quant takes an alpha in [0, 1], got "${smoothQuant}"`);
    }
    smooth = { alpha };
  } else if (smoothQuant === true) {
    smooth = {};
  }
  return {
    ...(flags.equalize === true ? { equalize: true } : {}),
    ...(smooth === undefined ? {} : { smoothQuant: smooth }),
  };
}

/** True when any rewrite flag is given. */
export function wantsRewrites(flags: RewriteFlags): boolean {
  return flags.equalize === true || flags.smoothQuant !== undefined;
}

/** What equalization and SmoothQuant did, one line each (none when they were not asked). */
export function formatRewrites(r: QuantizeReport): string[] {
  const lines: string[] = [];
  if (r.equalize !== undefined) {
    const { pairs, skipped, iterations } = r.equalize;
    const mean = (f: (p: (typeof pairs)[number]) => number) =>
      pairs.length === 0 ? 1 : pairs.reduce((s, p) => s + f(p), 0) / pairs.length;
    lines.push(
      `equalize: ${pairs.length} conv pair(s) in ${iterations} sweep(s), weight range balance ` +
        `${num(
          mean((p) => p.balanceBefore),
          3,
        )} -> ${num(
          mean((p) => p.balanceAfter),
          3,
        )}; ` +
        `${skipped.length} conv input(s) not equalizable (--json says why)`,
    );
  }
  if (r.smoothQuant !== undefined) {
    const s = r.smoothQuant;
    const smoothed = s.decisions.filter((d) => d.foldedInto !== undefined);
    const how =
      s.trials === undefined
        ? 'given'
        : `chosen on ${s.heldOutSamples ?? 0} held-out samples: ` +
          s.trials.map((t) => `${t.alpha ?? 'off'} ${num(t.sqnrDb, 3)} dB`).join(', ');
    lines.push(`smooth-quant: alpha ${s.alpha} (${how})`);
    lines.push(
      `smooth-quant: ${smoothed.length} MatMul input(s) smoothed, ` +
        `${s.decisions.length - smoothed.length} left alone`,
    );
    for (const d of s.decisions) {
      const nodes = d.nodes.join(', ');
      lines.push(
        d.foldedInto === undefined
          ? `  ${nodes}: ${d.reason ?? 'left alone'}`
          : `  ${nodes}: 1/s into ${d.foldedInto}, input absmax ` +
              `${num(d.absMaxBefore ?? 0, 3)} -> ${num(d.absMaxAfter ?? 0, 3)}`,
      );
    }
  }
  return lines;
}
