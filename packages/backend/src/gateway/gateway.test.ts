/*
 * The nginx recipe in examples/nginx, run by Debian's nginx in front of a
 * small upstream, against the api-access backend on both databases. A fake
 * clock (the plugin's clock service) lets the test reach a grant's expiry.
 * The browser test e2e/gateway.spec.ts walks the same path through the UI.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  apiAccessClockServiceRef,
  createTestDatabases,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../__testUtils__/apiAccessBackendSource';

// Plain JS shared with the browser tests; loaded by path, not as a package.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const gatewayModule = require(path.resolve(
  __dirname,
  '../../../../examples/nginx/gateway.js',
));

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const DAY = 24 * 60 * 60 * 1000;

const haveNginx: boolean = gatewayModule.nginxAvailable();
if (!haveNginx && process.env.CI) {
  throw new Error(
    'nginx is required in CI for the gateway test: scripts/setup.sh installs it',
  );
}
const describeWithNginx = haveNginx ? describe.each : describe.skip.each;

/** The protected API: says who called, and whether a key leaked through. */
function startUpstream(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify({
        method: req.method,
        path: req.url,
        consumer: req.headers['x-api-access-consumer'],
        sawKey: !!req.headers['x-api-key'],
      }),
    );
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve(server)),
  );
}

function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

describeWithNginx(databases.eachSupportedId())(
  'nginx gateway on %p',
  databaseId => {
    let server: http.Server;
    let upstream: http.Server;
    let stopBackend: () => Promise<void>;
    const gateways: Array<{ url: string; stop(): Promise<void> }> = [];
    let pets: { url: string; errorLog(): string };
    let invoices: { url: string };
    let fakeNow = Date.now();
    const clock = { now: () => new Date(fakeNow) };

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: { apiAccess: { gateway: TEST_GATEWAY } },
        extraFeatures: [
          createServiceFactory({
            service: apiAccessClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
        ],
      });
      server = backend.server;
      stopBackend = () => backend.stop();
      upstream = await startUpstream();
      const backendPort = (server.address() as AddressInfo).port;
      const upstreamPort = (upstream.address() as AddressInfo).port;
      const common = {
        upstream: `127.0.0.1:${upstreamPort}`,
        backend: `127.0.0.1:${backendPort}`,
        // The test backend's auth accepts this as a service (gateway) token.
        token: mockCredentials.service.token(),
      };
      pets = await gatewayModule.startGateway({
        ...common,
        name: 'pets',
        listen: await freePort(),
        apiRef: 'api:default/pets',
        readScope: 'pets:read',
        writeScope: 'pets:write',
      });
      invoices = await gatewayModule.startGateway({
        ...common,
        name: 'invoices',
        listen: await freePort(),
        apiRef: 'api:default/invoices',
        readScope: 'invoices:read',
        writeScope: 'invoices:write',
      });
      gateways.push(pets as any, invoices as any);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(gateways.map(g => g.stop()));
      upstream?.close();
      await stopBackend?.();
    });

    /** A read-only key for pets, approved by its owner and fetched by the requester. */
    async function readOnlyPetsKey(durationDays = 30) {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/team-a-service',
          environment: 'sandbox',
          scopes: ['pets:read'],
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays,
        });
      expect(created.status).toBe(201);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(approved.body.status).toBe('approved');
      const grantId = approved.body.grantId;
      const issued = await request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '1' });
      expect(issued.status).toBe(201);
      return { grantId, key: issued.body.secret as string };
    }

    const call = (url: string, key?: string, method = 'GET') =>
      fetch(`${url}/pets/1`, {
        method,
        headers: key ? { 'X-Api-Key': key } : {},
      });

    it('lets a valid key through and refuses no key, another API and a missing scope', async () => {
      const { key } = await readOnlyPetsKey();

      const none = await call(pets.url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('ApiKey');
      expect(await none.json()).toEqual({
        error: 'unauthorized',
        reason: 'no API key presented',
      });

      const unknown = await call(pets.url, `${key.slice(0, -4)}AAAA`);
      expect(unknown.status).toBe(401);

      const ok = await call(pets.url, key);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({
        method: 'GET',
        path: '/pets/1',
        consumer: 'component:default/team-a-service',
        sawKey: false,
      });

      const otherApi = await call(invoices.url, key);
      expect(otherApi.status).toBe(403);
      // The reason never names the API the key does belong to.
      expect((await otherApi.json()).reason).toBe(
        'the API key is not for this API',
      );

      const write = await call(pets.url, key, 'POST');
      expect(write.status).toBe(403);
      expect((await write.json()).reason).toBe(
        'the API key lacks the scope pets:write',
      );
      expect(pets.errorLog()).not.toContain(key);
    });

    it('refuses a revoked key on the next call', async () => {
      const { grantId, key } = await readOnlyPetsKey();
      expect((await call(pets.url, key)).status).toBe(200);

      const revoked = await request(server)
        .post(`/api/api-access/grants/${grantId}/revoke`)
        .set('Authorization', as('requester'))
        .send({ reason: 'Dashboard retired' });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({
        status: 'revoked',
        revokedBy: 'user:default/requester',
        revocationReason: 'Dashboard retired',
      });
      // The answer was cached a moment ago; revocation on this replica drops it.
      const after = await call(pets.url, key);
      expect(after.status).toBe(401);
      expect((await after.json()).reason).toBe('the API key is not active');
    });

    it('refuses a key once its grant has expired', async () => {
      const { key } = await readOnlyPetsKey(1);
      expect((await call(pets.url, key)).status).toBe(200);
      const before = fakeNow;
      fakeNow += DAY + 1000;
      try {
        expect((await call(pets.url, key)).status).toBe(401);
      } finally {
        fakeNow = before;
      }
    });
  },
);
