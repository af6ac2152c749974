/*
 * The module inside the real api-access backend (and the real catalog), on
 * SQLite and PostgreSQL, against the real development identity provider
 * behind the fault proxy: a request for the oauth2-client type is approved,
 * the provisioning queue registers the client, the holder gets client id and
 * secret once, fetches a token from the provider, the gateway's /authorize
 * lets it through, a rotation registers a second client, and revoking the
 * grant refuses the token at once and deletes the clients at the provider.
 * A provider fault leaves the grant's provisioning failed with the reason
 * and no credential, until an owner retries once the fault has cleared.
 * Afterwards no secret is in any table, log line, auditor event or the
 * audit export.
 */
import {
  AuditorService,
  coreServices,
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
// Tests only (a devDependency): the module is tested inside the backend it extends.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import apiAccessPlugin from '@api-access/backstage-plugin-api-access-backend';
import { Knex } from 'knex';
import request from 'supertest';
import moduleFromIndex from './index';
import {
  IAT,
  createTestDatabases,
  dumpApiAccessTables,
  encodingsOf,
  moduleConfigData,
  recordingLogger,
  secretCollectingFetch,
  startIdentityProvider,
} from './__testUtils__/moduleHarness';
import { fault } from './__testUtils__/faultProxy';

jest.setTimeout(120_000);

const databases = createTestDatabases();
const CATALOG = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend-module-oauth2-client',
  'src/__fixtures__/catalog.yaml',
);
const REQUESTER = 'user:default/requester';
const OWNER = 'user:default/owner.one';
const CONSUMER = 'component:default/team-a-service';
const OWNERSHIP: Record<string, string[]> = {
  [REQUESTER]: [REQUESTER, 'group:default/team-a'],
  [OWNER]: [OWNER, 'group:default/team-c'],
};
const GATEWAY_SUBJECT = 'external:test-service';
const as = (ref: string) => mockCredentials.user.header(ref);
const gateway = `Bearer ${mockCredentials.service.token({
  onBehalfOf: mockCredentials.service(GATEWAY_SUBJECT),
  targetPluginId: 'api-access',
})}`;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 150));
  }
}

