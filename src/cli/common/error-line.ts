// The one line a failed command prints on stderr: `zeropoint: <message> [<code>]`. Messages
// quote names from the model and onnxruntime's own text, either of which may hold line breaks;
// the user, and a script reading stderr, gets one line whatever they hold.
// Not the errors themselves (core/errors.ts) and not printing (main.ts does that).
import type { ZeropointError } from '../../core/errors.js';

/** `zeropoint: <message> [<code>]` with every line break in the message folded to a space. */
export function errorLine(error: ZeropointError): string {
  const message = error.message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return `zeropoint: ${message} [${error.code}]`;
}
