/*
 * Incident revocation through the HTTP API on SQLite and PostgreSQL: a dry
 * run changes nothing; a real run revokes each grant through the normal
 * revocation (the gateway refuses each key at once), writes one batch event
 * and a batch id on each grant's event, and its progress reaches done once
 * the provisioner confirms; a single revocation racing the batch is
 * reported per grant; who may start and read a batch; the bound; and how
 * many revocations a second one batch makes.
 */
import {
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  ApiAccessProvisioner,
  ProvisioningTask,
  apiAccessProvisionersExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import { MAX_INCIDENT_REVOCATION_GRANTS } from '@api-access/backstage-plugin-api-access-common';
import { Knex } from 'knex';
import request from 'supertest';
import {
  createTestDatabases,
  serviceHeader,
  startApiAccessBackend,
  TEST_GATEWAY,
  TEST_GATEWAY_SUBJECT,
} from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';
import { createRecorders } from '../__testUtils__/recorders';
import {
  as,
  client,
  fingerprint,
  sandboxDraft,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();
const BASE = '/api/api-access';
const PETS = 'api:default/pets';
const PLAIN = 'api:default/plain';
const CONSUMER = 'component:default/team-a-service';
const REQUESTER = 'user:default/requester';

/** A gateway whose revocations can be held back until the test lets them go. */
class HeldGateway implements ApiAccessProvisioner {
  readonly id = 'held-gateway';
  readonly revoked: string[] = [];
  private held?: Promise<void>;
  private releaseHeld?: () => void;
  async provision(_task: ProvisioningTask) {}
  async revoke(task: ProvisioningTask) {
    await this.held;
    this.revoked.push(task.grant.id);
  }
  hold() {
    this.held = new Promise(resolve => {
      this.releaseHeld = resolve;
    });
  }
  release() {
    this.releaseHeld?.();
    this.held = undefined;
  }
}

describe.each(databases.eachSupportedId())(
  'incident revocation on %p',
  databaseId => {
    let knex: Knex;
    let server: any;
    let stop: () => Promise<void>;
    let http: ReturnType<typeof client>;
    const gateway = new HeldGateway();
    const { recorded, features: recorders } = createRecorders();
    /** Runs once inside a revocation's notification, i.e. in the middle of a batch. */
    let duringBatch: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: {
            gateway: TEST_GATEWAY,
            provisioning: { initialBackoffSeconds: 1, maxBackoffSeconds: 1 },
            accessReviews: { enabled: false },
          },
        },
        extraFeatures: [
          ...recorders,
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () =>
              ({
                async send(options: any) {
                  if (
                    duringBatch &&
                    / was revoked by user:default\/owner\.one$/.test(
                      options.payload.title,
                    )
                  ) {
                    const run = duringBatch;
                    duringBatch = undefined;
                    await run();
                  }
                },
              } as any),
          }),
          createBackendModule({
            pluginId: 'api-access',
            moduleId: 'held-gateway',
            register(env) {
              env.registerInit({
                deps: { provisioners: apiAccessProvisionersExtensionPoint },
                async init({ provisioners }) {
                  provisioners.addProvisioner(gateway);
                },
              });
            },
          }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
      http = client(server);
    }, 120_000);

    afterAll(async () => {
      gateway.release();
      await stop?.();
    });

    const revokeAll = (by: string, body: object) =>
      request(server)
        .post(`${BASE}/grants/revoke`)
        .set('Authorization', as(by))
        .send(body);
    const batchOf = (by: string, id: string) =>
      request(server)
        .get(`${BASE}/grants/revocations/${id}`)
        .set('Authorization', as(by));
    const introspect = (key: string) =>
      request(server)
        .post(`${BASE}/introspect`)
        .set('Authorization', serviceHeader(TEST_GATEWAY_SUBJECT))
        .type('form')
        .send({ token: key });
    const authorize = (key: string) =>
      request(server)
        .get(`${BASE}/authorize`)
        .set('Authorization', serviceHeader(TEST_GATEWAY_SUBJECT))
        .set('X-Api-Access-Api', PETS)
        .set('X-Api-Access-Key', key);

    async function grantWithKey(draft: object = sandboxDraft) {
      const { grantId } = await http.approvedGrant(draft);
      return { grantId, key: await http.issueKey(grantId) };
    }

    /** Polls the batch until `done`, at most 20 s. */
    async function untilDone(by: string, id: string) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const response = await batchOf(by, id);
        expect(response.status).toBe(200);
        if (response.body.done || Date.now() > deadline) return response.body;
        await new Promise(r => setTimeout(r, 100));
      }
    }

    it('refuses callers who own no API concerned and are no admin', async () => {
      const reason = 'Key leaked in a public repository.';
      for (const by of [
        'stranger',
        'requester',
        'consumer.member',
        'sec.one',
      ]) {
        for (const selector of [
          { apiRef: PETS },
          { consumerRef: CONSUMER },
          { requesterRef: REQUESTER },
        ]) {
          const response = await revokeAll(by, {
            ...selector,
            reason,
            dryRun: true,
          });
          expect({ by, selector, status: response.status }).toEqual({
            by,
            selector,
            status: 403,
          });
        }
      }
      // owner.two owns pets (team-c) but not plain (owner.one's own API).
      const notTheirs = await revokeAll('owner.two', {
        apiRef: PLAIN,
        reason,
        dryRun: true,
      });
      expect(notTheirs.status).toBe(403);
      expect(notTheirs.body.error.message).toContain('Only the owners of');
    });

    it('a dry run lists the active grants that would end and changes nothing', async () => {
      const a = await grantWithKey();
      const b = await grantWithKey();
      const before = await fingerprint(knex);
      const response = await revokeAll('owner.one', {
        apiRef: PETS,
        reason: 'Key leaked in a public repository.',
        dryRun: true,
      });
      expect(response.status).toBe(200);
      expect(response.body.dryRun).toBe(true);
      expect(response.body.batchId).toBeUndefined();
      expect(response.body.leftOut).toBe(0);
      const ids = response.body.grants.map((g: any) => g.id);
      expect(ids).toEqual(expect.arrayContaining([a.grantId, b.grantId]));
      expect(response.body.grants[0]).toEqual({
        id: expect.any(String),
        apiRef: PETS,
        consumerRef: CONSUMER,
        requesterRef: REQUESTER,
        environment: 'sandbox',
        expiresAt: expect.any(String),
      });
      expect(await fingerprint(knex)).toEqual(before);
      expect((await introspect(a.key)).body.active).toBe(true);
    });

    it('revokes every grant through the normal revocation; the gateway refuses each key; the batch is in the history; progress reaches done when the provisioner confirms', async () => {
      const held = [await grantWithKey(), await grantWithKey()];
      // The grant on plain is owner.one's too: an apiRef batch leaves it alone.
      const { grantId: plainGrant } = await http.approvedGrant({
        ...sandboxDraft,
        apiRef: PLAIN,
        scopes: [],
      });
      gateway.hold();
      const reason = 'Key leaked in a public repository.';
      const started = Date.now();
      const response = await revokeAll('owner.one', { apiRef: PETS, reason });
      expect(response.status).toBe(201);
      const { batchId } = response.body;
      expect(typeof batchId).toBe('string');
      for (const { grantId } of held) {
        expect(response.body.results).toContainEqual({
          grantId,
          outcome: 'revoked',
        });
      }
      expect(response.body.counts.failed).toBe(0);
      // The gateway refuses each key at once, before any provisioner answered.
      for (const { key } of held) {
        expect((await introspect(key)).body).toEqual({ active: false });
        expect((await authorize(key)).status).toBe(401);
      }
      const refusedAfterMs = Date.now() - started;

      const pending = await batchOf('owner.one', batchId);
      expect(pending.status).toBe(200);
      expect(pending.body).toMatchObject({
        id: batchId,
        startedBy: 'user:default/owner.one',
        selector: { apiRef: PETS },
        reason,
        done: false,
      });
      const item = pending.body.items.find(
        (i: any) => i.id === held[0].grantId,
      );
      expect(item).toMatchObject({
        outcome: 'revoked',
        status: 'revoked',
        provisioning: 'pending',
        tasks: [{ provisionerId: 'held-gateway', status: 'pending' }],
      });

      gateway.release();
      const done = await untilDone('owner.one', batchId);
      expect(done.done).toBe(true);
      expect(done.counts.confirmed).toBe(done.counts.revoked);
      expect(done.items.every((i: any) => i.provisioning === 'confirmed')).toBe(
        true,
      );
      expect(gateway.revoked).toEqual(
        expect.arrayContaining(held.map(h => h.grantId)),
      );

      // One event ties the batch together; each grant's own carries its id.
      const events = await knex('api_access_audit_events')
        .where({ subject_id: batchId })
        .select('*');
      expect(events).toHaveLength(1);
      expect(events[0].action).toBe('grants.revoked_in_batch');
      expect(events[0].subject_type).toBe('revocation_batch');
      const details = JSON.parse(events[0].details);
      expect(details).toMatchObject({
        selector: { apiRef: PETS },
        reason,
        counts: { revoked: response.body.counts.revoked, leftOut: 0 },
      });
      expect(details.grantIds).toEqual(
        expect.arrayContaining(held.map(h => h.grantId)),
      );
      for (const { grantId } of held) {
        const [own] = await knex('api_access_audit_events')
          .where({ subject_id: grantId, action: 'grant.revoked' })
          .select('details');
        expect(JSON.parse(own.details)).toMatchObject({ batchId, reason });
      }
      const verified = await request(server)
        .get(`${BASE}/audit/verify?full=true`)
        .set('Authorization', as('admin.one'));
      expect(verified.body.ok).toBe(true);

      // Not on pets: still active.
      const plain = await knex('api_access_grants')
        .where({ id: plainGrant })
        .first();
      expect(plain.status).toBe('active');

      // Who reads the batch: its starter, admins, the API's owners now.
      for (const [by, status] of [
        ['owner.one', 200],
        ['owner.two', 200],
        ['admin.one', 200],
        ['requester', 404],
        ['stranger', 404],
      ] as const) {
        expect({ by, status: (await batchOf(by, batchId)).status }).toEqual({
          by,
          status,
        });
      }
      expect((await batchOf('admin.one', 'no-such-batch')).status).toBe(404);
      // A Backstage auditor event for the batch, with its id and counts.
      expect(recorded.lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^audit success .*"dryRun":false.*"batchId":"${batchId}".*"revoked":${response.body.counts.revoked}`,
          ),
        ),
      );
      // eslint-disable-next-line no-console
      console.log(
        `[incident revocation ${databaseId}] gateway refused ${held.length} keys ${refusedAfterMs} ms after the batch started`,
      );
    });

    it('an owner revoking through consumerRef or requesterRef ends only grants on APIs they own, and says how many it left out', async () => {
      const pets = await grantWithKey();
      const { grantId: plainGrant } = await http.approvedGrant({
        ...sandboxDraft,
        apiRef: PLAIN,
        scopes: [],
      });
      const reason = 'The consumer was compromised.';
      for (const selector of [
        { consumerRef: CONSUMER },
        { requesterRef: REQUESTER },
      ]) {
        const dry = await revokeAll('owner.two', {
          ...selector,
          reason,
          dryRun: true,
        });
        expect(dry.status).toBe(200);
        const ids = dry.body.grants.map((g: any) => g.id);
        expect(ids).toContain(pets.grantId);
        expect(ids).not.toContain(plainGrant);
        expect(dry.body.grants.every((g: any) => g.apiRef === PETS)).toBe(true);
        expect(dry.body.leftOut).toBeGreaterThanOrEqual(1);
      }
      const real = await revokeAll('owner.two', {
        requesterRef: REQUESTER,
        reason,
      });
      expect(real.status).toBe(201);
      expect(real.body.results.map((r: any) => r.grantId)).toContain(
        pets.grantId,
      );
      expect(
        (await knex('api_access_grants').where({ id: plainGrant }).first())
          .status,
      ).toBe('active');
      expect((await introspect(pets.key)).body.active).toBe(false);
      // owner.one started nothing here and the batch names no API: 404.
      expect((await batchOf('owner.one', real.body.batchId)).status).toBe(404);
      expect((await batchOf('owner.two', real.body.batchId)).status).toBe(200);

      // An admin gets every grant, plain's too, and leaves nothing out.
      const admin = await revokeAll('admin.one', {
        consumerRef: CONSUMER,
        reason,
        dryRun: true,
      });
      expect(admin.body.grants.map((g: any) => g.id)).toContain(plainGrant);
      expect(admin.body.leftOut).toBe(0);
    });

    it('a single revocation racing the batch is reported per grant, and no grant is revoked twice', async () => {
      gateway.release();
      const grants = [];
      for (let i = 0; i < 6; i += 1) grants.push(await grantWithKey());
      // The batch goes newest first: the oldest grant is revoked by its
      // requester while the batch is busy with the first one.
      const oldest = grants[0].grantId;
      duringBatch = async () => {
        const single = await http.call(
          'post',
          `/grants/${oldest}/revoke`,
          as('requester'),
          { reason: 'I revoke my own key.' },
        );
        expect(single.status).toBe(200);
      };
      // And a second single revocation truly concurrent with the batch.
      const [batch, concurrent] = await Promise.all([
        revokeAll('owner.one', {
          apiRef: PETS,
          reason: 'Key leaked in a public repository.',
        }),
        http.call(
          'post',
          `/grants/${grants[3].grantId}/revoke`,
          as('requester'),
          {
            reason: 'Racing the batch.',
          },
        ),
      ]);
      expect(batch.status).toBe(201);
      expect(duringBatch).toBeUndefined();
      const outcomeOf = (id: string) =>
        batch.body.results.find((r: any) => r.grantId === id);
      expect(outcomeOf(oldest)).toEqual({
        grantId: oldest,
        outcome: 'already_ended',
        status: 'revoked',
      });
      // Whoever won the true race, exactly one of the two revoked it.
      // The single route won (before or after the batch selected), or the
      // batch did and the single route was told 409.
      const raced = outcomeOf(grants[3].grantId);
      expect([
        [200, 'not selected'],
        [200, 'already_ended'],
        [409, 'revoked'],
      ]).toContainEqual([concurrent.status, raced?.outcome ?? 'not selected']);
      for (const { grantId, key } of grants) {
        const row = await knex('api_access_grants')
          .where({ id: grantId })
          .first();
        expect(row.status).toBe('revoked');
        const revokedEvents = await knex('api_access_audit_events').where({
          subject_id: grantId,
          action: 'grant.revoked',
        });
        expect({ grantId, events: revokedEvents.length }).toEqual({
          grantId,
          events: 1,
        });
        expect((await introspect(key)).body.active).toBe(false);
      }
      const progress = await untilDone('owner.one', batch.body.batchId);
      expect(progress.counts.alreadyEnded).toBeGreaterThanOrEqual(1);
      expect(progress.done).toBe(true);
    });

    it(`refuses more than ${MAX_INCIDENT_REVOCATION_GRANTS} grants, and revokes a few hundred at a measured rate`, async () => {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + 30 * 24 * 3600 * 1000);
      const N = 300;
      const rows = MAX_INCIDENT_REVOCATION_GRANTS + 1;
      for (let i = 0; i < rows; i += 1) {
        await insertApprovedGrant(knex, {
          createdAt: new Date(now.getTime() - i * 1000),
          expiresAt,
          apiRef: 'api:default/weather',
          consumerRef:
            i < N ? 'component:default/bulk-a' : 'component:default/bulk-b',
        });
      }
      const tooMany = await revokeAll('admin.one', {
        apiRef: 'api:default/weather',
        reason: 'Too wide on purpose.',
        dryRun: true,
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.message).toContain(
        `${rows} active grants match`,
      );
      expect(tooMany.body.error.message).toContain('narrow');

      const started = process.hrtime.bigint();
      const response = await revokeAll('admin.one', {
        consumerRef: 'component:default/bulk-a',
        reason: 'The consumer was compromised.',
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(response.status).toBe(201);
      expect(response.body.counts).toEqual({
        revoked: N,
        alreadyEnded: 0,
        failed: 0,
      });
      const done = await untilDone('admin.one', response.body.batchId);
      expect(done.counts.confirmed).toBe(N);
      // eslint-disable-next-line no-console
      console.log(
        `[incident revocation ${databaseId}] ${N} grants revoked in ${Math.round(
          ms,
        )} ms: ${Math.round((N * 1000) / ms)} revocations/s`,
      );
    }, 180_000);
  },
);
