/*
 * Tokens from a real identity provider through the real nginx recipe, on
 * SQLite and PostgreSQL: the development provider (oidc-provider, a child
 * process), the oauth2-client module in the api-access backend, and
 * examples/nginx in front of an upstream. A grant for the oauth2-client type
 * is approved, the module registers the client (RFC 7591), the requester
 * gets client id and secret once, fetches a token from the provider with
 * client credentials, and calls the API through nginx with `Authorization:
 * Bearer`: 200, the token never reaching the upstream. Revoking the grant
 * refuses the same token at nginx within a second (the token itself is
 * valid for minutes), and the provider then refuses new tokens for the
 * client, which the module deleted there.
 *
 * Skipped locally without nginx, failed in CI, like the other recipe tests.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import { startDevProvider } from '@api-access/oidc-dev-provider';
import oauth2ClientModule from '@api-access/backstage-plugin-api-access-backend-module-oauth2-client';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../__testUtils__/apiAccessBackendSource';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const nginxRecipe = require(path.resolve(
  __dirname,
  '../../../../examples/nginx/gateway.js',
));

const available: boolean = nginxRecipe.nginxAvailable();
if (!available && process.env.CI) {
  throw new Error(
    'The nginx token test needs nginx with njs in CI: scripts/setup.sh installs them',
  );
}
const describeNginx = available ? describe : describe.skip;

jest.setTimeout(120_000);

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const CONSUMER = 'component:default/team-a-service';
const IAT = `iat-${randomBytes(16).toString('hex')}`;

function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, intervalMs));
  }
}

describeNginx.each(databases.eachSupportedId())(
  'OAuth2 client tokens through nginx on %p',
  databaseId => {
    let provider: Awaited<ReturnType<typeof startDevProvider>>;
    let server: any;
    let stopBackend: () => Promise<void>;
    let gateway: { url: string; stop(): Promise<void>; errorLog(): string };
    let upstream: http.Server;
    /** What reached the API: each call's Authorization header, if any. */
    const upstreamSaw: Array<{ authorization?: string; consumer?: string }> =
      [];

    beforeAll(async () => {
      provider = await startDevProvider({
        scopes: ['pets:read', 'pets:write'],
        initialAccessToken: IAT,
        // Long-lived tokens: revocation must not wait for them to expire.
        tokenTtlSeconds: 600,
      });
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: {
            gateway: TEST_GATEWAY,
            oauth2Client: {
              issuer: provider.issuer,
              initialAccessToken: IAT,
              extraMetadata: {
                api_access_resource: '{audience}',
                api_access_grant: '{grantId}',
                api_access_expires_at: '{expiresAt}',
              },
              encryption: {
                keys: [
                  { id: 'k1', secret: randomBytes(32).toString('base64') },
                ],
              },
            },
          },
        },
        extraFeatures: [oauth2ClientModule],
      });
      server = backend.server;
      stopBackend = () => backend.stop();
      upstream = http.createServer((req, res) => {
        upstreamSaw.push({
          authorization: req.headers.authorization,
          consumer: req.headers['x-api-access-consumer'] as string | undefined,
        });
        res.setHeader('Content-Type', 'application/json');
        res.end('{"pets":[]}');
      });
      await new Promise<void>(r => upstream.listen(0, '127.0.0.1', r));
      gateway = await nginxRecipe.startGateway({
        name: 'pets',
        listen: await freePort(),
        upstream: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
        backend: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        token: mockCredentials.service.token(),
        apiRef: 'api:default/pets',
        readScope: 'pets:read',
        writeScope: 'pets:write',
      });
    });

    afterAll(async () => {
      await gateway?.stop();
      upstream?.close();
      await stopBackend?.();
      await provider?.stop();
    });

    async function fetchToken(issued: any) {
      const response = await fetch(String(issued.tokenEndpoint), {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(
            `${encodeURIComponent(issued.clientId)}:${encodeURIComponent(
              issued.clientSecret,
            )}`,
          ).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'pets:read',
        }),
      });
      return { status: response.status, body: (await response.json()) as any };
    }

    const callApi = (token: string, method = 'GET') =>
      fetch(`${gateway.url}/pets`, {
        method,
        headers: { Authorization: `Bearer ${token}` },
      });

    it('a token from the provider passes nginx, and is refused within a second of the revocation', async () => {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: CONSUMER,
          environment: 'sandbox',
          scopes: ['pets:read'],
          credentialType: 'oauth2-client',
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
      const grantId = approved.body.grantId as string;

      // 409 until the module has registered the client at the provider.
      const issued = await until('the client registered', async () => {
        const answer = await request(server)
          .post(`/api/api-access/grants/${grantId}/credentials`)
          .set('Authorization', as('requester'))
          .send({ acceptTerms: '1' });
        if (answer.status === 409) return undefined;
        expect(answer.status).toBe(201);
        return answer.body;
      });
      expect(issued).toMatchObject({
        credentialType: 'oauth2-client',
        clientId: expect.any(String),
        clientSecret: expect.any(String),
      });

      const token = await fetchToken(issued);
      expect(token.status).toBe(200);
      const accessToken = token.body.access_token as string;
      expect(accessToken.split('.')).toHaveLength(3);

      const allowed = await callApi(accessToken);
      expect(allowed.status).toBe(200);
      expect(upstreamSaw).toEqual([{ consumer: CONSUMER }]);
      // The token was issued for pets:read only.
      const write = await callApi(accessToken, 'POST');
      expect(write.status).toBe(403);
      expect(await write.json()).toEqual({
        error: 'forbidden',
        reason: 'the token lacks the scope pets:write',
      });

      const revokedAt = Date.now();
      const revoked = await request(server)
        .post(`/api/api-access/grants/${grantId}/revoke`)
        .set('Authorization', as('requester'))
        .send({ reason: 'Client secret leaked' });
      expect(revoked.status).toBe(200);
      // Poll the same token every 50 ms until nginx refuses it.
      const refusal = await until(
        'nginx refusing the token',
        async () => {
          const answer = await callApi(accessToken);
          if (answer.status === 200) return undefined;
          return {
            status: answer.status,
            afterMs: Date.now() - revokedAt,
            challenge: answer.headers.get('www-authenticate'),
            body: await answer.json(),
          };
        },
        5_000,
        50,
      );
      expect(refusal).toEqual({
        status: 401,
        afterMs: expect.any(Number),
        challenge: 'Bearer realm="api-access", error="invalid_token"',
        body: {
          error: 'unauthorized',
          reason: "the token's client has no active grant",
        },
      });
      // tokenDecisionCacheSeconds (1 s) plus one poll and a busy machine.
      expect(refusal.afterMs).toBeLessThanOrEqual(1300);
      // The token itself is still valid for minutes at the provider's
      // clock: only asking api-access refuses it.
      const [, payload] = accessToken.split('.');
      const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString());
      expect(exp * 1000).toBeGreaterThan(Date.now() + 60_000);

      // And the module deleted the client: no new tokens for it.
      await until('the provider refusing the client', async () =>
        (await fetchToken(issued)).status === 401 ? true : undefined,
      );
      expect(gateway.errorLog()).not.toContain(accessToken);
    });
  },
);
