// How the advised `quantize` reads to a person and to commander: the options it adds (for
// quantize-command.ts to register), the summary of what the advisor decided and of every search
// trial, and the lines appended to the quantize table. Not the flow itself (advised.ts).
import { DEFAULT_TRIALS, type AdviceSummary } from '../../advise/index.js';
import { table } from '../common/format.js';

/** [flags, description] of the quantize options the advisor adds. */
export const ADVICE_OPTIONS: readonly (readonly [string, string])[] = [
  [
    '--target <value>',
    'search fallbacks until output SQNR >= value dB (or, with --target-metric, the score; P% of fp32)',
  ],
  [
    '--target-metric <module>',
    'JS module exporting score(outputs, inputs, reference) => number (default target 99%)',
  ],
  [
    '--hardware <file>',
    'hardware profile for the advice (zeropoint bench --kernels --save); default built in',
  ],
  [
    '--holdout <n>',
    'batches held out from calibration to evaluate on (default: a quarter with --target or ' +
      '--qat, at least 1 with --qat; else 0)',
  ],
  [
    '--trials <n>',
    `search budget, the starting configuration included (default ${DEFAULT_TRIALS})`,
  ],
  [
    '--search-latency',
    'with --target: also minimise latency: every trial timed against fp32 on this machine ' +
      '(1 thread unless --threads), then layers measured slower in int8 kept float while the ' +
      'target holds',
  ],
];

/** The advice lines appended to the quantize table. */
export function formatAdvice(a: AdviceSummary): string {
  const schemes = Object.entries(a.schemes)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const lines = [
    `hardware: ${a.hardware}`,
    `advice per tensor: ${schemes}`,
    `--activations auto: ${a.auto}`,
  ];
  if (a.search !== null) {
    const s = a.search;
    const fp32 = s.fp32 === null ? '' : ` (fp32 ${s.fp32.toFixed(4)})`;
    // --search-latency: each trial's measured latency as a multiple of fp32's.
    const timed = s.trials.some((t) => t.latency !== null);
    lines.push(
      '',
      `search on ${a.heldOut} held-out sample(s): ${s.metric} >= ${s.target.toFixed(4)}${fp32}`,
      table(
        [
          'trial',
          'on',
          'change',
          'score',
          'target',
          ...(timed ? ['x fp32 latency'] : []),
          'outcome',
          'ms',
        ],
        s.trials.map((t) => [
          String(t.index),
          t.base === 0 ? '' : String(t.base),
          t.change.length > 80 ? `${t.change.slice(0, 77)}...` : t.change,
          t.score.toFixed(4),
          t.meetsTarget ? 'met' : 'missed',
          ...(timed ? [t.latency === null ? '' : `${t.latency.toFixed(2)}x`] : []),
          t.base === 0 ? '' : t.kept ? 'kept' : 'reverted',
          String(t.ms),
        ]),
      ),
      s.reached
        ? `target met by trial ${s.chosen}`
        : `target not met within ${s.trials.length} trials; kept trial ${s.chosen}, the best`,
    );
  }
  return lines.join('\n');
}
