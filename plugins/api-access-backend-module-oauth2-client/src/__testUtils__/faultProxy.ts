/*
 * An in-process HTTP proxy in front of the development identity provider that
 * can break one route at a time: the provider is down, slow, answers an error
 * status, or answers JSON that does not parse. The module's config points at
 * the proxy (issuer/discovery, registration endpoint, JWKS), so a test can
 * fail exactly the call it means to.
 *
 * Routes: '/reg' (RFC 7591 registration), '/reg/:id' (RFC 7592 management),
 * '/jwks', '/token' and '/.well-known/*' (discovery). Every other path always
 * passes through.
 *
 * URLs of the provider in JSON answers (registration_client_uri, discovery's
 * endpoints) are rewritten to the proxy, so later calls come back through it;
 * `issuer` is left alone because the tokens carry the provider's issuer.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** @public */
export type FaultRoute =
  | '/reg'
  | '/reg/:id'
  | '/jwks'
  | '/token'
  | '/.well-known/*';

/** @public */
export type FaultMode =
  | { kind: 'pass' }
  /** The connection is destroyed without an answer. */
  | { kind: 'down' }
  /** Waits `ms`, then passes through (a client with a shorter timeout gives up). */
  | { kind: 'slow'; ms: number }
  /** Answers `code` with `body` (JSON if an object) and an optional Retry-After. */
  | {
      kind: 'status';
      code: number;
      body?: string | Record<string, unknown>;
      retryAfter?: number | string;
    }
  /** Answers 200 (201 for POST /reg) with content-type JSON and a body that does not parse. */
  | { kind: 'malformed-json' };

/** Shorthands: `fault.status(503, undefined, 30)`. @public */
export const fault = {
  pass: (): FaultMode => ({ kind: 'pass' }),
  down: (): FaultMode => ({ kind: 'down' }),
  slow: (ms: number): FaultMode => ({ kind: 'slow', ms }),
  status: (
    code: number,
    body?: string | Record<string, unknown>,
    retryAfter?: number | string,
  ): FaultMode => ({ kind: 'status', code, body, retryAfter }),
  malformedJson: (): FaultMode => ({ kind: 'malformed-json' }),
};

/** @public */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /**
   * Sets a route's mode. With `times`, the mode applies to that many requests
   * and the route then passes again.
   */
  set(route: FaultRoute, mode: FaultMode, options?: { times?: number }): void;
  /** Every route back to pass, and the counts to zero. */
  reset(): void;
  /** Requests seen per route since the start or the last reset (faulted ones too). */
  hits(route: FaultRoute): number;
  stop(): Promise<void>;
}

const ROUTES: Array<[FaultRoute, (path: string) => boolean]> = [
  ['/reg', p => p === '/reg'],
  ['/reg/:id', p => /^\/reg\/[^/]+$/.test(p)],
  ['/jwks', p => p === '/jwks'],
  ['/token', p => p === '/token'],
  ['/.well-known/*', p => p.startsWith('/.well-known/')],
];

function routeOf(path: string): FaultRoute | undefined {
  return ROUTES.find(([, matches]) => matches(path))?.[0];
}

/** Rewrites the target's origin to the proxy's in every string but `issuer`. */
function rewrite(
  value: unknown,
  from: string,
  to: string,
  key?: string,
): unknown {
  if (typeof value === 'string') {
    return key !== 'issuer' && value.startsWith(from)
      ? to + value.slice(from.length)
      : value;
  }
  if (Array.isArray(value)) return value.map(v => rewrite(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, rewrite(v, from, to, k)]),
    );
  }
  return value;
}

/** Starts the proxy in front of `target` (the provider's issuer URL). @public */
export async function startFaultProxy(options: {
  target: string;
  /** Rewrite the target's URLs in JSON answers to the proxy (default true). */
  rewriteUrls?: boolean;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  const targetOrigin = target.origin;
  const rewriteUrls = options.rewriteUrls ?? true;
  const modes = new Map<FaultRoute, { mode: FaultMode; left?: number }>();
  const counts = new Map<FaultRoute, number>();
  const timers = new Set<NodeJS.Timeout>();
  let proxyOrigin = '';

  function forward(req: http.IncomingMessage, res: http.ServerResponse) {
    const headers = { ...req.headers, host: target.host };
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      answer => {
        const type = String(answer.headers['content-type'] ?? '');
        if (!rewriteUrls || !type.includes('json')) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks);
          try {
            const parsed = JSON.parse(body.toString('utf8'));
            body = Buffer.from(
              JSON.stringify(rewrite(parsed, targetOrigin, proxyOrigin)),
              'utf8',
            );
          } catch {
            // not JSON after all: as it came
          }
          const outHeaders = { ...answer.headers };
          delete outHeaders['content-length'];
          delete outHeaders['transfer-encoding'];
          delete outHeaders.etag;
          res.writeHead(answer.statusCode ?? 502, {
            ...outHeaders,
            'content-length': String(body.length),
          });
          res.end(body);
        });
      },
    );
    upstream.on('error', () => {
      // The provider itself is gone: look like it to the client.
      req.socket.destroy();
    });
    req.pipe(upstream);
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routeOf(path);
    let mode: FaultMode = { kind: 'pass' };
    if (route) {
      counts.set(route, (counts.get(route) ?? 0) + 1);
      const entry = modes.get(route);
      if (entry) {
        mode = entry.mode;
        if (entry.left !== undefined) {
          entry.left -= 1;
          if (entry.left <= 0) modes.delete(route);
        }
      }
    }

    switch (mode.kind) {
      case 'down':
        req.socket.destroy();
        return;
      case 'status': {
        const headers: http.OutgoingHttpHeaders = {};
        if (mode.retryAfter !== undefined) {
          headers['retry-after'] = String(mode.retryAfter);
        }
        let body = '';
        if (typeof mode.body === 'string') {
          body = mode.body;
          headers['content-type'] = 'text/plain';
        } else if (mode.body) {
          body = JSON.stringify(mode.body);
          headers['content-type'] = 'application/json';
        }
        req.resume();
        res.writeHead(mode.code, headers).end(body);
        return;
      }
      case 'malformed-json':
        req.resume();
        res
          .writeHead(req.method === 'POST' && route === '/reg' ? 201 : 200, {
            'content-type': 'application/json',
          })
          .end('not json{');
        return;
      case 'slow': {
        // The body waits in the paused request until forward() pipes it.
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (req.socket.destroyed) return;
          forward(req, res);
        }, mode.ms);
        timers.add(timer);
        return;
      }
      default:
        forward(req, res);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  proxyOrigin = `http://127.0.0.1:${port}`;

  return {
    url: proxyOrigin,
    port,
    set(route, mode, setOptions) {
      if (mode.kind === 'pass') {
        modes.delete(route);
        return;
      }
      modes.set(route, { mode, left: setOptions?.times });
    },
    reset() {
      modes.clear();
      counts.clear();
    },
    hits(route) {
      return counts.get(route) ?? 0;
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
