/*
 * Shared by the browser tests that go through a real gateway: Debian's nginx
 * from examples/nginx in front of a small upstream, against the demo backend.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from '@playwright/test';

// Plain JS shared with the backend's jest tests; loaded by path.
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const gatewayModule = require(path.resolve(
  __dirname,
  '../examples/nginx/gateway.js',
));

/** The demo's static gateway token (app-config.yaml, backend.auth.externalAccess). */
export const GATEWAY_TOKEN = 'demo-gateway-token-for-localhost-only';

function listen(server: http.Server): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port),
    ),
  );
}

export async function freePort() {
  const server = http.createServer();
  const port = await listen(server);
  await new Promise(r => server.close(r));
  return port;
}

/** Skips the test where nginx is missing, except in CI, where that is a failure. */
export function requireNginx() {
  test.skip(
    !gatewayModule.nginxAvailable() && !process.env.CI,
    'nginx is not installed (scripts/setup.sh installs it)',
  );
}

/** The protected API: a fixed pet list, and who the gateway says is calling. */
export async function startUpstream() {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify({
        pets: ['Rex'],
        consumer: req.headers['x-api-access-consumer'],
      }),
    );
  });
  const port = await listen(server);
  return { address: `127.0.0.1:${port}`, close: () => server.close() };
}
