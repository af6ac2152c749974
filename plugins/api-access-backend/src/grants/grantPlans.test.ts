/*
 * A live grant's plan, suspension and usage through the HTTP API, on SQLite
 * and PostgreSQL: who may suspend, resume and change plans (the API's
 * owners now, admins), the statuses each needs (409 otherwise), the key
 * refused at once after a suspension and working again after resumption,
 * history and auditor events, notifications to the requester and the
 * consumer's owners, plan changes (downgrade narrows scopes, an upgrade the
 * policy would send to security is refused naming it, unknown plans and
 * APIs without plans are 400), usage per day with the quota's state,
 * expiry of a suspended grant, and suspension racing revocation.
 */
import {
  ServiceFactory,
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import request from 'supertest';
import { apiAccessClockServiceRef } from '../clock';
import {
  FIXTURE_CATALOG,
  createTestDatabases,
  serviceHeader,
  startApiAccessBackend,
  TEST_GATEWAY,
  TEST_GATEWAY_SUBJECT,
} from '../__testUtils__/testBackend';
import { createRecorders } from '../__testUtils__/recorders';
import {
  as,
  client,
  CONSUMER,
  movableClock,
  sandboxDraft,
} from '../__testUtils__/securityPersonas';
import { planColumns } from './GrantStore';

const databases = createTestDatabases();
const BASE = '/api/api-access';
const METERED = 'api:default/metered';
const PLANS_CATALOG = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
  'src/__fixtures__/plans-catalog.yaml',
);

const meteredDraft = {
  ...sandboxDraft,
  apiRef: METERED,
  scopes: ['metered:read', 'metered:write'],
};

const STARTER = {
  name: 'starter',
  title: 'Starter',
  rateLimit: { requests: 2, perSeconds: 1 },
  quota: { requests: 3, period: 'day' as const },
};
const STANDARD = {
  name: 'standard',
  title: 'Standard',
  rateLimit: { requests: 20, perSeconds: 1 },
  quota: { requests: 1000, period: 'month' as const },
};

