/*
 * Decisions cached at the gateway, and revocation on every replica.
 *
 * The nginx recipe (examples/nginx) caches /authorize answers for as long as
 * api-access says (apiAccess.gateway.decisionCacheSeconds), keyed by the
 * SHA-256 of the key and the scope. On PostgreSQL two api-access replicas
 * share one database, each behind its own nginx; on SQLite there is one.
 * Two ways to keep revocation quick, each run here:
 *
 *   - expiry: a 1 s cache time; a revoked key must be refused at every
 *     gateway within it;
 *   - purge: a 30 s cache time, with every gateway's purge endpoint in
 *     apiAccess.gateway.purgeEndpoints; a revoked key must be refused at
 *     every gateway at once, long before its entry would expire.
 *
 * Either way the other replica itself must stop answering 200 at once
 * (LISTEN/NOTIFY), not after its own 5 s introspection cache.
 *
 * Bearer tokens (a test bearer-token type installed as a module would be)
 * cannot be purged by name: api-access never saw most of them before they
 * arrive. Their answers are kept only tokenDecisionCacheSeconds (1 s), in
 * both modes, so a revoked grant's token is refused at every gateway within
 * about a second even where keys are cached for 30 s.
 *
 * The gateway contract (gateway.test.ts) runs with caching off, so that
 * "revoked on the very next call" holds exactly there.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import {
  createTestDatabases,
  createTestTokenType,
  startApiAccessBackend,
  TEST_GATEWAY,
  TEST_TOKEN_TYPE_ID,
  testTokenTypeModule,
} from '../__testUtils__/apiAccessBackendSource';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const nginxRecipe = require(path.resolve(
  __dirname,
  '../../../../examples/nginx/gateway.js',
));

const available: boolean = nginxRecipe.nginxAvailable();
if (!available && process.env.CI) {
  throw new Error(
    'The gateway cache test needs nginx and libnginx-mod-http-set-misc in CI: scripts/setup.sh installs them',
  );
}
const describeNginx = available ? describe : describe.skip;

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

/** Every file under a directory, read whole. */
function readTree(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    text += statSync(file).isDirectory()
      ? readTree(file)
      : readFileSync(file, 'latin1');
  }
  return text;
}

interface Replica {
  server: http.Server;
  gateway: { url: string; dir: string; stop(): Promise<void> };
  stop(): Promise<void>;
}

interface Mode {
  name: string;
  cacheSeconds: number;
  purge: boolean;
  /** How long after the revoke call every gateway must refuse the key. */
  boundMs: number;
}

const MODES: Mode[] = [
  // Within the cache time: api-access tells nginx the last whole second it
  // may serve the answer in (X-Accel-Expires), so nginx's second-granular
  // clock adds nothing. The margin is the polling and one call's latency on
  // a loaded CI machine (bench:gateway measures the real figures).
  { name: 'expiry after 1 s', cacheSeconds: 1, purge: false, boundMs: 1300 },
  // At once: the revoking replica purges both gateways before it answers,
  // so the key is refused long before its 30 s entry could expire (without
  // the purge this fails).
  { name: 'purge, 30 s cache', cacheSeconds: 30, purge: true, boundMs: 800 },
];

