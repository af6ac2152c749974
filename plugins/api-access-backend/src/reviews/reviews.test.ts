/*
 * Review deadlines over HTTP, on SQLite and PostgreSQL, with the plugin's
 * clock replaced: an escalated step decided by the escalation group,
 * delegation (every refused case, then the delegate deciding), and time to
 * decision on a small known data set.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { Knex } from 'knex';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import { apiAccessClockServiceRef } from '../clock';

const databases = createTestDatabases();
const HOUR = 60 * 60 * 1000;

const sent: Array<{ to: string[]; title: string }> = [];
const recordingNotifications = createServiceFactory({
  service: notificationService,
  deps: {},
  factory: () => ({
    async send(options: any) {
      sent.push({
        to: options.recipients.entityRef,
        title: options.payload.title,
      });
    },
  }),
});

const user = (name: string) => `user:default/${name}`;
const as = (name: string) => mockCredentials.user.header(user(name));

const sandboxDraft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['pets:read'],
  useCase: 'Show pet names on the team-a dashboard.',
  justification: 'Requested by product for the spring release.',
  credentialStorage:
    'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
  durationDays: 30,
};
const productionDraft = { ...sandboxDraft, environment: 'production' };
const plainDraft = {
  ...sandboxDraft,
  apiRef: 'api:default/plain',
  environment: 'development',
  scopes: [],
};

const deadlines = {
  reminderAfterHours: 48,
  escalateAfterHours: 120,
  escalateTo: 'group:default/legal',
};

describe.each(databases.eachSupportedId())(
  'review deadlines over HTTP on %p',
  databaseId => {
    let server: any;
    let knex: Knex;
    let stop: () => Promise<void>;
    let now = new Date('2031-06-01T08:00:00Z');
    const clock = { now: () => now };

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: { deadlines },
        },
        extraFeatures: [
          recordingNotifications,
          createServiceFactory({
            service: apiAccessClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
        ],
        waitFor: [
          'api:default/pets',
          'api:default/plain',
          'component:default/team-a-service',
          'user:default/owner.two',
          'user:default/legal.one',
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    const submit = async (by: string, body: object) => {
      const response = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as(by))
        .send(body);
      expect(response.status).toBe(201);
      return response.body;
    };
    const decide = (by: string, id: string, body: object) =>
      request(server)
        .post(`/api/api-access/requests/${id}/decisions`)
        .set('Authorization', as(by))
        .send(body);
    const delegate = (by: string, id: string, stepId: string, body: object) =>
      request(server)
        .post(`/api/api-access/requests/${id}/steps/${stepId}/delegate`)
        .set('Authorization', as(by))
        .send(body);
    const read = async (by: string, id: string) =>
      (
        await request(server)
          .get(`/api/api-access/requests/${id}`)
          .set('Authorization', as(by))
      ).body;
    const history = async (by: string, id: string) =>
      (
        await request(server)
          .get(`/api/api-access/audit?subjectId=${id}`)
          .set('Authorization', as(by))
      ).body.items;
    const metrics = (by: string, query: string) =>
      request(server)
        .get(`/api/api-access/metrics/time-to-decision?${query}`)
        .set('Authorization', as(by));
    it('lets the escalation group decide a step once it was escalated', async () => {
      now = new Date('2031-06-01T08:00:00Z');
      const created = await submit('requester', sandboxDraft);
      expect(created.steps[0]).toMatchObject({
        name: 'owner',
        status: 'pending',
        pendingSince: now.toISOString(),
      });
      expect(created.steps[0].escalatedTo).toBeUndefined();

      // Before escalation legal is nobody here.
      expect(
        (await decide('legal.one', created.id, { decision: 'approve' })).status,
      ).toBe(403);

      // The plugin's lifecycle tick runs the rule (here on demand, as an admin).
      now = new Date(now.getTime() + 121 * HOUR);
      const tick = await request(server)
        .post('/api/api-access/admin/lifecycle/run')
        .set('Authorization', as('admin.one'));
      expect(tick.status).toBe(200);
      expect(tick.body.rules['review-deadlines']).not.toHaveProperty('error');
      expect(
        sent.filter(n => n.to.includes('group:default/legal')).length,
      ).toBeGreaterThanOrEqual(1);
      const escalated = await read('legal.one', created.id);
      expect(escalated.steps[0]).toMatchObject({
        status: 'pending',
        reviewerRef: 'group:default/team-c',
        escalatedTo: 'group:default/legal',
      });
      const inbox = await request(server)
        .get('/api/api-access/requests?view=reviewable')
        .set('Authorization', as('legal.one'));
      expect(inbox.body.items.map((r: any) => r.id)).toContain(created.id);

      // The rules still hold for the escalation group: not their own request.
      const decided = await decide('legal.one', created.id, {
        decision: 'approve',
        comment: 'Escalated; fine for sandbox.',
      });
      expect(decided.status).toBe(201);
      expect(decided.body.status).toBe('approved');
      const actions = (await history('requester', created.id)).map(
        (e: any) => e.action,
      );
      expect(actions).toEqual(
        expect.arrayContaining([
          'step.reminded',
          'step.escalated',
          'step.approval_recorded',
          'request.approved',
        ]),
      );
      expect(actions.filter((a: string) => a.startsWith('step.re'))).toEqual([
        'step.reminded',
      ]);
      expect(
        actions.filter((a: string) => a === 'step.escalated'),
      ).toHaveLength(1);
      const approval = (await history('requester', created.id)).find(
        (e: any) => e.action === 'step.approval_recorded',
      );
      expect(approval).toMatchObject({
        actorRef: user('legal.one'),
        details: { escalatedTo: 'group:default/legal' },
      });
    });

    it('delegates a pending step within its group, refusing every bad case', async () => {
      now = new Date('2031-07-01T08:00:00Z');
      const created = await submit('requester', sandboxDraft);
      const stepId = created.steps[0].id;
      const expectError = async (
        response: request.Response,
        status: number,
        message: RegExp,
      ) => {
        expect(response.status).toBe(status);
        expect(response.body.error.message).toMatch(message);
      };

      await expectError(
        await delegate('sec.one', created.id, stepId, {
          to: user('owner.two'),
        }),
        403,
        /Only members of group:default\/team-c can delegate this step/,
      );
      await expectError(
        await delegate('owner.one', created.id, stepId, {
          to: user('owner.one'),
        }),
        400,
        /cannot delegate a step to yourself/,
      );
      await expectError(
        await delegate('owner.one', created.id, stepId, {
          to: user('requester'),
        }),
        400,
        /must not be the requester/,
      );
      await expectError(
        await delegate('owner.one', created.id, stepId, {
          to: user('sec.one'),
        }),
        400,
        /user:default\/sec.one is not a member of group:default\/team-c/,
      );
      await expectError(
        await delegate('owner.one', created.id, stepId, { to: user('nobody') }),
        400,
        /user:default\/nobody is not a user in the catalog/,
      );
      await expectError(
        await delegate('owner.one', created.id, stepId, {
          to: 'group:default/team-c',
        }),
        400,
        /Invalid delegation: to must refer to an entity of kind user/,
      );
      await expectError(
        await delegate('owner.one', created.id, stepId, {}),
        400,
        /to is required/,
      );
      await expectError(
        await delegate('owner.one', created.id, 'no-such-step', {
          to: user('owner.two'),
        }),
        404,
        /has no step 'no-such-step'/,
      );
      await expectError(
        await delegate('owner.one', 'no-such-request', stepId, {
          to: user('owner.two'),
        }),
        404,
        /No access request 'no-such-request'/,
      );

      const sentBefore = sent.length;
      const delegated = await delegate('owner.one', created.id, stepId, {
        to: user('owner.two'),
        comment: 'You know this consumer.',
      });
      expect(delegated.status).toBe(200);
      expect(delegated.body.steps[0]).toMatchObject({
        id: stepId,
        status: 'pending',
        delegateRef: user('owner.two'),
      });
      expect(
        sent.slice(sentBefore).filter(n => n.to.includes(user('owner.two'))),
      ).toEqual([
        {
          to: [user('owner.two')],
          title: expect.stringContaining(
            'user:default/owner.one delegated the owner review',
          ),
        },
      ]);
      const event = (await history('requester', created.id)).find(
        (e: any) => e.action === 'step.delegated',
      );
      expect(event).toMatchObject({
        actorRef: user('owner.one'),
        details: {
          step: 'owner',
          reviewerRef: 'group:default/team-c',
          from: user('owner.one'),
          to: user('owner.two'),
          comment: 'You know this consumer.',
          round: 1,
        },
      });
      await expectError(
        await delegate('owner.one', created.id, stepId, {
          to: user('owner.two'),
        }),
        409,
        /already delegated to user:default\/owner.two/,
      );

      // The delegate decides.
      const decided = await decide('owner.two', created.id, {
        decision: 'approve',
      });
      expect(decided.status).toBe(201);
      expect(decided.body.status).toBe('approved');
      await expectError(
        await delegate('owner.one', created.id, stepId, {
          to: user('owner.sec'),
        }),
        409,
        /The request is approved; only a step awaiting a decision can be delegated/,
      );
    });

    it('still lets the rest of the group decide a delegated step, and refuses the requester and those who decided', async () => {
      now = new Date('2031-07-02T08:00:00Z');
      const created = await submit('requester', productionDraft);
      const [owner, security] = created.steps;
      expect(
        (
          await delegate('owner.one', created.id, owner.id, {
            to: user('owner.two'),
          })
        ).status,
      ).toBe(200);
      // Another member of team-c decides it anyway.
      expect(
        (await decide('owner.sec', created.id, { decision: 'approve' })).status,
      ).toBe(201);
      const afterOwner = await read('requester', created.id);
      expect(afterOwner.steps.map((s: any) => s.status)).toEqual([
        'approved',
        'pending',
      ]);
      expect(afterOwner.steps[1].pendingSince).toBe(now.toISOString());
      // owner.sec is in security too, but decided a step of this round.
      const refused = await delegate('sec.one', created.id, security.id, {
        to: user('owner.sec'),
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(
        /user:default\/owner.sec has already decided a step of this request in this round/,
      );

      // A requester in the reviewing group cannot hand their own request on.
      const own = await submit('both.teams', sandboxDraft);
      const mine = await delegate('both.teams', own.id, own.steps[0].id, {
        to: user('owner.one'),
      });
      expect(mine.status).toBe(403);
      expect(mine.body.error.message).toMatch(
        /cannot delegate a step of an access request you made/,
      );
      const toRequester = await delegate('owner.one', own.id, own.steps[0].id, {
        to: user('both.teams'),
      });
      expect(toRequester.status).toBe(400);
    });

    it('measures p50 and p90 time to decision per API and stage', async () => {
      const t1 = new Date('2032-01-01T00:00:00Z');
      const after = (hours: number) => new Date(t1.getTime() + hours * HOUR);
      // Owner stage of pets: decided after 1, 2, 3, 4 and 10 hours.
      for (const hours of [1, 2, 3, 4, 10]) {
        now = t1;
        const created = await submit('requester', sandboxDraft);
        now = after(hours);
        expect(
          (await decide('owner.one', created.id, { decision: 'approve' }))
            .status,
        ).toBe(201);
      }
      // Changes requested after 6 hours count as a decision of the step.
      now = t1;
      const sentBack = await submit('requester', sandboxDraft);
      now = after(6);
      expect(
        (
          await decide('owner.two', sentBack.id, {
            decision: 'request_changes',
            comment: 'Say which dashboard.',
          })
        ).status,
      ).toBe(201);
      // Production: owner after 2 hours, then security 5 hours after it opened.
      now = t1;
      const production = await submit('requester', productionDraft);
      now = after(2);
      expect(
        (await decide('owner.one', production.id, { decision: 'approve' }))
          .status,
      ).toBe(201);
      now = after(7);
      expect(
        (await decide('sec.one', production.id, { decision: 'approve' }))
          .status,
      ).toBe(201);
      // plain, owned by owner.one: 8 hours.
      now = t1;
      const plain = await submit('requester', plainDraft);
      now = after(8);
      expect(
        (await decide('owner.one', plain.id, { decision: 'approve' })).status,
      ).toBe(201);
      // Still pending: not counted.
      now = t1;
      await submit('requester', sandboxDraft);

      now = after(24);
      const period = `from=${t1.toISOString()}&to=${after(24).toISOString()}`;
      const report = await metrics('stranger', period);
      expect(report.status).toBe(200);
      expect(report.body).toEqual({
        from: t1.toISOString(),
        to: after(24).toISOString(),
        // 1 2 2 3 4 5 6 8 10
        overall: { count: 9, p50Hours: 4, p90Hours: 8.4 },
        byApi: [
          // 1 2 2 3 4 5 6 10: p50 between 3 and 4, p90 at rank 6.3
          {
            apiRef: 'api:default/pets',
            count: 8,
            p50Hours: 3.5,
            p90Hours: 7.2,
          },
          { apiRef: 'api:default/plain', count: 1, p50Hours: 8, p90Hours: 8 },
        ],
        byApiAndStage: [
          // 1 2 2 3 4 6 10
          {
            apiRef: 'api:default/pets',
            stage: 'owner',
            count: 7,
            p50Hours: 3,
            p90Hours: 7.6,
          },
          {
            apiRef: 'api:default/pets',
            stage: 'security',
            count: 1,
            p50Hours: 5,
            p90Hours: 5,
          },
          {
            apiRef: 'api:default/plain',
            stage: 'owner',
            count: 1,
            p50Hours: 8,
            p90Hours: 8,
          },
        ],
        byStage: [
          // 1 2 2 3 4 6 8 10
          { stage: 'owner', count: 8, p50Hours: 3.5, p90Hours: 8.6 },
          { stage: 'security', count: 1, p50Hours: 5, p90Hours: 5 },
        ],
        truncated: false,
      });

      // One API; and a period that starts after the first decisions.
      const pets = await metrics(
        'owner.one',
        `${period}&apiRef=api:default/pets`,
      );
      expect(pets.body.apiRef).toBe('api:default/pets');
      expect(pets.body.byApi.map((r: any) => r.apiRef)).toEqual([
        'api:default/pets',
      ]);
      const later = await metrics(
        'owner.one',
        `from=${after(5).toISOString()}&to=${after(9).toISOString()}`,
      );
      // Decided at 6 (changes), 7 (security) and 8 (plain).
      expect(later.body.overall).toEqual({
        count: 3,
        p50Hours: 6,
        p90Hours: 7.6,
      });

      // The default period is the 90 days before now.
      const recent = await metrics('owner.one', '');
      expect(recent.body.to).toBe(after(24).toISOString());
      expect(recent.body.from).toBe(
        new Date(after(24).getTime() - 90 * 24 * HOUR).toISOString(),
      );
      expect(recent.body.overall.count).toBeGreaterThanOrEqual(9);
    });

    it('holds delegation to its 16 KB body limit', async () => {
      const created = await submit('requester', sandboxDraft);
      const stepId = created.steps[0].id;
      const base = { to: user('owner.two'), comment: 'On leave' };
      const sized = (bytes: number) => {
        const empty = JSON.stringify({ ...base, pad: '' }).length;
        return JSON.stringify({ ...base, pad: 'x'.repeat(bytes - empty) });
      };
      const send = (body: string) =>
        request(server)
          .post(
            `/api/api-access/requests/${created.id}/steps/${stepId}/delegate`,
          )
          .set('Authorization', as('owner.one'))
          .set('Content-Type', 'application/json')
          .send(body);
      const tooBig = await send(sized(16 * 1024 + 1));
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.error.message).toBe(
        'Invalid delegation: the body must be at most 16384 bytes (16 KB)',
      );
      // At the limit the body is read: the delegation goes through.
      expect((await send(sized(16 * 1024))).status).toBe(200);
    });

    it('answers 400 for a bad period', async () => {
      const bad = await metrics('owner.one', 'from=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/from must be an ISO 8601 date/);
      const backwards = await metrics(
        'owner.one',
        'from=2032-02-01&to=2032-01-01',
      );
      expect(backwards.status).toBe(400);
      expect(backwards.body.error.message).toMatch(/from must be before to/);
      const api = await metrics('owner.one', 'apiRef=component:default/x');
      expect(api.status).toBe(400);
    });
  },
);
