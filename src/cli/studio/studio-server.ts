// Serves the built studio (dist/studio, a static folder Vite writes) over node:http with sirv,
// on 127.0.0.1 by default. Every response carries cross-origin isolation headers, so
// onnxruntime-web may use threads, and a CSP limiting the page to its own origin. Not the
// studio itself (src/web/studio/) and not the command's flags (studio-command.ts).
import { existsSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { fail } from '../../core/errors.js';

/** A running studio server: where it listens, and how to stop it. */
export interface StudioServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Options of startStudioServer; port 0 asks the system for a free one. */
export interface StudioServerOptions {
  readonly port?: number;
  readonly host?: string;
  /** The built studio folder; dist/studio of this package by default. */
  readonly root?: string;
}

/** dist/studio of this package: three folders above this module is the package root. */
function studioRoot(): string {
  return fileURLToPath(new URL('../../../dist/studio/', import.meta.url));
}

/** Headers every response carries: isolation (threads in wasm) and a same-origin-only policy. */
export const STUDIO_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self' data: blob:; " +
    "frame-src 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
};

function withHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(STUDIO_HEADERS)) response.setHeader(name, value);
}

/** Starts serving the built studio; fails with `io` when it is not built or the port is taken. */
export async function startStudioServer(options: StudioServerOptions = {}): Promise<StudioServer> {
  const root = options.root ?? studioRoot();
  if (!existsSync(`${root}/index.html`)) {
    fail('io', `the studio is not built: no index.html in ${root} (run npm run build)`, {
      file: root,
    });
  }
  const host = options.host ?? '127.0.0.1';
  const serve = sirv(root, { etag: true });
  const server: Server = createServer((request, response) => {
    withHeaders(response);
    serve(request, response, () => {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`not found: ${request.url ?? '/'}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${options.port ?? 0} on ${host} is in use; pick another with --port`)
          : error,
      ),
    );
    server.listen(options.port ?? 0, host, resolve);
  }).catch((error: Error) => fail('io', `cannot start the studio server: ${error.message}`));
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
