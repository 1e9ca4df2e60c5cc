import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerQuantize } from './quantize-command.js';
import { QUANTIZE_OPTION_GROUPS } from './options.js';

function quantizeHelp(): string {
  const program = new Command().name('zeropoint');
  registerQuantize(program);
  const command = program.commands.find((c) => c.name() === 'quantize');
  if (command === undefined) throw new Error('quantize is not registered');
  return command.helpInformation();
}

/** The long flag of a `[flags, description]` pair, e.g. `--calib` of `--calib <path>`. */
function longFlag(flags: string): string {
  return /--[a-z0-9-]+/.exec(flags)![0];
}

describe('quantize --help', () => {
  const help = quantizeHelp();

  it('prints the sections in order, each holding its own flags', () => {
    let from = 0;
    for (const [heading, options] of QUANTIZE_OPTION_GROUPS) {
      const at = help.indexOf(`\n${heading}\n`, from);
      expect(at, heading).toBeGreaterThan(from - 1);
      const next = help.indexOf('\n\n', at + heading.length + 2);
      const section = help.slice(at, next === -1 ? undefined : next);
      for (const [flags] of options) expect(section, heading).toContain(longFlag(flags));
      from = at + heading.length;
    }
  });

  it('lists every flag once and no flag outside a section', () => {
    const listed = QUANTIZE_OPTION_GROUPS.flatMap(([, options]) => options.map(([f]) => f));
    expect(new Set(listed.map(longFlag)).size).toBe(listed.length);
    expect(help).not.toMatch(/\nOptions:\n/);
  });
});
