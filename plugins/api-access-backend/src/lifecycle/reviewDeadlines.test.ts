/*
 * The review-deadlines rule with a fake clock, on both databases: a reminder
 * exactly once after the deadline and nothing before, an escalation once
 * after the escalation period (recorded on the step and in the history),
 * per-step overrides, decided steps and ended rounds left alone, and two
 * ticks at once doing each piece of work once.
 */
import { randomUUID } from 'node:crypto';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { parseReviewPolicy } from '@api-access/backstage-plugin-api-access-common';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { AuditLog } from '../audit/AuditLog';
import { RequestNotification } from '../notifications/Notifier';
import { createReviewDeadlinesRule } from './reviewDeadlines';

const databases = createTestDatabases();
const HOUR = 60 * 60 * 1000;
const T0 = new Date('2031-03-02T09:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);

interface StepSpec {
  name: string;
  reviewerRef: string;
  stageIndex?: number;
  status?: string;
  /** Hours after T0 the step opened; null for a step written before the column existed. */
  openedAt?: number | null;
}

/** A request in review with its steps, written straight to the tables. */
async function insertRequest(
  knex: Knex,
  steps: StepSpec[],
  options: { status?: string; round?: number; apiRef?: string } = {},
) {
  const id = randomUUID();
  await knex('api_access_requests').insert({
    id,
    api_ref: options.apiRef ?? 'api:default/pets',
    consumer_ref: 'component:default/team-a-service',
    consumer_kind: 'internal',
    requester_ref: 'user:default/requester',
    owner_ref: 'group:default/team-c',
    environment: 'production',
    scopes: '["pets:read"]',
    credential_type: 'api-key',
    use_case: 'x',
    justification: 'x',
    credential_storage: 'x',
    duration_days: 30,
    approved_scopes: '["pets:read"]',
    approved_duration_days: 30,
    classification_level: 'internal',
    classification_source: 'default',
    plan: '{"stages":[],"autoApproved":false}',
    review_round: options.round ?? 1,
    status: options.status ?? 'in_review',
    version: 1,
    created_at: T0,
    updated_at: T0,
  });
  const ids: string[] = [];
  for (const [i, step] of steps.entries()) {
    const stepId = randomUUID();
    ids.push(stepId);
    await knex('api_access_review_steps').insert({
      id: stepId,
      request_id: id,
      review_round: options.round ?? 1,
      stage_index: step.stageIndex ?? 0,
      stage_name: step.name === 'owner' ? 'Owner' : 'Review',
      step_index: i,
      step_name: step.name,
      reviewer_ref: step.reviewerRef,
      quorum: 1,
      reason: 'x',
      rules: '[]',
      status: step.status ?? 'pending',
      pending_since: step.openedAt === null ? null : at(step.openedAt ?? 0),
    });
  }
  return { id, stepIds: ids };
}

describe.each(databases.eachSupportedId())(
  'review deadlines on %p',
  databaseId => {
    let knex: Knex;
    let audit: AuditLog;
    let sent: Array<{ to: string[] } & RequestNotification>;
    const policy = parseReviewPolicy({
      deadlines: {
        reminderAfterHours: 48,
        escalateAfterHours: 120,
        escalateTo: 'group:default/platform',
        byStep: {
          security: {
            reminderAfterHours: 4,
            escalateAfterHours: 8,
            escalateTo: 'group:default/security-leads',
          },
        },
      },
    });

    function rule() {
      return createReviewDeadlinesRule({
        knex,
        policy,
        audit,
        notifier: {
          notify: async (to, notification) =>
            void sent.push({ to, ...notification }),
        },
      });
    }

    async function actions(requestId: string) {
      return (await audit.list(requestId)).map(e => e.action);
    }

    async function step(stepId: string) {
      return knex('api_access_review_steps').where({ id: stepId }).first();
    }

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@api-access/backstage-plugin-api-access-backend',
          'migrations',
        ),
        tableName: 'api_access_knex_migrations',
      });
      audit = new AuditLog(knex);
    });

    beforeEach(async () => {
      sent = [];
      // Each test sees only its own requests.
      await knex('api_access_requests')
        .where({ status: 'in_review' })
        .update({ status: 'withdrawn' });
    });

    it('reminds once after the deadline, escalates once after the escalation period', async () => {
      const request = await insertRequest(knex, [
        { name: 'owner', reviewerRef: 'group:default/team-c', openedAt: 0 },
      ]);
      const [stepId] = request.stepIds;

      // Nothing before the deadline.
      expect(await rule().run(at(47.9))).toEqual({ reminded: 0, escalated: 0 });
      expect(sent).toEqual([]);
      expect(await actions(request.id)).toEqual([]);

      // At the deadline: one reminder to the reviewer group.
      expect(await rule().run(at(48))).toEqual({ reminded: 1, escalated: 0 });
      expect(sent).toEqual([
        expect.objectContaining({
          to: ['group:default/team-c'],
          requestId: request.id,
          title: expect.stringContaining('waited 48 hours'),
        }),
      ]);
      const [reminded] = await audit.list(request.id);
      expect(reminded).toMatchObject({
        action: 'step.reminded',
        actorRef: 'api-access',
        details: {
          step: 'owner',
          reviewerRef: 'group:default/team-c',
          round: 1,
          pendingSince: T0.toISOString(),
          hoursPending: 48,
          reminderAfterHours: 48,
        },
      });

      // Later ticks before the escalation period: nothing more.
      expect(await rule().run(at(60))).toEqual({ reminded: 0, escalated: 0 });
      expect(await rule().run(at(119.9))).toEqual({
        reminded: 0,
        escalated: 0,
      });
      expect(sent).toHaveLength(1);
      expect((await step(stepId)).escalated_to).toBeNull();

      // After the escalation period: escalated once, recorded on the step.
      expect(await rule().run(at(120))).toEqual({ reminded: 0, escalated: 1 });
      expect(sent[1]).toMatchObject({
        to: ['group:default/platform'],
        requestId: request.id,
        title: expect.stringContaining('you may decide it'),
      });
      expect((await step(stepId)).escalated_to).toBe('group:default/platform');
      expect(await rule().run(at(500))).toEqual({ reminded: 0, escalated: 0 });
      expect(sent).toHaveLength(2);
      expect(await actions(request.id)).toEqual([
        'step.reminded',
        'step.escalated',
      ]);
      const escalated = (await audit.list(request.id))[1];
      expect(escalated.details).toMatchObject({
        escalatedTo: 'group:default/platform',
        escalateAfterHours: 120,
        hoursPending: 120,
      });
      expect((await audit.verify()).ok).toBe(true);
    });

    it('reminds and escalates in one tick when the tick comes late', async () => {
      const request = await insertRequest(knex, [
        { name: 'owner', reviewerRef: 'group:default/team-c', openedAt: 0 },
      ]);
      expect(await rule().run(at(200))).toEqual({ reminded: 1, escalated: 1 });
      expect(await actions(request.id)).toEqual([
        'step.reminded',
        'step.escalated',
      ]);
    });

    it('counts from when each step opened and applies per-step deadlines', async () => {
      const request = await insertRequest(knex, [
        {
          name: 'owner',
          reviewerRef: 'group:default/team-c',
          status: 'approved',
          openedAt: 0,
        },
        {
          name: 'security',
          reviewerRef: 'group:default/security',
          stageIndex: 1,
          openedAt: 10,
        },
        {
          name: 'legal',
          reviewerRef: 'group:default/legal',
          stageIndex: 2,
          status: 'waiting',
          openedAt: null,
        },
      ]);
      expect(await rule().run(at(13.9))).toEqual({ reminded: 0, escalated: 0 });
      expect(await rule().run(at(14))).toEqual({ reminded: 1, escalated: 0 });
      expect(sent.map(n => n.to)).toEqual([['group:default/security']]);
      expect(await rule().run(at(18))).toEqual({ reminded: 0, escalated: 1 });
      expect(sent.map(n => n.to)[1]).toEqual(['group:default/security-leads']);
      // The approved owner step and the waiting legal step never count.
      expect(await rule().run(at(1000))).toEqual({
        reminded: 0,
        escalated: 0,
      });
      expect((await audit.list(request.id)).map(e => e.details.step)).toEqual([
        'security',
        'security',
      ]);
    });

    it('reminds the delegate along with the group', async () => {
      const request = await insertRequest(knex, [
        { name: 'owner', reviewerRef: 'group:default/team-c', openedAt: 0 },
      ]);
      await knex('api_access_review_steps')
        .where({ id: request.stepIds[0] })
        .update({ delegate_ref: 'user:default/owner.two' });
      await rule().run(at(48));
      expect(sent[0].to).toEqual([
        'group:default/team-c',
        'user:default/owner.two',
      ]);
      expect((await audit.list(request.id))[0].details.delegateRef).toBe(
        'user:default/owner.two',
      );
    });

    it('leaves requests alone that are no longer in review, and old rounds', async () => {
      await insertRequest(
        knex,
        [{ name: 'owner', reviewerRef: 'group:default/team-c', openedAt: 0 }],
        { status: 'changes_requested' },
      );
      // Round 1's step stays pending after changes were requested; the
      // request is in round 2 now, whose step opened later.
      const resubmitted = await insertRequest(
        knex,
        [{ name: 'owner', reviewerRef: 'group:default/team-c', openedAt: 0 }],
        { round: 1 },
      );
      await knex('api_access_requests')
        .where({ id: resubmitted.id })
        .update({ review_round: 2 });
      expect(await rule().run(at(1000))).toEqual({
        reminded: 0,
        escalated: 0,
      });
      expect(sent).toEqual([]);
    });

    it('falls back to the last change of the request for steps opened before the column existed', async () => {
      const request = await insertRequest(knex, [
        { name: 'owner', reviewerRef: 'group:default/team-c', openedAt: null },
      ]);
      expect(await rule().run(at(47))).toEqual({ reminded: 0, escalated: 0 });
      expect(await rule().run(at(48))).toEqual({ reminded: 1, escalated: 0 });
      expect(await actions(request.id)).toEqual(['step.reminded']);
    });

    it('does nothing without escalateTo, and nothing when the deadlines are 0', async () => {
      const request = await insertRequest(knex, [
        { name: 'owner', reviewerRef: 'group:default/team-c', openedAt: 0 },
      ]);
      const quiet = (deadlines: object) =>
        createReviewDeadlinesRule({
          knex,
          policy: parseReviewPolicy({ deadlines }),
          audit,
          notifier: {
            notify: async (to, n) => void sent.push({ to, ...n }),
          },
        });
      expect(
        await quiet({ reminderAfterHours: 0, escalateAfterHours: 0 }).run(
          at(1000),
        ),
      ).toEqual({ reminded: 0, escalated: 0 });
      expect(await quiet({}).run(at(1000))).toEqual({
        reminded: 1,
        escalated: 0,
      });
      expect(await actions(request.id)).toEqual(['step.reminded']);
    });

    it('sends each reminder and escalation once when two ticks run at once', async () => {
      const requests = await Promise.all(
        [0, 1, 2].map(() =>
          insertRequest(knex, [
            {
              name: 'owner',
              reviewerRef: 'group:default/team-c',
              openedAt: 0,
            },
          ]),
        ),
      );
      const results = await Promise.all([
        rule().run(at(48)),
        rule().run(at(48)),
      ]);
      expect(results[0].reminded + results[1].reminded).toBe(3);
      expect(sent).toHaveLength(3);
      const escalations = await Promise.all([
        rule().run(at(130)),
        rule().run(at(130)),
        rule().run(at(131)),
      ]);
      expect(escalations.reduce((n, r) => n + r.escalated, 0)).toBe(3);
      expect(escalations.reduce((n, r) => n + r.reminded, 0)).toBe(0);
      expect(sent).toHaveLength(6);
      for (const request of requests) {
        expect(await actions(request.id)).toEqual([
          'step.reminded',
          'step.escalated',
        ]);
      }
      expect((await audit.verify()).ok).toBe(true);
    });
  },
);