describe.each(databases.eachSupportedId())(
  'the oauth2-client module in the api-access backend on %p',
  databaseId => {
    let idp: Awaited<ReturnType<typeof startIdentityProvider>>;
    let knex: Knex;
    let server: any;
    let stopBackend: () => Promise<void>;
    const logger = recordingLogger();
    const audited: string[] = [];
    const collector = secretCollectingFetch();
    const nativeFetch = globalThis.fetch;

    beforeAll(async () => {
      idp = await startIdentityProvider();
      knex = await databases.init(databaseId);
      // The module calls the provider with the global fetch: collect what it answers.
      globalThis.fetch = collector.fetch;
      const backend = await startTestBackend({
        features: [
          apiAccessPlugin,
          catalogPlugin,
          moduleFromIndex,
          mockServices.database.factory({ knex }),
          createServiceFactory({
            service: coreServices.rootLogger,
            deps: {},
            factory: () => logger as any,
          }),
          createServiceFactory({
            service: coreServices.auditor,
            deps: {},
            factory: (): AuditorService => ({
              async createEvent(options) {
                audited.push(JSON.stringify(options.meta ?? {}));
                return {
                  async success(o) {
                    audited.push(JSON.stringify(o ?? {}));
                  },
                  async fail(o) {
                    audited.push(
                      JSON.stringify({ ...o, error: String(o.error) }),
                    );
                  },
                };
              },
            }),
          }),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                rules: [{ allow: ['Component', 'API', 'Group', 'User'] }],
                locations: [{ type: 'file', target: CATALOG }],
              },
              apiAccess: {
                gateway: { allowedSubjects: [GATEWAY_SUBJECT] },
                provisioning: { maxAttempts: 1 },
                oauth2Client: moduleConfigData(idp.provider, idp.proxy),
              },
            },
          }),
          mockServices.userInfo.mock({
            async getUserInfo(credentials: any) {
              const userEntityRef = credentials.principal
                .userEntityRef as string;
              return {
                userEntityRef,
                ownershipEntityRefs: OWNERSHIP[userEntityRef] ?? [
                  userEntityRef,
                ],
              };
            },
          }).factory,
        ],
      });
      server = backend.server;
      stopBackend = () => backend.stop();
      await until('the catalog', async () => {
        const response = await request(server)
          .post('/api/catalog/entities/by-refs')
          .set('Authorization', mockCredentials.service.header())
          .send({ entityRefs: ['api:default/pets', CONSUMER] });
        const items: any[] = response.body?.items ?? [];
        return items.length === 2 &&
          items.every(item => (item?.relations ?? []).length > 0)
          ? true
          : undefined;
      });
    });

    afterAll(async () => {
      globalThis.fetch = nativeFetch;
      await stopBackend?.();
      await idp?.stop();
    });

    afterEach(() => idp.proxy.reset());

    async function approvedGrant(scopes = ['pets:read']) {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as(REQUESTER))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: CONSUMER,
          environment: 'sandbox',
          scopes,
          credentialType: 'oauth2-client',
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays: 30,
        });
      expect(created.status).toBe(201);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as(OWNER))
        .send({ decision: 'approve' });
      expect(approved.body.status).toBe('approved');
      return approved.body.grantId as string;
    }

    async function grant(grantId: string) {
      const listed = await request(server)
        .get(`/api/api-access/grants?consumerRef=${CONSUMER}`)
        .set('Authorization', as(REQUESTER));
      expect(listed.status).toBe(200);
      const items: any[] = listed.body.items ?? listed.body;
      return items.find(g => g.id === grantId);
    }

    async function provisioned(grantId: string, state: string) {
      return until(`provisioning ${state}`, async () => {
        const g = await grant(grantId);
        const task = (g?.provisioning?.tasks ?? []).find(
          (t: any) =>
            t.provisionerId === 'oauth2-client' && t.action === 'provision',
        );
        return task?.status === state ? task : undefined;
      });
    }

    function issue(grantId: string) {
      return request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as(REQUESTER))
        .send({ acceptTerms: '1' });
    }

    async function token(issued: any) {
      const response = await nativeFetch(String(issued.tokenEndpoint), {
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

    function authorize(accessToken: string) {
      return request(server)
        .get('/api/api-access/authorize')
        .set('Authorization', gateway)
        .set('X-Api-Access-Api', 'api:default/pets')
        .set('X-Api-Access-Scope', 'pets:read')
        .set('X-Api-Access-Environment', 'sandbox')
        .set('X-Api-Access-Token', accessToken);
    }

    it('approve → client registered → secret once → token → /authorize → rotate → revoke deletes the clients', async () => {
      const grantId = await approvedGrant();
      await provisioned(grantId, 'succeeded');

      const issued = await issue(grantId);
      expect(issued.status).toBe(201);
      expect(issued.body).toMatchObject({
        grantId,
        credentialType: 'oauth2-client',
        clientId: expect.any(String),
        clientSecret: expect.any(String),
        tokenEndpoint: `${idp.proxy.url}/token`,
        scopes: ['pets:read'],
        issuer: idp.provider.issuer,
      });

      const first = await token(issued.body);
      expect(first.status).toBe(200);
      const allowed = await authorize(first.body.access_token);
      expect(allowed.status).toBe(200);
      expect(allowed.headers).toMatchObject({
        'x-api-access-consumer': CONSUMER,
        'x-api-access-grant': grantId,
      });

      // Rotation: a second client at once; both work through the overlap.
      const rotated = await issue(grantId);
      expect(rotated.status).toBe(201);
      expect(rotated.body.clientId).not.toBe(issued.body.clientId);
      const second = await token(rotated.body);
      expect(second.status).toBe(200);
      expect((await authorize(second.body.access_token)).status).toBe(200);
      expect((await authorize(first.body.access_token)).status).toBe(200);

      // Revoke: the tokens are refused on the next call, the clients deleted.
      const revoked = await request(server)
        .post(`/api/api-access/grants/${grantId}/revoke`)
        .set('Authorization', as(REQUESTER))
        .send({ reason: 'Client secret leaked' });
      expect(revoked.status).toBe(200);
      expect((await authorize(second.body.access_token)).status).toBe(401);
      for (const client of [issued.body, rotated.body]) {
        await until(
          `client ${client.clientId} deleted at the provider`,
          async () => ((await token(client)).status === 401 ? true : undefined),
        );
      }
      // The provider answers the DELETE before the module records it: wait
      // for the rows too, not only for the provider.
      const rows = await until('both client rows marked deleted', async () => {
        const found = await knex('api_access_oauth2_clients').where({
          grant_id: grantId,
        });
        return found.every(r => r.status === 'deleted') ? found : undefined;
      });
      expect(rows.map(r => r.status).sort()).toEqual(['deleted', 'deleted']);

      // Nothing secret anywhere.
      const exported = await request(server)
        .get('/api/api-access/audit/export')
        .set('Authorization', as(OWNER));
      expect(exported.status).toBe(200);
      expect(exported.text).toContain(grantId);
      expect(exported.text).toContain(issued.body.clientId);
      const secrets = [...collector.secrets, IAT];
      expect(secrets).toContain(issued.body.clientSecret);
      expect(secrets).toContain(rotated.body.clientSecret);
      const haystacks = {
        tables: await dumpApiAccessTables(knex),
        logs: logger.lines.join('\n'),
        auditor: audited.join('\n'),
        export: `${exported.status} ${exported.text}`,
      };
      expect(haystacks.tables).toContain(issued.body.clientId);
      for (const secret of secrets) {
        for (const form of encodingsOf(secret)) {
          for (const [where, text] of Object.entries(haystacks)) {
            expect({ where, found: text.includes(form) }).toEqual({
              where,
              found: false,
            });
          }
        }
      }
    });

    it('a provider fault fails provisioning with the reason and no credential, until an owner retries', async () => {
      idp.proxy.set(
        '/reg',
        fault.status(503, { error: 'temporarily_unavailable' }, 2),
      );
      const grantId = await approvedGrant();
      const failed = await provisioned(grantId, 'failed');
      expect(failed.lastError).toContain(
        'the identity provider answered 503 to the client registration: temporarily_unavailable; retry after 2 s',
      );
      const refused = await issue(grantId);
      expect(refused.status).toBe(409);
      expect(JSON.stringify(refused.body)).toContain('503');
      expect(
        await knex('api_access_credentials').where({ grant_id: grantId }),
      ).toEqual([]);
      expect(
        await knex('api_access_oauth2_clients').where({ grant_id: grantId }),
      ).toEqual([]);

      idp.proxy.reset();
      const retried = await request(server)
        .post(`/api/api-access/grants/${grantId}/provisioning/retry`)
        .set('Authorization', as(OWNER))
        .send({});
      expect(retried.status).toBe(200);
      await provisioned(grantId, 'succeeded');
      const issued = await issue(grantId);
      expect(issued.status).toBe(201);
      expect((await token(issued.body)).status).toBe(200);
    });
  },
);
