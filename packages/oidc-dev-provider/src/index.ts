/*
 * Starts the development identity provider (packages/oidc-dev-provider, i.e.
 * oidc-provider) as a child process and waits until it listens.
 *
 * oidc-provider is ESM-only and brings koa; it never runs inside jest or the
 * backend's process, only as `node server.mjs`. The same function starts it
 * for the oauth2-client module's tests (re-exported from its
 * src/__testUtils__/devProvider.ts), the demo backend and the end-to-end
 * tests, so it has no jest dependency.
 *
 * The child is always stopped by its pid: by `stop()`, and when this process
 * exits without calling it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** @public */
export interface DevProviderOptions {
  /** Scopes the provider knows; a client registering another one gets 400 invalid_client_metadata. */
  scopes: string[];
  /** The static initial access token for RFC 7591 registration. */
  initialAccessToken: string;
  /** Lifetime of the access tokens it issues (default 300). */
  tokenTtlSeconds?: number;
  /** Rotate the registration access token on every RFC 7592 update. */
  rotateRat?: boolean;
  /** Enable POST /__test/rotate-signing-key. */
  testControl?: boolean;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1); also the issuer's host. */
  host?: string;
  /** How long to wait for the ready line (default 15 s). */
  startTimeoutMs?: number;
  /** Receives the provider's stderr lines (oidc-provider's notices), e.g. a logger. */
  onStderr?: (line: string) => void;
}

/** @public */
export interface DevProvider {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  port: number;
  pid: number;
  /** SIGTERM, awaited on the child's exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** The provider's entry point (`node <this> --port 0 ...`). @public */
export function devProviderServerPath(): string {
  // This package is private and never built: it always runs from src/.
  // eslint-disable-next-line no-restricted-syntax
  return join(__dirname, 'server.mjs');
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  });
}

/** Starts the development identity provider and resolves once it listens. @public */
export async function startDevProvider(
  options: DevProviderOptions,
): Promise<DevProvider> {
  const args = [
    devProviderServerPath(),
    '--port',
    String(options.port ?? 0),
    '--host',
    options.host ?? '127.0.0.1',
    '--initial-access-token',
    options.initialAccessToken,
    '--scopes',
    options.scopes.join(','),
    '--token-ttl',
    String(options.tokenTtlSeconds ?? 300),
  ];
  if (options.rotateRat) args.push('--rotate-rat');
  if (options.testControl) args.push('--test-control');
  // The child exits when this process dies without stopping it (even SIGKILL).
  args.push('--exit-with-stdin');

  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Not the parent's NODE_OPTIONS: jest's or the backend's loaders
    // (nodeTransform) have nothing to do with this plain ESM script.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  running.add(child);
  installExitHook();

  const exited = new Promise<void>(resolve => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });

  let stderr = '';
  let stderrLine = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 8000) stderr += chunk;
    if (options.onStderr) {
      stderrLine += chunk;
      const lines = stderrLine.split('\n');
      stderrLine = lines.pop() ?? '';
      for (const line of lines) if (line) options.onStderr(line);
    }
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  const timeoutMs = options.startTimeoutMs ?? 15_000;
  try {
    const ready = await new Promise<{ issuer: string; port: number }>(
      (resolve, reject) => {
        let buffer = '';
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `the development identity provider did not start within ${timeoutMs} ms; stderr: ${stderr.trim()}`,
              ),
            ),
          timeoutMs,
        );
        child.once('error', err => {
          clearTimeout(timer);
          reject(err);
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(
              `the development identity provider exited before it was ready (${
                signal ?? `code ${code}`
              }); stderr: ${stderr.trim()}`,
            ),
          );
        });
        child.stdout!.setEncoding('utf8');
        child.stdout!.on('data', (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
            // oidc-provider prints notices on stdout too; only the JSON line counts.
            if (!line.startsWith('{')) continue;
            try {
              const parsed = JSON.parse(line);
              if (parsed?.ready === true) {
                clearTimeout(timer);
                resolve({ issuer: parsed.issuer, port: parsed.port });
                return;
              }
            } catch {
              // not the ready line
            }
          }
        });
      },
    );
    // Keep draining stdout so the child never blocks on a full pipe.
    child.stdout!.resume();
    return { ...ready, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
