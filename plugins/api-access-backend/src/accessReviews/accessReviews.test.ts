/*
 * Periodic access reviews over HTTP, on SQLite and PostgreSQL: the lifecycle
 * task (run on demand through a mock scheduler, with the plugin's clock
 * faked) starts a campaign at the period; owners answer keep or revoke on
 * the routes the Group page uses; a revoked key stops at introspection; at
 * the due date unanswered grants are revoked; the history has every step.
 */
import {
  ServiceFactory,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../__testUtils__/testBackend';
import { apiAccessClockServiceRef } from '../clock';

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const DAY = 24 * 60 * 60 * 1000;
const TEAM_C = 'group:default/team-c';

describe.each(databases.eachSupportedId())(
  'access reviews over HTTP on %p',
  databaseId => {
    let server: any;
    let stop: () => Promise<void>;
    let fakeNow = Date.parse('2026-09-20T09:00:00Z');
    const clock = { now: () => new Date(fakeNow) };
    // The mock scheduler runs a task when told to (typed as a plain SchedulerService).
    const scheduler = mockServices.scheduler() as unknown as {
      factory(options?: { skipTaskRunOnStartup?: boolean }): ServiceFactory;
      triggerTask(id: string): Promise<void>;
    };

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: {
            gateway: TEST_GATEWAY,
            // admin.one is an admin (the test policy grants it
            // api-access.admin); requester (team-a) is not an owner.
          },
        },
        extraFeatures: [
          scheduler.factory({ skipTaskRunOnStartup: true }),
          createServiceFactory({
            service: apiAccessClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    const tick = () => scheduler.triggerTask('api-access-lifecycle');

    /** A read-only pets key for team-a-service, approved by team-c. */
    async function grantWithKey(environment = 'sandbox') {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/team-a-service',
          environment,
          scopes: ['pets:read'],
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays: 60,
        });
      expect(created.status).toBe(201);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(approved.body.status).toBe('approved');
      const grantId: string = approved.body.grantId;
      const issued = await request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '1' });
      expect(issued.status).toBe(201);
      return { grantId, key: issued.body.secret as string };
    }

    const introspect = async (token: string) =>
      (
        await request(server)
          .post('/api/api-access/introspect')
          .set('Authorization', mockCredentials.service.header())
          .type('form')
          .send({ token })
      ).body;

    const list = (by: string, query = `ownerRef=${TEAM_C}`) =>
      request(server)
        .get(`/api/api-access/access-reviews?${query}`)
        .set('Authorization', as(by));

    const answer = (
      by: string,
      reviewId: string,
      grantId: string,
      body: object,
    ) =>
      request(server)
        .post(`/api/api-access/access-reviews/${reviewId}/items/${grantId}`)
        .set('Authorization', as(by))
        .send(body);

    let first: { grantId: string; key: string };
    let second: { grantId: string; key: string };
    let reviewId: string;

    it('starts a campaign for the owner at the period, with every active grant, once', async () => {
      first = await grantWithKey();
      second = await grantWithKey();
      // In the period that began 2026-06-30 both grants are too young.
      fakeNow = Date.parse('2026-09-21T09:00:00Z');
      await tick();
      expect((await list('owner.one')).body).toEqual({ items: [] });

      // The period starting 2026-09-28 reviews them.
      fakeNow = Date.parse('2026-09-28T00:10:00Z');
      await tick();
      await tick();
      const response = await list('owner.one');
      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(1);
      const [review] = response.body.items;
      reviewId = review.id;
      expect(review).toMatchObject({
        ownerRef: TEAM_C,
        period: '2026-09-28',
        trigger: 'scheduled',
        status: 'open',
        dueAt: '2026-10-12T00:10:00.000Z',
      });
      expect(review.items.map((item: any) => item.grantId).sort()).toEqual(
        [first.grantId, second.grantId].sort(),
      );
      const item = review.items.find((i: any) => i.grantId === first.grantId);
      expect(item.grant).toMatchObject({
        consumerRef: 'component:default/team-a-service',
        apiRef: 'api:default/pets',
        environment: 'sandbox',
        scopes: ['pets:read'],
        status: 'active',
        expiresAt: '2026-11-19T09:00:00.000Z',
      });
      expect(first.key.startsWith(item.grant.credential.prefix)).toBe(true);
      // Without ownerRef: every campaign of the caller's groups.
      expect((await list('owner.two', '')).body.items).toHaveLength(1);
    });

    it('refuses non-members, needs a comment, and takes keep and revoke once each', async () => {
      expect((await list('requester')).status).toBe(403);
      expect((await list('requester', '')).body).toEqual({ items: [] });
      const keep = { decision: 'keep', comment: 'Dashboard still reads it' };
      const byRequester = await answer(
        'requester',
        reviewId,
        first.grantId,
        keep,
      );
      expect(byRequester.status).toBe(403);
      expect(
        (await answer('partner.person', reviewId, first.grantId, keep)).status,
      ).toBe(403);

      const noComment = await answer('owner.one', reviewId, first.grantId, {
        decision: 'keep',
      });
      expect(noComment.status).toBe(400);
      expect(noComment.body.error.message).toBe(
        'Invalid answer: comment is required: say why the access is still needed',
      );
      expect(
        (
          await answer('owner.one', reviewId, first.grantId, {
            decision: 'maybe',
            comment: 'hmm',
          })
        ).status,
      ).toBe(400);

      fakeNow = Date.parse('2026-09-29T10:00:00Z');
      const kept = await answer('owner.one', reviewId, first.grantId, keep);
      expect(kept.status).toBe(201);
      expect(
        kept.body.items.find((i: any) => i.grantId === first.grantId),
      ).toMatchObject({
        decision: 'keep',
        comment: 'Dashboard still reads it',
        decidedBy: 'user:default/owner.one',
        decidedAt: '2026-09-29T10:00:00.000Z',
      });
      expect(kept.body.status).toBe('open');
      const again = await answer('owner.two', reviewId, first.grantId, {
        decision: 'revoke',
        comment: 'No, revoke it',
      });
      expect(again.status).toBe(409);

      expect((await introspect(second.key)).active).toBe(true);
      const revoked = await answer('owner.two', reviewId, second.grantId, {
        decision: 'revoke',
        comment: 'The spike ended',
      });
      expect(revoked.status).toBe(201);
      expect(await introspect(second.key)).toEqual({ active: false });
      expect((await introspect(first.key)).active).toBe(true);
      expect(revoked.body.status).toBe('closed');
      const grants = await request(server)
        .get(
          '/api/api-access/grants?consumerRef=component:default/team-a-service',
        )
        .set('Authorization', as('requester'));
      expect(
        grants.body.items.find((g: any) => g.id === second.grantId),
      ).toMatchObject({
        status: 'revoked',
        revokedBy: 'user:default/owner.two',
        revocationReason: 'The spike ended',
      });

      // Closed: gone from the open list, answers refused.
      expect((await list('owner.one')).body.items).toEqual([]);
      const all = await list('owner.one', `ownerRef=${TEAM_C}&status=all`);
      expect(all.body.items.map((r: any) => r.status)).toEqual(['closed']);
      expect(
        (await answer('owner.one', reviewId, second.grantId, keep)).status,
      ).toBe(409);

      const history = await request(server)
        .get(`/api/api-access/access-reviews/${reviewId}/history`)
        .set('Authorization', as('owner.one'));
      expect(
        history.body.items.map((e: any) => `${e.action} ${e.actorRef}`),
      ).toEqual([
        'access-review.started api-access',
        'access-review.kept user:default/owner.one',
        'grant.revoked user:default/owner.two',
        'access-review.revoked user:default/owner.two',
        'access-review.closed user:default/owner.two',
      ]);
      expect(
        (
          await request(server)
            .get(`/api/api-access/access-reviews/${reviewId}/history`)
            .set('Authorization', as('requester'))
        ).status,
      ).toBe(403);
      // The requester sees the answer in the grant's own history.
      const grantHistory = await request(server)
        .get(`/api/api-access/audit?subjectId=${second.grantId}`)
        .set('Authorization', as('requester'));
      expect(grantHistory.body.items.map((e: any) => e.action)).toEqual(
        expect.arrayContaining(['grant.revoked', 'access-review.revoked']),
      );
    });

    it('starts a review on demand for admins only, and revokes what is unanswered at the due date', async () => {
      const third = await grantWithKey();
      const run = (by: string, body: object) =>
        request(server)
          .post('/api/api-access/access-reviews/run')
          .set('Authorization', as(by))
          .send(body);
      expect((await run('owner.one', { ownerRef: TEAM_C })).status).toBe(403);
      expect((await run('owner.one', {})).status).toBe(403);
      // Not an admin: only the permission policy makes one.
      expect((await run('outsider', {})).status).toBe(403);
      expect((await run('admin.one', { ownerRef: 'nope' })).status).toBe(400);
      const started = await run('admin.one', { ownerRef: TEAM_C });
      expect(started.status).toBe(201);
      expect(started.body.items).toHaveLength(1);
      const review = started.body.items[0];
      expect(review).toMatchObject({
        trigger: 'manual',
        startedBy: 'user:default/admin.one',
      });
      // Every active grant: the one kept earlier and the new one.
      expect(review.items.map((i: any) => i.grantId).sort()).toEqual(
        [first.grantId, third.grantId].sort(),
      );
      await answer('owner.one', review.id, first.grantId, {
        decision: 'keep',
        comment: 'Still needed',
      });

      fakeNow = Date.parse(review.dueAt) - 60_000;
      await tick();
      expect((await introspect(third.key)).active).toBe(true);
      fakeNow = Date.parse(review.dueAt) + DAY / 24;
      await tick();
      expect(await introspect(third.key)).toEqual({ active: false });
      expect((await introspect(first.key)).active).toBe(true);
      const closed = await request(server)
        .get(`/api/api-access/access-reviews/${review.id}`)
        .set('Authorization', as('owner.two'));
      expect(closed.body.status).toBe('closed');
      expect(
        closed.body.items.find((i: any) => i.grantId === third.grantId),
      ).toMatchObject({
        decision: 'revoke',
        decidedBy: 'api-access',
        grant: { status: 'revoked', revokedBy: 'api-access' },
      });
      const history = await request(server)
        .get(`/api/api-access/access-reviews/${review.id}/history`)
        .set('Authorization', as('admin.one'));
      expect(history.body.items.map((e: any) => e.action)).toEqual([
        'access-review.started',
        'access-review.kept',
        // The tick a minute before the due date sent the last reminder.
        'access-review.reminded',
        'grant.revoked',
        'access-review.revoked',
        'access-review.closed',
      ]);
      const verify = await request(server)
        .get('/api/api-access/audit/verify')
        .set('Authorization', as('admin.one'));
      expect(verify.body.ok).toBe(true);
    });

    it('holds the access-review routes to their 16 KB body limit', async () => {
      /** A JSON body of exactly `bytes` bytes. */
      const sized = (bytes: number, base: object) => {
        const empty = JSON.stringify({ ...base, pad: '' }).length;
        return JSON.stringify({ ...base, pad: 'x'.repeat(bytes - empty) });
      };
      const post = (path: string, body: string) =>
        request(server)
          .post(`/api/api-access${path}`)
          .set('Authorization', as('admin.one'))
          .set('Content-Type', 'application/json')
          .send(body);
      const routes = [
        { path: '/access-reviews/run', base: { ownerRef: 'nope' } },
        {
          path: '/access-reviews/no-review/items/no-grant',
          base: { decision: 'keep', comment: 'Still needed' },
        },
      ];
      for (const { path, base } of routes) {
        const tooBig = await post(path, sized(16 * 1024 + 1, base));
        expect(tooBig.status).toBe(413);
        expect(tooBig.body.error.message).toBe(
          'Invalid access review: the body must be at most 16384 bytes (16 KB)',
        );
        // At the limit the body is read, and judged on its content (an
        // unknown owner is a 400, an unknown campaign a 404).
        const atLimit = await post(path, sized(16 * 1024, base));
        expect([400, 404]).toContain(atLimit.status);
      }
    });

    it('opens one manual campaign however many starts race, and answers the open one after', async () => {
      // The campaign of the test before is closed; first is still active.
      const run = () =>
        request(server)
          .post('/api/api-access/access-reviews/run')
          .set('Authorization', as('admin.one'))
          .send({ ownerRef: TEAM_C });
      // Each start reads its own millisecond, as real racing calls do, so
      // the manual periods differ and only the open-manual key can hold.
      const frozen = clock.now;
      clock.now = () => new Date(fakeNow++);
      const responses = await Promise.all(Array.from({ length: 10 }, run));
      clock.now = frozen;
      const statuses = responses.map(r => r.status).sort();
      expect(statuses).toEqual([
        200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
      ]);
      const ids = new Set(responses.map(r => r.body.items[0]?.id));
      expect(ids.size).toBe(1);
      const open = await list('owner.one', `ownerRef=${TEAM_C}&status=open`);
      expect(
        open.body.items.filter((r: any) => r.trigger === 'manual'),
      ).toEqual([expect.objectContaining({ id: [...ids][0], status: 'open' })]);
      // Later, while it is open: the same campaign, 200.
      const again = await run();
      expect(again.status).toBe(200);
      expect(again.body.items.map((r: any) => r.id)).toEqual([...ids]);
    });
  },
);
