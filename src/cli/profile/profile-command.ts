// `zeropoint profile MODEL --calib PATH [-o report.html] [--json out.json]`: profiles every
// weight and activation of a model on calibration data (statistics, sym/asym candidates, a
// recommendation with its reason), measures on held-out batches, ranks layer sensitivity, writes
// the HTML report and JSON, and prints a short summary. One library call (api/'s profileModel);
// the analysis lives in advise/.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { profileModel } from '../../api/index.js';
import { RANGE_METHODS, type ModelProfile, type RangeMethod } from '../../advise/index.js';
import { fail } from '../../core/errors.js';
import { RANGE_GUARD_DB } from '../../observers/index.js';
import type { PlanOptions } from '../../passes/index.js';
import { profileJSON, summarize } from '../../report/index.js';
import { table } from '../common/format.js';
import { progressBar } from '../common/progress.js';
import { openAdviceInputs } from './advice-inputs.js';
import { readModelFile } from '../io/read-inputs.js';
import { CALIB_HELP } from '../io/calib-data.js';
import { IMAGE_OPTIONS, type QuantizeFlags } from '../quantize/flags.js';
import { writeAtomic } from '../io/write-atomic.js';

/** Flags of `zeropoint profile`, as commander hands them over. */
export interface ProfileFlags extends Omit<QuantizeFlags, 'output' | 'json'> {
  readonly output?: string;
  readonly json?: string;
  readonly hardware?: string;
  readonly holdout?: string;
  readonly sensitivity?: boolean;
}

/** What the command did, for tests and callers. */
export interface ProfileRun {
  readonly profile: ModelProfile;
  readonly report: string;
  readonly json: string | null;
}

/** Runs the profile and writes its files; returns the profile and where it went. */
export async function runProfile(modelPath: string, flags: ProfileFlags): Promise<ProfileRun> {
  if (flags.calib === undefined)
    fail('bad-argument', 'profile needs calibration data: --calib PATH');
  const method = flags.method ?? 'percentile';
  if (!(RANGE_METHODS as readonly string[]).includes(method)) {
    fail(
      'bad-argument',
      `--method must be one of ${RANGE_METHODS.join(', ')} for profile; got "${method}"`,
    );
  }
  const { bytes, model } = readModelFile(modelPath);
  const data = await openAdviceInputs(flags.calib, model, { output: '', ...flags, json: false });
  const plan: PlanOptions = {
    weightGranularity: flags.perTensor === true ? 'per-tensor' : 'per-channel',
    ...(flags.exclude === undefined ? {} : { exclude: flags.exclude }),
    ...(flags.include === undefined ? {} : { include: flags.include }),
  };
  const bar = progressBar(data.total, 'calibrating');
  let result: Awaited<ReturnType<typeof profileModel>>;
  try {
    result = await profileModel(bytes, data.feeds, {
      name: basename(modelPath),
      ...data.options,
      plan,
      method: method as RangeMethod,
      sensitivity: flags.sensitivity !== false,
      html: {
        generator: `zeropoint profile ${basename(modelPath)}`,
        createdAt: new Date().toISOString(),
      },
      onProgress: (_stage, done, total) => bar.update(done, total),
    });
  } finally {
    bar.stop();
  }
  if (flags.cache !== undefined && data.cache === undefined) {
    writeAtomic(flags.cache, JSON.stringify(result.calibration));
  }
  const report = flags.output ?? `${basename(modelPath).replace(/\.onnx$/i, '')}.profile.html`;
  writeAtomic(report, result.html ?? '');
  const { profile } = result.report;
  if (flags.json !== undefined) writeAtomic(flags.json, profileJSON(profile, 1));
  return { profile, report, json: flags.json ?? null };
}

/** The summary printed after `zeropoint profile`. */
export function formatProfile(run: ProfileRun): string {
  const p = run.profile;
  const s = summarize(p);
  const lines = [
    `${p.model}: ${s.activations} activation groups, ${s.weights} weights; ` +
      `${p.samples.calibration} samples calibrate, ${p.samples.heldOut} held out; ranges by ${p.method}`,
    `hardware: ${p.hardware.description}`,
    `storage: ${p.hardware.storage.reason}`,
    '',
    table(
      ['scheme', 'why', 'groups', 'expected dB', 'measured dB'],
      s.decisions.map((d) => [
        d.scheme,
        d.rule,
        String(d.count),
        d.expectedDb.toFixed(1),
        d.measuredDb === null ? 'n/a' : d.measuredDb.toFixed(1),
      ]),
    ),
    '',
  ];
  if (p.comparisons.length > 0) {
    const each = p.comparisons.map((c) => `${c.config} ${c.sqnrDb.toFixed(1)} dB`).join('; ');
    lines.push(`output SQNR against fp32 on ${p.auto.basis?.kind ?? ''} samples: ${each}`);
  }
  lines.push(`--activations auto: ${p.auto.reason}`);
  const guarded = Object.entries(s.rangeGuard).map(([m, ids]) => `${m} ${ids.length}`);
  lines.push(
    `range guard: groups whose clipped range falls back to min/max (over ${RANGE_GUARD_DB} dB ` +
      `below its SQNR): ${guarded.join(', ')} of ${s.activations}`,
  );
  if (p.sensitivity !== null) {
    const top = p.sensitivity.layers
      .slice(0, 5)
      .map((l) => `${l.label} ${l.sqnrDb.toFixed(1)} dB`)
      .join(', ');
    lines.push(
      `sensitivity: ${p.sensitivity.layers.length} layers in ${(p.sensitivity.ms / 1000).toFixed(1)} s; most sensitive: ${top}`,
    );
  }
  for (const w of p.warnings.slice(0, 5)) lines.push(`note: ${w}`);
  if (p.warnings.length > 5) lines.push(`note: ${p.warnings.length - 5} more in the report`);
  lines.push(`report: ${run.report}${run.json === null ? '' : `; JSON: ${run.json}`}`);
  return lines.join('\n');
}

/** Registers `zeropoint profile` on `program`. */
export function registerProfile(program: Command): void {
  const command = program
    .command('profile')
    .description('profile every tensor, recommend symmetric or asymmetric, rank layer sensitivity')
    .argument('<model>', 'float32 ONNX model (never modified)')
    .option('--calib <path>', CALIB_HELP)
    .option('-o, --output <file>', 'HTML report (default MODEL.profile.html)')
    .option('--json <file>', 'also write the profile as JSON')
    .option('--cache <file>', 'histogram statistics: reused when present, written when not')
    .option(
      '--hardware <file>',
      'hardware profile (zeropoint bench --kernels --save); default built in',
    )
    .option(
      '--method <method>',
      `ranges for recommendations: ${RANGE_METHODS.join('|')}`,
      'percentile',
    )
    .option('--holdout <n>', 'batches held out for measurements (default a quarter, at most 8)')
    .option('--no-sensitivity', 'skip quantizing one layer at a time')
    .option('--per-tensor', 'one scale per weight tensor instead of per output channel')
    .option('--exclude <names...>', 'node names or op types to leave in float')
    .option('--include <names...>', 'quantize only these node names or op types')
    .option('--batch-size <n>', 'calibration samples per run')
    .option('--threads <n>', 'onnxruntime threads (default 1)');
  for (const [flag, description] of IMAGE_OPTIONS) command.option(flag, description);
  command.action(async (model: string, flags: ProfileFlags) => {
    console.log(formatProfile(await runProfile(model, flags)));
  });
}
