/*
 * Provider faults and grant expiry through the real api-access provisioning
 * queue, on SQLite and PostgreSQL: the module inside the real api-access
 * backend (and the real catalog), the real development identity provider
 * behind the fault proxy, the core's clock moved instead of waiting.
 *
 * Each fault breaks the one registration after an approval. The grant then
 * shows provisioning 'retrying' with the cause, its next attempt in the
 * future (Retry-After honoured), issuing a credential is refused with 409
 * naming the state, and there is no registered client and no credential.
 * Running due tasks before the next attempt changes nothing; once the fault
 * has cleared and the clock reaches it, the admin run registers the client
 * and the credential is issued and works at the provider.
 *
 * A grant that expires (the lifecycle sweep, through its admin route) queues
 * a revoke, and its client is deleted at the provider: its token requests
 * get 401 invalid_client.
 */
import {
  coreServices,
  createServiceFactory,
  createServiceRef,
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
  moduleConfigData,
  recordingLogger,
} from './__testUtils__/moduleHarness';
import { DevProvider, startDevProvider } from './__testUtils__/devProvider';
import {
  FaultMode,
  FaultProxy,
  fault,
  startFaultProxy,
} from './__testUtils__/faultProxy';

jest.setTimeout(120_000);

/**
 * The api-access backend's clock service (src/clock.ts there, not exported):
 * Backstage resolves services by id, so a factory for this id replaces it.
 * Were the id to change, the clock would not move and every retry below
 * would stay pending: the tests fail rather than pass vacuously.
 */
const apiAccessClockRef = createServiceRef<{ now(): Date }>({
  id: 'api-access.clock',
});

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
/** The provider starts without pets:write; the scope case adds it as its fix. */
const FIRST_SCOPES = ['pets:read'];
const ALL_SCOPES = ['pets:read', 'pets:write'];
const BACKOFF_SECONDS = 60;
const RETRY_AFTER_SECONDS = 600;
const as = (ref: string) => mockCredentials.user.header(ref);

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

interface FaultCase {
  name: string;
  scopes: string[];
  /** Breaks the next registration; undefined: the provider's own refusal. */
  mode?: FaultMode;
  /** In lastError and in the 409. */
  cause: RegExp;
  /** Seconds from the failure to the next attempt. */
  nextInSeconds: number;
  /** Whether the answer may have been lost after the provider acted (the row is kept as 'orphaned'). */
  orphaned: boolean;
}

/**
 * The scope case comes first: its fix restarts the provider (clients live in
 * its memory), so no client of a later case is lost with it.
 */
const CASES: FaultCase[] = [
  {
    name: 'the provider rejects a scope (its real 400 invalid_client_metadata)',
    scopes: ALL_SCOPES,
    cause:
      /the identity provider answered 400 to the client registration: invalid_client_metadata/,
    nextInSeconds: BACKOFF_SECONDS,
    orphaned: false,
  },
  {
    name: 'the provider is down (connection dropped)',
    scopes: ['pets:read'],
    mode: fault.down(),
    cause:
      /the identity provider could not be reached for the client registration/,
    nextInSeconds: BACKOFF_SECONDS,
    orphaned: true,
  },
  {
    name: 'the provider is slower than timeoutSeconds (1 s)',
    scopes: ['pets:read'],
    mode: fault.slow(2_500),
    cause:
      /the identity provider did not answer the client registration within 1 s/,
    nextInSeconds: BACKOFF_SECONDS,
    orphaned: true,
  },
  {
    name: `500 with Retry-After: ${RETRY_AFTER_SECONDS}`,
    scopes: ['pets:read'],
    mode: fault.status(500, { error: 'server_error' }, RETRY_AFTER_SECONDS),
    cause: new RegExp(
      `the identity provider answered 500 to the client registration: server_error; retry after ${RETRY_AFTER_SECONDS} s`,
    ),
    nextInSeconds: RETRY_AFTER_SECONDS,
    orphaned: false,
  },
  {
    name: '201 with JSON that does not parse',
    scopes: ['pets:read'],
    mode: fault.malformedJson(),
    cause:
      /the identity provider answered 201 to the client registration with a body that is not JSON/,
    nextInSeconds: BACKOFF_SECONDS,
    orphaned: true,
  },
];