describeNginx.each(
  databases
    .eachSupportedId()
    .flatMap(([id]) => MODES.map(mode => [id, mode.name, mode] as const)),
)('gateway decision cache on %p, %s', (databaseId, _name, mode) => {
  const replicas: Replica[] = [];
  const extraKnex: Knex[] = [];
  let upstream: http.Server;
  // One type for every replica: the same identity provider's keys.
  const tokenType = createTestTokenType();
  /** The Authorization headers the upstream saw. */
  const upstreamSawAuthorization: string[] = [];

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    upstream = http.createServer((req, res) => {
      if (req.headers.authorization) {
        upstreamSawAuthorization.push(req.headers.authorization);
      }
      res.end('{"ok":true}');
    });
    await new Promise<void>(r => upstream.listen(0, '127.0.0.1', r));
    // A second replica gets its own connection pool to the same database,
    // as a second process would.
    const pools = [knex];
    if (databaseId.startsWith('POSTGRES')) {
      const second = knexFactory({
        client: 'pg',
        connection: knex.client.config.connection,
        pool: { min: 0, max: 5 },
      });
      extraKnex.push(second);
      pools.push(second);
    }
    // Every replica purges every gateway: the ports are chosen first.
    const purgePorts = await Promise.all(pools.map(() => freePort()));
    for (const pool of pools) {
      const backend = await startApiAccessBackend({
        knex: pool,
        config: {
          apiAccess: {
            gateway: {
              ...TEST_GATEWAY,
              decisionCacheSeconds: mode.cacheSeconds,
              negativeDecisionCacheSeconds: 1,
              purgeEndpoints: mode.purge
                ? purgePorts.map(
                    port => `http://127.0.0.1:${port}/_api_access_purge`,
                  )
                : [],
            },
          },
        },
        extraFeatures: [testTokenTypeModule(tokenType)],
      });
      const gateway = await nginxRecipe.startGateway({
        purgeListen: purgePorts[replicas.length],
        name: 'pets',
        listen: await freePort(),
        upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        backend: `127.0.0.1:${(backend.server.address() as AddressInfo).port}`,
        token: mockCredentials.service.token(),
        apiRef: 'api:default/pets',
        readScope: 'pets:read',
        writeScope: 'pets:write',
      });
      replicas.push({
        server: backend.server,
        gateway,
        stop: () => backend.stop(),
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const replica of replicas) {
      await replica.gateway.stop();
      await replica.stop();
    }
    await Promise.all(extraKnex.map(k => k.destroy()));
    upstream?.close();
  });

  async function issue() {
    const [{ server }] = replicas;
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
        durationDays: 30,
      });
    expect(created.status).toBe(201);
    const approved = await request(server)
      .post(`/api/api-access/requests/${created.body.id}/decisions`)
      .set('Authorization', as('owner.one'))
      .send({ decision: 'approve' });
    expect(approved.body.status).toBe('approved');
    const issued = await request(server)
      .post(`/api/api-access/grants/${approved.body.grantId}/credentials`)
      .set('Authorization', as('requester'))
      .send({ acceptTerms: '1' });
    expect(issued.status).toBe(201);
    return {
      grantId: approved.body.grantId as string,
      key: issued.body.secret as string,
    };
  }

  const call = (replica: Replica, key: string, method = 'GET') =>
    fetch(`${replica.gateway.url}/pets/1`, {
      method,
      headers: { 'X-Api-Key': key },
    });

  it('answers a repeated call from the cache, apart per key and per scope', async () => {
    const [replica] = replicas;
    const one = await issue();
    const two = await issue();

    const first = await call(replica, one.key);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-api-access-cache')).toBe('MISS');
    const again = await call(replica, one.key);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-api-access-cache')).toBe('HIT');

    // Another key is another entry.
    const other = await call(replica, two.key);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-api-access-cache')).toBe('MISS');

    // A write needs pets:write: the cached read answer must not let it through.
    expect((await call(replica, one.key, 'POST')).status).toBe(403);
    expect((await call(replica, one.key, 'DELETE')).status).toBe(403);

    // An unknown key is refused, and the refusal is cached briefly too.
    const unknown = `${one.key.slice(0, -4)}AAAA`;
    expect((await call(replica, unknown)).status).toBe(401);
    expect((await call(replica, unknown)).status).toBe(401);
  });

  it('writes no key to its cache, only its SHA-256', async () => {
    const [replica] = replicas;
    const { key } = await issue();
    expect((await call(replica, key)).status).toBe(200);
    const cached = readTree(path.join(replica.gateway.dir, 'decisions'));
    expect(cached).toContain(
      `KEY: ${createHash('sha256').update(key).digest('hex')} pets:read`,
    );
    expect(cached).not.toContain(key);
    // Nor the secret part alone.
    expect(cached).not.toContain(key.split('_').pop());
  });

  it('refuses a revoked key at every replica within the cache time', async () => {
    const { grantId, key } = await issue();
    for (const replica of replicas) {
      expect((await call(replica, key)).status).toBe(200);
      const cached = await call(replica, key);
      expect(cached.status).toBe(200);
      expect(cached.headers.get('x-api-access-cache')).toBe('HIT');
    }
    // The other replica has the key in its own introspection cache too.
    const gatewayToken = `Bearer ${mockCredentials.service.token()}`;
    for (const replica of replicas) {
      const asked = Date.now();
      const direct = await request(replica.server)
        .get('/api/api-access/authorize')
        .set('Authorization', gatewayToken)
        .set('X-Api-Access-Api', 'api:default/pets')
        .set('X-Api-Access-Key', key);
      expect(direct.status).toBe(200);
      const maxAge = Number(
        /^max-age=(\d+)$/.exec(direct.headers['cache-control'])![1],
      );
      // A long time loses up to a third at random, to spread expiries.
      expect(maxAge).toBeLessThanOrEqual(mode.cacheSeconds);
      expect(maxAge).toBeGreaterThanOrEqual(
        Math.floor((mode.cacheSeconds * 2) / 3),
      );
      // Through the end of the second before (now + the cache time).
      const through = Number(direct.headers['x-accel-expires'].slice(1));
      const latest = Math.floor((asked + maxAge * 1000) / 1000) - 1;
      expect([latest, latest + 1]).toContain(through);
      expect((through + 1) * 1000).toBeLessThanOrEqual(
        Date.now() + maxAge * 1000,
      );
    }

    const revokedAt = Date.now();
    const revoked = await request(replicas[0].server)
      .post(`/api/api-access/grants/${grantId}/revoke`)
      .set('Authorization', as('requester'))
      .send({ reason: 'Key leaked in a build log' });
    expect(revoked.status).toBe(200);

    // Every replica refuses it at once (the other one told by NOTIFY,
    // well before its 5 s introspection cache would have run out).
    for (const replica of replicas) {
      const deadline = Date.now() + 500;
      let status = 200;
      while (status === 200 && Date.now() < deadline) {
        status = (
          await request(replica.server)
            .get('/api/api-access/authorize')
            .set('Authorization', gatewayToken)
            .set('X-Api-Access-Api', 'api:default/pets')
            .set('X-Api-Access-Key', key)
        ).status;
      }
      expect(status).toBe(401);
    }

    // And every gateway within the mode's bound.
    const bound = mode.boundMs;
    const refusedAfter = await Promise.all(
      replicas.map(async replica => {
        for (;;) {
          const answer = await call(replica, key);
          const elapsed = Date.now() - revokedAt;
          if (answer.status === 401) return elapsed;
          expect(answer.status).toBe(200);
          if (elapsed > bound) return elapsed;
          await new Promise(r => setTimeout(r, 25));
        }
      }),
    );
    for (const elapsed of refusedAfter) {
      expect(elapsed).toBeLessThanOrEqual(bound);
    }
  });

  it('lets a bearer token through, keeps its answer at most 1 s in either mode, and refuses it within that after revocation', async () => {
    const [{ server }] = replicas;
    const created = await request(server)
      .post('/api/api-access/requests')
      .set('Authorization', as('requester'))
      .send({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/team-a-service',
        environment: 'sandbox',
        scopes: ['pets:read'],
        credentialType: TEST_TOKEN_TYPE_ID,
        useCase: 'Read pets for the dashboard.',
        justification: 'Spring release.',
        credentialStorage: 'Vault, rotated monthly',
        durationDays: 30,
      });
    expect(created.status).toBe(201);
    const approved = await request(server)
      .post(`/api/api-access/requests/${created.body.id}/decisions`)
      .set('Authorization', as('owner.one'))
      .send({ decision: 'approve' });
    const grantId = approved.body.grantId as string;
    const issued = await request(server)
      .post(`/api/api-access/grants/${grantId}/credentials`)
      .set('Authorization', as('requester'))
      .send({ acceptTerms: '1' });
    expect(issued.status).toBe(201);
    const token = tokenType.sign({ clientId: issued.body.clientId });
    const bearer = (replica: Replica, headers: Record<string, string> = {}) =>
      fetch(`${replica.gateway.url}/pets/1`, {
        headers: { Authorization: `Bearer ${token}`, ...headers },
      });

    const seenBefore = upstreamSawAuthorization.length;
    for (const replica of replicas) {
      const first = await bearer(replica);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-api-access-cache')).toBe('MISS');
    }
    // The token went to api-access, not to the API.
    expect(upstreamSawAuthorization.length).toBe(seenBefore);
    // Cached under the SHA-256 of 'bearer ' and the token, never the token.
    const cached = readTree(path.join(replicas[0].gateway.dir, 'decisions'));
    expect(cached).toContain(
      `KEY: ${createHash('sha256')
        .update(`bearer ${token}`)
        .digest('hex')} pets:read`,
    );
    expect(cached).not.toContain(token);
    expect(cached).not.toContain(token.split('.')[2]);
    // A write needs pets:write, which the token's grant lacks.
    const write = await fetch(`${replicas[0].gateway.url}/pets/1`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(write.status).toBe(403);
    expect(await write.json()).toEqual({
      error: 'forbidden',
      reason: 'the token lacks the scope pets:write',
    });
    // With a key too, it is a key call: the key decides, and the client's
    // Authorization header goes on to the API untouched, as before tokens.
    const { key } = await issue();
    const withKey = await bearer(replicas[0], { 'X-Api-Key': key });
    expect(withKey.status).toBe(200);
    expect(upstreamSawAuthorization.slice(seenBefore)).toEqual([
      `Bearer ${token}`,
    ]);
    const unknownKey = await bearer(replicas[0], { 'X-Api-Key': 'aak_x_y' });
    expect(unknownKey.status).toBe(401);
    expect(await unknownKey.json()).toEqual({
      error: 'unauthorized',
      reason: 'the API key is not active',
    });

    const revokedAt = Date.now();
    const revoked = await request(server)
      .post(`/api/api-access/grants/${grantId}/revoke`)
      .set('Authorization', as('requester'))
      .send({ reason: 'Client secret leaked in a build log' });
    expect(revoked.status).toBe(200);
    // Whatever the keys' cache time and purging: tokenDecisionCacheSeconds.
    const refusals = await Promise.all(
      replicas.map(async replica => {
        for (;;) {
          const answer = await bearer(replica);
          const elapsed = Date.now() - revokedAt;
          if (answer.status !== 200 || elapsed > 1300) {
            return {
              status: answer.status,
              challenge: answer.headers.get('www-authenticate'),
              body: await answer.json(),
              within: elapsed <= 1300,
            };
          }
          await new Promise(r => setTimeout(r, 25));
        }
      }),
    );
    for (const refusal of refusals) {
      expect(refusal).toEqual({
        status: 401,
        challenge: 'Bearer realm="api-access", error="invalid_token"',
        body: {
          error: 'unauthorized',
          reason: "the token's client has no active grant",
        },
        within: true,
      });
    }
    expect(upstreamSawAuthorization.length).toBe(seenBefore + 1);
  });
});