describe.each(databases.eachSupportedId())(
  'grant plans and suspension on %p',
  databaseId => {
    let knex: Knex;
    let server: any;
    let stop: () => Promise<void>;
    let tick: () => Promise<void>;
    let http: ReturnType<typeof client>;
    const clock = movableClock('2026-11-20T12:00:00Z');
    const { recorded, features: recorders } = createRecorders();
    const sent: Array<{ recipients: string[]; title: string }> = [];

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const scheduler = mockServices.scheduler() as unknown as {
        factory(opts?: { skipTaskRunOnStartup?: boolean }): ServiceFactory;
        triggerTask(id: string): Promise<void>;
      };
      const backend = await startApiAccessBackend({
        knex,
        catalogFiles: [FIXTURE_CATALOG, PLANS_CATALOG],
        config: {
          apiAccess: {
            gateway: TEST_GATEWAY,
            accessReviews: { enabled: false },
            plans: [
              {
                ...STARTER,
                scopes: 'read',
                maxDurationDays: 365,
                approval: 'policy',
              },
              {
                ...STANDARD,
                quota: { requests: 100000, period: 'month' },
                scopes: 'all',
                maxDurationDays: 365,
                approval: 'owner',
              },
            ],
          },
        },
        extraFeatures: [
          ...recorders,
          scheduler.factory({ skipTaskRunOnStartup: true }),
          createServiceFactory({
            service: apiAccessClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () =>
              ({
                async send(options: any) {
                  sent.push({
                    recipients: options.recipients.entityRef,
                    title: options.payload.title,
                  });
                },
              } as any),
          }),
        ],
        waitFor: [
          METERED,
          'api:default/pets',
          'component:default/team-a-service',
          'user:default/owner.one',
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
      tick = () => scheduler.triggerTask('api-access-lifecycle');
      http = client(server);
    }, 120_000);

    afterAll(async () => {
      await stop?.();
    });

    const post = (by: string, path: string, body: object) =>
      request(server)
        .post(`${BASE}${path}`)
        .set('Authorization', as(by))
        .send(body);
    const authorize = (key: string, headers: Record<string, string> = {}) => {
      let call = request(server)
        .get(`${BASE}/authorize`)
        .set('Authorization', serviceHeader(TEST_GATEWAY_SUBJECT))
        .set('X-Api-Access-Api', METERED)
        .set('X-Api-Access-Key', key);
      for (const [name, value] of Object.entries(headers)) {
        call = call.set(name, value);
      }
      return call;
    };

    /** A grant on metered holding `plan` (written directly: how it got it is the request side's business). */
    async function grantOn(
      plan: typeof STARTER | typeof STANDARD | undefined,
      draft: object = meteredDraft,
      scopes?: string[],
    ) {
      const { grantId } = await http.approvedGrant(draft);
      await knex('api_access_grants')
        .where({ id: grantId })
        .update({
          ...planColumns(plan),
          ...(scopes ? { scopes: JSON.stringify(scopes) } : {}),
        });
      const key = await http.issueKey(grantId);
      return { grantId, key };
    }

    async function history(grantId: string) {
      return knex('api_access_audit_events')
        .where({ subject_id: grantId })
        .orderBy('seq')
        .select('action', 'actor_ref', 'from_status', 'to_status', 'details');
    }

    it('suspends at once and resumes: only the API owners or admins, only from the right status', async () => {
      const { grantId, key } = await grantOn(STANDARD);
      expect((await authorize(key)).status).toBe(200);

      // The requester and the consumer's members may read it, not pause it;
      // a stranger does not even learn it exists.
      for (const by of ['requester', 'consumer.member']) {
        const refused = await post(by, `/grants/${grantId}/suspend`, {
          reason: 'Abuse from the integration',
        });
        expect({ by, status: refused.status }).toEqual({ by, status: 403 });
      }
      expect(
        (
          await post('stranger', `/grants/${grantId}/suspend`, {
            reason: 'Abuse from the integration',
          })
        ).status,
      ).toBe(404);
      expect(
        (await post('owner.one', `/grants/${grantId}/suspend`, {})).status,
      ).toBe(400);
      expect(
        (await post('owner.one', `/grants/${grantId}/resume`, {})).status,
      ).toBe(409);

      sent.length = 0;
      const suspended = await post('owner.one', `/grants/${grantId}/suspend`, {
        reason: 'Abuse from the integration',
      });
      expect(suspended.status).toBe(200);
      expect(suspended.body).toMatchObject({
        status: 'suspended',
        suspension: {
          by: 'user:default/owner.one',
          reason: 'Abuse from the integration',
          at: clock.now().toISOString(),
        },
      });
      // Refused at once: the cached decision was dropped.
      const refused = await authorize(key);
      expect(refused.status).toBe(403);
      expect(refused.headers['x-api-access-reason']).toBe(
        'the grant is suspended',
      );
      const introspected = await request(server)
        .post(`${BASE}/introspect`)
        .set('Authorization', serviceHeader(TEST_GATEWAY_SUBJECT))
        .type('form')
        .send({ token: key });
      expect(introspected.body).toEqual({ active: false });

      // The requester and the consumer's owners hear of it, not the actor.
      expect(sent).toContainEqual({
        recipients: expect.arrayContaining([
          'user:default/requester',
          'group:default/team-a',
        ]),
        title: expect.stringContaining(
          'was suspended by user:default/owner.one',
        ),
      });
      expect(
        (
          await post('owner.one', `/grants/${grantId}/suspend`, {
            reason: 'Again',
          })
        ).status,
      ).toBe(409);
      // No renewal and no new key while suspended, and the 409 says why.
      const renewal = await post('requester', `/grants/${grantId}/renew`, {
        durationDays: 30,
      });
      expect(renewal.status).toBe(409);
      expect(renewal.body.error.message).toContain('suspended');
      const rotation = await post(
        'requester',
        `/grants/${grantId}/credentials`,
        {
          acceptTerms: '1',
        },
      );
      expect(rotation.status).toBe(409);
      expect(rotation.body.error.message).toContain('suspended');

      expect(
        (await post('requester', `/grants/${grantId}/resume`, {})).status,
      ).toBe(403);
      // Admins may resume what an owner suspended.
      const resumed = await post('admin.one', `/grants/${grantId}/resume`, {
        comment: 'Fixed on their side',
      });
      expect(resumed.status).toBe(200);
      expect(resumed.body.status).toBe('active');
      expect(resumed.body.suspension).toBeUndefined();
      expect((await authorize(key)).status).toBe(200);

      const events = await history(grantId);
      expect(
        events
          .filter(e => ['grant.suspended', 'grant.resumed'].includes(e.action))
          .map(e => [e.action, e.actor_ref, e.from_status, e.to_status]),
      ).toEqual([
        ['grant.suspended', 'user:default/owner.one', 'active', 'suspended'],
        ['grant.resumed', 'user:default/admin.one', 'suspended', 'active'],
      ]);
      expect(
        recorded.lines.some(line => line.startsWith('audit grant-suspend')),
      ).toBe(true);
      expect(
        recorded.lines.some(line => line.startsWith('audit grant-resume')),
      ).toBe(true);
    });

    it('changes plans with the same key: a downgrade narrows the scopes, an upgrade in sandbox takes effect at once', async () => {
      const { grantId, key } = await grantOn(STANDARD);
      expect((await authorize(key)).headers['x-api-access-plan']).toBe(
        'standard',
      );

      expect(
        (
          await post('requester', `/grants/${grantId}/plan`, {
            plan: 'starter',
          })
        ).status,
      ).toBe(403);
      const unknown = await post('owner.one', `/grants/${grantId}/plan`, {
        plan: 'gold',
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain(
        "'gold' is not a plan api:default/metered offers",
      );
      expect(
        (await post('owner.one', `/grants/${grantId}/plan`, { plan: 'Gold!' }))
          .status,
      ).toBe(400);
      expect(
        (
          await post('owner.one', `/grants/${grantId}/plan`, {
            plan: 'standard',
          })
        ).status,
      ).toBe(409);

      sent.length = 0;
      const down = await post('owner.one', `/grants/${grantId}/plan`, {
        plan: 'starter',
        comment: 'Too many writes',
      });
      expect(down.status).toBe(200);
      expect(down.body.plan).toEqual(STARTER);
      expect(down.body.scopes).toEqual(['metered:read']);
      const onStarter = await authorize(key);
      expect(onStarter.status).toBe(200);
      expect(onStarter.headers['x-api-access-plan']).toBe('starter');
      expect(onStarter.headers['x-api-access-rate-limit']).toBe('2;w=1');
      expect(onStarter.headers['cache-control']).toBe('no-store');
      expect(sent.map(n => n.title)).toContainEqual(
        expect.stringContaining("moved from 'Standard' to 'Starter'"),
      );

      // Back up: sandbox needs only the owner, so it is at once; the dropped
      // scope is not given back.
      const up = await post('owner.one', `/grants/${grantId}/plan`, {
        plan: 'standard',
      });
      expect(up.status).toBe(200);
      expect(up.body.plan.name).toBe('standard');
      expect(up.body.scopes).toEqual(['metered:read']);
      expect((await authorize(key)).headers['x-api-access-rate-limit']).toBe(
        '20;w=1',
      );

      const changes = (await history(grantId)).filter(
        e => e.action === 'grant.plan_changed',
      );
      expect(changes.map(e => JSON.parse(e.details))).toEqual([
        expect.objectContaining({
          from: 'standard',
          to: 'starter',
          direction: 'down',
          droppedScopes: ['metered:write'],
          comment: 'Too many writes',
        }),
        expect.objectContaining({
          from: 'starter',
          to: 'standard',
          direction: 'up',
        }),
      ]);
      expect(
        recorded.lines.some(line => line.startsWith('audit grant-plan-change')),
      ).toBe(true);
    });

    it('refuses an upgrade the policy would send beyond the owner, naming the stages; and a plan for an API without plans', async () => {
      const { grantId } = await grantOn(
        STARTER,
        { ...meteredDraft, environment: 'production', durationDays: 30 },
        ['metered:read'],
      );
      const up = await post('owner.one', `/grants/${grantId}/plan`, {
        plan: 'standard',
      });
      expect(up.status).toBe(409);
      expect(up.body.error.message).toContain('security');
      const unchanged = await knex('api_access_grants')
        .where({ id: grantId })
        .first();
      expect(unchanged.plan).toBe('starter');

      const { grantId: petsGrant } = await http.approvedGrant(sandboxDraft);
      const noPlans = await post('owner.one', `/grants/${petsGrant}/plan`, {
        plan: 'starter',
      });
      expect(noPlans.status).toBe(400);
      expect(noPlans.body.error.message).toContain('offers no plans');
    });

    it('answers usage per day, zero-filled, with the quota state; readable by the parties only', async () => {
      clock.set('2026-11-21T23:59:59.000Z');
      const { grantId, key } = await grantOn(STARTER, meteredDraft, [
        'metered:read',
      ]);
      for (let i = 0; i < 3; i++)
        expect((await authorize(key)).status).toBe(200);
      const over = await authorize(key);
      expect(over.status).toBe(429);
      expect(over.headers['retry-after']).toBe('1');
      expect(over.headers['x-api-access-reason']).toBe(
        'the quota of the plan is used up',
      );
      const nginx = await authorize(key, { 'X-Api-Access-Refuse-With': '403' });
      expect(nginx.status).toBe(403);
      expect(nginx.headers['x-api-access-refusal']).toBe('quota');
      expect(nginx.headers['retry-after']).toBe('1');

      clock.set('2026-11-22T00:00:00.000Z');
      expect((await authorize(key)).status).toBe(200);

      const usage = await request(server)
        .get(`${BASE}/grants/${grantId}/usage?days=3`)
        .set('Authorization', as('requester'));
      expect(usage.status).toBe(200);
      expect(usage.body).toEqual({
        days: [
          { date: '2026-11-20', calls: 0, refused: 0 },
          { date: '2026-11-21', calls: 3, refused: 2 },
          { date: '2026-11-22', calls: 1, refused: 0 },
        ],
        quota: {
          used: 1,
          limit: 3,
          period: 'day',
          resetsAt: '2026-11-23T00:00:00.000Z',
        },
      });
      const owner = await request(server)
        .get(`${BASE}/grants/${grantId}/usage`)
        .set('Authorization', as('owner.one'));
      expect(owner.status).toBe(200);
      expect(owner.body.days).toHaveLength(30);
      for (const bad of ['0', '367', 'many']) {
        expect(
          (
            await request(server)
              .get(`${BASE}/grants/${grantId}/usage?days=${bad}`)
              .set('Authorization', as('requester'))
          ).status,
        ).toBe(400);
      }
      expect(
        (
          await request(server)
            .get(`${BASE}/grants/${grantId}/usage`)
            .set('Authorization', as('stranger'))
        ).status,
      ).toBe(404);
      clock.set('2026-11-20T12:00:00Z');
    });

    it('expires a suspended grant at its expiry, and revokes a suspended grant', async () => {
      const { grantId } = await grantOn(STANDARD);
      expect(
        (
          await post('owner.one', `/grants/${grantId}/suspend`, {
            reason: 'Investigating',
          })
        ).status,
      ).toBe(200);
      const revoked = await post('owner.one', `/grants/${grantId}/revoke`, {
        reason: 'It was abuse after all',
      });
      expect(revoked.status).toBe(200);
      expect(revoked.body.status).toBe('revoked');
      expect(revoked.body.suspension).toBeUndefined();

      const other = await grantOn(STANDARD);
      await post('owner.one', `/grants/${other.grantId}/suspend`, {
        reason: 'Investigating',
      });
      const row = await knex('api_access_grants')
        .where({ id: other.grantId })
        .first();
      clock.set(new Date(new Date(row.expires_at).getTime() + 1000));
      await tick();
      const after = await knex('api_access_grants')
        .where({ id: other.grantId })
        .first();
      expect(after.status).toBe('expired');
      const expiry = (await history(other.grantId)).find(
        e => e.action === 'grant.expired',
      );
      expect(expiry).toMatchObject({
        from_status: 'suspended',
        to_status: 'expired',
      });
      clock.set('2026-11-20T12:00:00Z');
    });

    it('suspension racing revocation: either order, never a mix; the end state and the history agree', async () => {
      for (let round = 0; round < 4; round++) {
        const { grantId } = await grantOn(STANDARD);
        const [suspend, revoke] = await Promise.all([
          post('owner.one', `/grants/${grantId}/suspend`, { reason: 'Abuse' }),
          post('owner.two', `/grants/${grantId}/revoke`, { reason: 'Abuse' }),
        ]);
        const row = await knex('api_access_grants')
          .where({ id: grantId })
          .first();
        const events = (await history(grantId))
          .filter(e => ['grant.suspended', 'grant.revoked'].includes(e.action))
          .map(e => `${e.action} ${e.from_status}->${e.to_status}`);
        // The outcomes of the two serial orders, and of a revocation that
        // read the grant before the suspension committed (409: it changed).
        expect([
          {
            suspend: 409,
            revoke: 200,
            status: 'revoked',
            events: ['grant.revoked active->revoked'],
          },
          {
            suspend: 200,
            revoke: 200,
            status: 'revoked',
            events: [
              'grant.suspended active->suspended',
              'grant.revoked suspended->revoked',
            ],
          },
          {
            suspend: 200,
            revoke: 409,
            status: 'suspended',
            events: ['grant.suspended active->suspended'],
          },
        ]).toContainEqual({
          suspend: suspend.status,
          revoke: revoke.status,
          status: row.status,
          events,
        });
      }
    });

    it("lists a suspended grant among the consumer's grants, with its status", async () => {
      const { grantId } = await grantOn(STANDARD);
      await post('owner.one', `/grants/${grantId}/suspend`, {
        reason: 'Abuse',
      });
      const grants = await request(server)
        .get(`${BASE}/grants?consumerRef=${encodeURIComponent(CONSUMER)}`)
        .set('Authorization', as('requester'));
      expect(grants.body.items.find((g: any) => g.id === grantId)?.status).toBe(
        'suspended',
      );
    });
  },
);
