// `zeropoint studio [--port N] [--host H]`: serves the browser studio (built by `npm run build`
// into dist/studio) on this machine and prints its URL. Everything the studio does runs in the
// browser tab; this server only hands out static files. Not the studio's code (src/web/studio/).
import type { Command } from 'commander';
import { fail } from '../../core/errors.js';
import { startStudioServer } from './studio-server.js';

/** Flags as commander hands them over. */
interface StudioFlags {
  readonly port?: string;
  readonly host?: string;
}

function portFrom(text: string | undefined): number {
  if (text === undefined) return 5178;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail('bad-argument', `--port must be an integer in 0..65535; got "${text}"`);
  }
  return port;
}

/** Adds `zeropoint studio` to the program. */
export function registerStudio(program: Command): void {
  program
    .command('studio')
    .description('serve the browser studio locally: quantize in a tab, nothing uploaded')
    .option('--port <n>', 'port to listen on (default 5178; 0: any free port)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1, this machine only)')
    .action(async (flags: StudioFlags) => {
      const server = await startStudioServer({
        port: portFrom(flags.port),
        ...(flags.host === undefined ? {} : { host: flags.host }),
      });
      console.log(`zeropoint studio: ${server.url}  (Ctrl+C stops it)`);
      const stop = (): void => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
