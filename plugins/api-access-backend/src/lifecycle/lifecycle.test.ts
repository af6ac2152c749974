/*
 * A grant's life on a fake clock, through the HTTP API on both databases:
 * reminders at each window exactly once, expiry (introspection refuses the
 * key before the tick, the tick records it), renewal extending the grant,
 * and a revocation a provisioner refuses twice before it goes through.
 * Then two backends on one PostgreSQL database running the same ticks.
 */
import {
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  ApiAccessProvisioner,
  ProvisioningTask,
  apiAccessProvisionersExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../__testUtils__/testBackend';
import { apiAccessClockServiceRef } from '../clock';

const databases = createTestDatabases();
const DAY = 24 * 60 * 60 * 1000;
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const gateway = () => mockCredentials.service.header();

/** A gateway that refuses the first `failRevokes` revocations. */
class FlakyGateway implements ApiAccessProvisioner {
  readonly id = 'flaky-gateway';
  failRevokes = 0;
  readonly calls: string[] = [];
  async provision(task: ProvisioningTask) {
    this.calls.push(`provision ${task.grant.id}`);
  }
  async revoke(task: ProvisioningTask) {
    this.calls.push(`revoke ${task.grant.id}`);
    if (this.failRevokes > 0) {
      this.failRevokes -= 1;
      throw new Error('gateway answered 503');
    }
  }
}

function harness() {
  const clock = { at: Date.parse('2026-12-01T09:00:00Z') };
  const sent: Array<{ to: string[]; title: string }> = [];
  const flaky = new FlakyGateway();
  const features = [
    createServiceFactory({
      service: apiAccessClockServiceRef,
      deps: {},
      factory: () => ({ now: () => new Date(clock.at) }),
    }),
    createServiceFactory({
      service: notificationService,
      deps: {},
      factory: () =>
        ({
          async send(options: any) {
            sent.push({
              to: [options.recipients.entityRef].flat(),
              title: options.payload.title,
            });
          },
        } as any),
    }),
    createBackendModule({
      pluginId: 'api-access',
      moduleId: 'flaky-gateway',
      register(env) {
        env.registerInit({
          deps: { provisioners: apiAccessProvisionersExtensionPoint },
          async init({ provisioners }) {
            provisioners.addProvisioner(flaky);
          },
        });
      },
    }),
  ];
  return { clock, sent, flaky, features };
}

const config = {
  apiAccess: {
    gateway: TEST_GATEWAY,
    provisioning: { initialBackoffSeconds: 10, maxBackoffSeconds: 60 },
    lifecycle: { reminderDaysBeforeExpiry: [14, 3, 1], staleAfterDays: 90 },
    // Access reviews have their own tests; here they would revoke the grants.
    accessReviews: { enabled: false },
  },
};

async function approvedGrant(server: any, durationDays: number) {
  const created = await request(server)
    .post('/api/api-access/requests')
    .set('Authorization', as('requester'))
    .send({
      apiRef: 'api:default/pets',
      consumerRef: 'component:default/team-a-service',
      environment: 'sandbox',
      scopes: ['pets:read'],
      useCase: 'Read pets for the dashboard of the team.',
      justification: 'The spring release shows pets on the dashboard.',
      credentialStorage: 'Vault kv/team-a, rotated monthly by the pipeline',
      durationDays,
    });
  expect(created.status).toBe(201);
  const approved = await request(server)
    .post(`/api/api-access/requests/${created.body.id}/decisions`)
    .set('Authorization', as('owner.one'))
    .send({ decision: 'approve' });
  expect(approved.body.status).toBe('approved');
  return approved.body.grantId as string;
}

const run = (server: any) =>
  request(server)
    .post('/api/api-access/admin/lifecycle/run')
    .set('Authorization', as('admin.one'));

async function historyOf(server: any, grantId: string) {
  const response = await request(server)
    .get(`/api/api-access/audit?subjectId=${grantId}`)
    .set('Authorization', as('requester'));
  expect(response.status).toBe(200);
  return response.body.items
    .filter((e: any) => e.subjectId === grantId)
    .map((e: any) =>
      e.action === 'grant.expiry_reminder'
        ? `${e.action}:${e.details.windowDays}`
        : e.action,
    );
}

async function grantOf(server: any, grantId: string) {
  const response = await request(server)
    .get('/api/api-access/grants?consumerRef=component:default/team-a-service')
    .set('Authorization', as('requester'));
  return response.body.items.find((g: any) => g.id === grantId);
}

describe.each(databases.eachSupportedId())(
  'grant lifecycle on %p',
  databaseId => {
    const { clock, sent, flaky, features } = harness();
    let server: any;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config,
        extraFeatures: features,
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(() => stop?.());

    it('reminds at each window once, expires, renews, and records every step', async () => {
      const start = clock.at;
      const grantId = await approvedGrant(server, 30);
      const key = (
        await request(server)
          .post(`/api/api-access/grants/${grantId}/credentials`)
          .set('Authorization', as('requester'))
          .send({ acceptTerms: '1' })
      ).body.secret;
      const introspect = async () =>
        (
          await request(server)
            .post('/api/api-access/introspect')
            .set('Authorization', gateway())
            .type('form')
            .send({ token: key })
        ).body.active;

      const reminders = () =>
        sent.filter(n => n.title.includes('expires in')).map(n => n.title);
      expect((await run(server)).status).toBe(200);
      expect(reminders()).toEqual([]);

      // 13.5 days left: the 14-day reminder, once, to the requester and the consumer's owner.
      clock.at = start + 16.5 * DAY;
      await run(server);
      await run(server);
      expect(reminders()).toEqual([
        expect.stringMatching(/expires in 14 days$/),
      ]);
      const [first] = sent.filter(n => n.title.includes('expires in'));
      expect(first.to).toEqual(
        expect.arrayContaining([
          'user:default/requester',
          'group:default/team-a',
        ]),
      );
      expect((await grantOf(server, grantId)).flags).toContain('expiring');

      // The tick ran late: from 13.5 days straight to 0.5 days left. One
      // reminder covers the 3- and 1-day windows.
      clock.at = start + 29.5 * DAY;
      await Promise.all([run(server), run(server)]);
      expect(reminders()).toHaveLength(2);
      expect(reminders()[1]).toMatch(/expires in 1 day$/);

      // Renewal, not recently used: the owner confirms; 30 days from approval.
      const renewal = await request(server)
        .post(`/api/api-access/grants/${grantId}/renew`)
        .set('Authorization', as('requester'))
        .send({ durationDays: 30 });
      expect(renewal.status).toBe(201);
      expect(renewal.body).toMatchObject({
        status: 'in_review',
        renewalOfGrantId: grantId,
      });
      expect(
        (
          await request(server)
            .post(`/api/api-access/grants/${grantId}/renew`)
            .set('Authorization', as('requester'))
            .send({ durationDays: 30 })
        ).status,
      ).toBe(409);
      expect((await grantOf(server, grantId)).renewalRequestId).toBe(
        renewal.body.id,
      );
      clock.at = start + 29.75 * DAY;
      const renewed = await request(server)
        .post(`/api/api-access/requests/${renewal.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(renewed.body).toMatchObject({
        status: 'approved',
        grantId,
      });
      const extended = await grantOf(server, grantId);
      expect(extended.expiresAt).toBe(
        new Date(clock.at + 30 * DAY).toISOString(),
      );
      expect(extended.renewals).toBe(1);
      expect(await introspect()).toBe(true);

      // The new term has its own reminders.
      clock.at = start + (29.75 + 27) * DAY;
      await run(server);
      expect(reminders()).toHaveLength(3);

      // Past the new expiry: introspection refuses before any tick; the
      // tick records the expiry and tells the provisioner.
      clock.at = start + (29.75 + 30) * DAY + 1000;
      expect(await introspect()).toBe(false);
      const ticked = await run(server);
      expect(ticked.body.rules['grant-expiry']).toEqual({ expired: 1 });
      expect((await grantOf(server, grantId)).status).toBe('expired');
      expect((await run(server)).body.rules['grant-expiry']).toEqual({
        expired: 0,
      });
      expect(flaky.calls).toContain(`revoke ${grantId}`);
      // Provisioned on approval, and again (an upsert) on renewal.
      expect(
        flaky.calls.filter(c => c === `provision ${grantId}`),
      ).toHaveLength(2);

      expect(await historyOf(server, grantId)).toEqual([
        'grant.created',
        'provisioning.succeeded',
        'credential.issued',
        'grant.expiry_reminder:14',
        'grant.expiry_reminder:1',
        'grant.renewed',
        'provisioning.succeeded',
        'grant.expiry_reminder:3',
        'grant.expired',
        'provisioning.succeeded',
      ]);
    });

    it('retries a revocation the gateway refuses twice, then confirms it', async () => {
      const grantId = await approvedGrant(server, 30);
      flaky.failRevokes = 2;
      const revoked = await request(server)
        .post(`/api/api-access/grants/${grantId}/revoke`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'Team left the programme' });
      expect(revoked.status).toBe(200);
      // The first attempt runs right after the revocation commits.
      await new Promise(r => setTimeout(r, 200));
      let grant = await grantOf(server, grantId);
      expect(grant.status).toBe('revoked');
      expect(grant.provisioning.state).toBe('retrying');

      clock.at += 10_000;
      await run(server);
      grant = await grantOf(server, grantId);
      expect(
        grant.provisioning.tasks.find((t: any) => t.action === 'revoke'),
      ).toMatchObject({ status: 'pending', attempts: 2 });
      clock.at += 20_000;
      await run(server);
      grant = await grantOf(server, grantId);
      expect(grant.provisioning.state).toBe('done');
      const history = await historyOf(server, grantId);
      expect(history.slice(-4)).toEqual([
        'grant.revoked',
        'provisioning.attempt_failed',
        'provisioning.attempt_failed',
        'provisioning.succeeded',
      ]);
    });

    it('flags a grant unused for the configured days, once', async () => {
      const grantId = await approvedGrant(server, 365);
      clock.at += 91 * DAY;
      await run(server);
      await run(server);
      const stale = sent.filter(
        n =>
          n.title.includes('is unused') && n.title.includes('team-a-service'),
      );
      expect(stale.length).toBeGreaterThanOrEqual(1);
      expect((await grantOf(server, grantId)).flags).toContain('stale');
      // Owners find flagged grants by the group that approved them.
      const owned = await request(server)
        .get('/api/api-access/grants?ownerRef=group:default/team-c')
        .set('Authorization', as('owner.one'));
      expect(owned.status).toBe(200);
      expect(
        owned.body.items.find((g: any) => g.id === grantId).flags,
      ).toContain('stale');
      const unfiltered = await request(server)
        .get('/api/api-access/grants')
        .set('Authorization', as('owner.one'));
      expect(unfiltered.status).toBe(400);
      expect(unfiltered.body.error.message).toContain(
        'consumerRef, apiRef, ownerRef or requesterRef is required',
      );
      expect(
        (await historyOf(server, grantId)).filter(
          (a: string) => a === 'grant.flagged_stale',
        ),
      ).toHaveLength(1);
    });

    it('lets only admins run the lifecycle by hand', async () => {
      expect((await run(server)).status).toBe(200);
      const refused = await request(server)
        .post('/api/api-access/admin/lifecycle/run')
        .set('Authorization', as('requester'));
      expect(refused.status).toBe(403);
    });
  },
);

const withPostgres = databases
  .eachSupportedId()
  .some(([id]) => id === 'POSTGRES_15');

(withPostgres ? describe : describe.skip)(
  'two backends on one PostgreSQL database',
  () => {
    it('does each tick’s work once', async () => {
      const knex = await databases.init('POSTGRES_15');
      const a = harness();
      const b = harness();
      // One clock for both replicas.
      b.clock.at = a.clock.at;
      const clockShared = a.clock;
      const replicaA = await startApiAccessBackend({
        knex,
        config,
        extraFeatures: a.features,
      });
      const replicaB = await startApiAccessBackend({
        knex,
        config,
        extraFeatures: [
          createServiceFactory({
            service: apiAccessClockServiceRef,
            deps: {},
            factory: () => ({ now: () => new Date(clockShared.at) }),
          }),
          ...b.features.slice(1),
        ],
      });
      try {
        const grantId = await approvedGrant(replicaA.server, 10);
        // Inside the 14-day window from the start; then past expiry.
        await Promise.all([run(replicaA.server), run(replicaB.server)]);
        clockShared.at += 10 * DAY + 1000;
        const [ra, rb] = await Promise.all([
          run(replicaA.server),
          run(replicaB.server),
        ]);
        expect(
          ra.body.rules['grant-expiry'].expired +
            rb.body.rules['grant-expiry'].expired,
        ).toBe(1);
        const reminders = [...a.sent, ...b.sent].filter(n =>
          n.title.includes('expires in'),
        );
        expect(reminders).toHaveLength(1);
        const history = await historyOf(replicaA.server, grantId);
        expect(
          history.filter((x: string) => x === 'grant.expired'),
        ).toHaveLength(1);
        expect(
          history.filter((x: string) => x.startsWith('grant.expiry_reminder')),
        ).toHaveLength(1);
        // One revoke task, run by one replica's provisioner.
        const revokes = [...a.flaky.calls, ...b.flaky.calls].filter(
          c => c === `revoke ${grantId}`,
        );
        expect(revokes).toHaveLength(1);
      } finally {
        await replicaA.stop();
        await replicaB.stop();
      }
    }, 120_000);
  },
);
