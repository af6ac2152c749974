/*
 * What the purger sends, on both databases, to a gateway that answers like
 * the nginx recipe's purge server (200 purged, 404 not cached), one that
 * fails once, and one that is down. The recipe itself is exercised against
 * real nginx in packages/backend/src/gateway/gatewayCache.test.ts.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';
import { CredentialStore } from './CredentialStore';
import { GatewayPurger } from './GatewayPurger';
import { hashSecret } from './CredentialService';

const databases = createTestDatabases();

/** A purge server: records each PURGE path; `fail` answers 500 that many times first. */
async function purgeServer(fail = 0) {
  const seen: string[] = [];
  let failures = fail;
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${decodeURIComponent(req.url ?? '')}`);
    if (failures > 0) {
      failures -= 1;
      res.writeHead(500).end();
      return;
    }
    res.writeHead(seen.length % 2 ? 200 : 404).end();
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/_api_access_purge/`,
    seen,
    close: () => new Promise(r => server.close(r)),
  };
}

describe.each(databases.eachSupportedId())('GatewayPurger on %p', id => {
  let knex: any;
  let grantId: string;

  beforeAll(async () => {
    knex = await databases.init(id);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@api-access/backstage-plugin-api-access-backend',
        'migrations',
      ),
      tableName: 'api_access_knex_migrations',
    });
    grantId = await insertApprovedGrant(knex, {
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    // A rotated key and its successor: both may be cached at a gateway.
    for (const [n, status] of [
      [1, 'superseded'],
      [2, 'active'],
    ] as const) {
      await knex('api_access_credentials').insert({
        id: `00000000-0000-4000-8000-00000000000${n}`,
        grant_id: grantId,
        credential_type: 'api-key',
        prefix: `aak_key${n}`,
        secret_hash: hashSecret(`key-${n}`),
        status,
        terms_version: '1',
        issued_to: 'user:default/requester',
        created_at: new Date(),
      });
    }
  });

  it('purges every key of the grant, for each of its scopes and the empty one, at every gateway', async () => {
    const one = await purgeServer();
    const two = await purgeServer();
    const logger = mockServices.logger.mock();
    const purger = new GatewayPurger({
      endpoints: [one.url, two.url],
      credentials: new CredentialStore(knex),
      logger,
    });
    await purger.purgeGrant(grantId);
    const expected = [hashSecret('key-1'), hashSecret('key-2')]
      .flatMap(hash => [`${hash} `, `${hash} pets:read`])
      .map(key => `PURGE /_api_access_purge/${key}`)
      .sort();
    expect([...one.seen].sort()).toEqual(expected);
    expect([...two.seen].sort()).toEqual(expected);
    expect(logger.warn).not.toHaveBeenCalled();
    await Promise.all([one.close(), two.close()]);
  });

  it('tries a failing gateway again, and names one that stays down without throwing', async () => {
    const flaky = await purgeServer(1);
    const logger = mockServices.logger.mock();
    const down = 'http://127.0.0.1:9/_api_access_purge';
    const purger = new GatewayPurger({
      endpoints: [flaky.url, down],
      credentials: new CredentialStore(knex),
      logger,
      timeoutMs: 200,
    });
    await expect(purger.purgeGrant(grantId)).resolves.toBeUndefined();
    // Four keys, the first try had one 500: all four sent again.
    expect(flaky.seen).toHaveLength(8);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toContain(down);
    await flaky.close();
  });

  it('sends nothing when no gateway is listed', async () => {
    const send = jest.fn();
    const purger = new GatewayPurger({
      endpoints: [],
      credentials: new CredentialStore(knex),
      logger: mockServices.logger.mock(),
      fetch: send,
    });
    expect(purger.enabled).toBe(false);
    await purger.purgeGrant(grantId);
    expect(send).not.toHaveBeenCalled();
  });
});
