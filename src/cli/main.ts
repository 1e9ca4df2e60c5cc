#!/usr/bin/env node
// The `zeropoint` command line: parses arguments, reads and writes files, prints results.
// Each command lives in its own folder (quantize/, profile/, bench/, qparams/, studio/) and
// registers itself; this file only builds the program and prints a failure as one coded line.
import { Command } from 'commander';
import { ZeropointError } from '../core/errors.js';
import { registerBench } from './bench/bench-command.js';
import { errorLine } from './common/error-line.js';
import { packageVersion } from './common/version.js';
import { registerProfile } from './profile/profile-command.js';
import { registerQParams } from './qparams/qparams-command.js';
import { registerQuantize } from './quantize/quantize-command.js';
import { registerStudio } from './studio/studio-command.js';

const program = new Command()
  .name('zeropoint')
  .description('Quantize neural networks: symmetric and asymmetric integer quantization.')
  .version(packageVersion(), '-V, --version', 'print the version of zeropoint')
  .showHelpAfterError();

registerQParams(program);
registerQuantize(program);
registerBench(program);
registerProfile(program);
registerStudio(program);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ZeropointError) {
    console.error(errorLine(error));
    process.exitCode = 1;
  } else {
    throw error;
  }
}