describe.each(databases.eachSupportedId())(
  'provider faults and expiry through the real provisioning queue on %p',
  databaseId => {
    let provider: DevProvider;
    let proxy: FaultProxy;
    let knex: Knex;
    let server: any;
    let stopBackend: () => Promise<void>;
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };

    beforeAll(async () => {
      provider = await startDevProvider({
        scopes: FIRST_SCOPES,
        initialAccessToken: IAT,
      });
      proxy = await startFaultProxy({ target: provider.issuer });
      knex = await databases.init(databaseId);
      const logger = recordingLogger();
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
            service: apiAccessClockRef,
            deps: {},
            factory: () => clock,
          }),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                rules: [{ allow: ['Component', 'API', 'Group', 'User'] }],
                locations: [{ type: 'file', target: CATALOG }],
              },
              apiAccess: {
                provisioning: {
                  maxAttempts: 5,
                  initialBackoffSeconds: BACKOFF_SECONDS,
                  maxBackoffSeconds: 3600,
                },
                oauth2Client: moduleConfigData(provider, proxy),
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
      await stopBackend?.();
      await proxy?.stop();
      await provider?.stop();
    });

    afterEach(() => proxy.reset());

    async function approvedGrant(scopes: string[]) {
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

    /** The grant as the frontend reads it. */
    async function grant(grantId: string) {
      const listed = await request(server)
        .get(`/api/api-access/grants?consumerRef=${CONSUMER}`)
        .set('Authorization', as(REQUESTER));
      expect(listed.status).toBe(200);
      const items: any[] = listed.body.items ?? listed.body;
      return items.find(g => g.id === grantId);
    }

    function taskOf(g: any, action: string) {
      return (g?.provisioning?.tasks ?? []).find(
        (t: any) => t.provisionerId === 'oauth2-client' && t.action === action,
      );
    }

    /** Waits for the first attempt of the grant's provision task to be recorded. */
    async function afterFirstAttempt(grantId: string) {
      return until('the first provisioning attempt', async () => {
        const g = await grant(grantId);
        // attempts counts from the claim: wait for the attempt's outcome.
        const t = taskOf(g, 'provision');
        return t?.attempts >= 1 && (t.lastError || t.status !== 'pending')
          ? g
          : undefined;
      });
    }

    function runDue() {
      return request(server)
        .post('/api/api-access/admin/lifecycle/run')
        .set('Authorization', as(OWNER))
        .send({});
    }

    function issue(grantId: string) {
      return request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as(REQUESTER))
        .send({ acceptTerms: '1' });
    }

    async function token(clientId: string, clientSecret: string) {
      const response = await fetch(`${proxy.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(
            `${encodeURIComponent(clientId)}:${encodeURIComponent(
              clientSecret,
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

    async function clientRows(grantId: string) {
      return knex('api_access_oauth2_clients').where({ grant_id: grantId });
    }

    it.each(CASES)(
      '$name: retrying with the cause, 409, nothing registered; after the fault clears the due run registers the client',
      async c => {
        if (c.mode) proxy.set('/reg', c.mode, { times: 1 });
        const grantId = await approvedGrant(c.scopes);

        const failed = await afterFirstAttempt(grantId);
        const task = taskOf(failed, 'provision');
        expect(failed.provisioning.state).toBe('retrying');
        expect(task).toMatchObject({ status: 'pending', attempts: 1 });
        expect(task.lastError).toMatch(c.cause);
        const waitMs = Date.parse(task.nextAttemptAt) - clock.now().getTime();
        expect(waitMs).toBeGreaterThan((c.nextInSeconds - 10) * 1000);
        expect(waitMs).toBeLessThanOrEqual(c.nextInSeconds * 1000);
        expect(proxy.hits('/reg')).toBe(1);

        const refused = await issue(grantId);
        expect(refused.status).toBe(409);
        expect(refused.body.error.message).toContain('(retrying: ');
        expect(refused.body.error.message).toMatch(c.cause);
        expect(
          await knex('api_access_credentials').where({ grant_id: grantId }),
        ).toEqual([]);
        expect((await clientRows(grantId)).map(r => r.status)).toEqual(
          c.orphaned ? ['orphaned'] : [],
        );

        // The fault clears: the proxy passes again (it faulted one request);
        // for the scope, the provider's admin adds it and restarts it.
        if (!c.mode) {
          const port = provider.port;
          await provider.stop();
          provider = await startDevProvider({
            scopes: ALL_SCOPES,
            initialAccessToken: IAT,
            port,
          });
        }

        // Not due yet: running due tasks leaves it alone.
        offsetMs += waitMs - 5_000;
        const early = await runDue();
        expect(early.status).toBe(200);
        expect(taskOf(await grant(grantId), 'provision')).toMatchObject({
          status: 'pending',
          attempts: 1,
        });
        expect(proxy.hits('/reg')).toBe(1);

        // Due: the admin run registers the client.
        offsetMs += 6_000;
        const ran = await runDue();
        expect(ran.status).toBe(200);
        expect(ran.body.provisioned).toBeGreaterThanOrEqual(1);
        const done = await until('provisioning done', async () => {
          const g = await grant(grantId);
          return g?.provisioning?.state === 'done' ? g : undefined;
        });
        expect(taskOf(done, 'provision')).toMatchObject({
          status: 'succeeded',
          attempts: 2,
        });
        expect(proxy.hits('/reg')).toBe(2);

        const issued = await issue(grantId);
        expect(issued.status).toBe(201);
        expect(
          (await token(issued.body.clientId, issued.body.clientSecret)).status,
        ).toBe(200);
        expect((await clientRows(grantId)).map(r => r.status).sort()).toEqual(
          c.orphaned ? ['issued', 'orphaned'] : ['issued'],
        );
      },
    );

    it('an expired grant queues a revoke and its client is deleted at the provider', async () => {
      const grantId = await approvedGrant(['pets:read']);
      await until('provisioning done', async () =>
        (await grant(grantId))?.provisioning?.state === 'done'
          ? true
          : undefined,
      );
      const issued = await issue(grantId);
      expect(issued.status).toBe(201);
      const { clientId, clientSecret } = issued.body;
      expect((await token(clientId, clientSecret)).status).toBe(200);

      const expiresAt = Date.parse((await grant(grantId)).expiresAt);
      offsetMs += expiresAt - clock.now().getTime() + 60_000;
      const swept = await runDue();
      expect(swept.status).toBe(200);
      expect(swept.body.rules['grant-expiry'].expired).toBeGreaterThanOrEqual(
        1,
      );

      const expired = await until('the revoke done', async () => {
        const g = await grant(grantId);
        return taskOf(g, 'revoke')?.status === 'succeeded' ? g : undefined;
      });
      expect(expired.status).toBe('expired');
      expect(taskOf(expired, 'revoke').reference).toBe('1 client deleted');
      expect((await clientRows(grantId)).map(r => r.status)).toEqual([
        'deleted',
      ]);
      // Deleted, not expired at the provider: the provider's real time is
      // still weeks before the client's api_access_expires_at.
      const refused = await token(clientId, clientSecret);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
      expect(String(refused.body.error_description ?? '')).not.toContain(
        'expired',
      );
    });
  },
);
