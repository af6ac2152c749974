/*
 * Periodic access reviews with a fake clock, on both databases: a campaign per
 * owner and period over the grants active at its start, once however often
 * (or however concurrently) the rule runs; answers; reminders once per
 * window; the unanswered outcome (revoke, or escalate); every step in the
 * history.
 */
import { StakeCheck } from '../reviews/stake';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import { parseReviewPolicy } from '@api-access/backstage-plugin-api-access-common';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';
import { AccessStore } from '../requests/AccessStore';
import { GrantStore } from '../grants/GrantStore';
import { AuditLog } from '../audit/AuditLog';
import { CredentialStore } from '../credentials/CredentialStore';
import { ProvisioningStore } from '../provisioning/ProvisioningStore';
import { LifecycleMarks } from '../lifecycle/LifecycleService';
import { accessReviewRules } from '../lifecycle/accessReviews';
import { Caller } from '../requests/workflowTypes';
import { CredentialService } from '../credentials/CredentialService';
import { GrantService } from '../grants/GrantService';
import { ProvisioningService } from '../provisioning/ProvisioningService';
import { AccessReviewService } from './AccessReviewService';
import { AccessReviewStore } from './AccessReviewStore';

const databases = createTestDatabases();
const DAY = 24 * 60 * 60 * 1000;

function caller(user: string, ...groups: string[]): Caller {
  return {
    userEntityRef: `user:default/${user}`,
    ownershipEntityRefs: [`user:default/${user}`, ...groups],
    credentials: {
      principal: { type: 'user', userEntityRef: `user:default/${user}` },
    } as any,
  };
}

/** The permission policy's answer to api-access.admin: only user:default/admin. */
const testAdmins = {
  isAdmin: async (credentials: any) =>
    credentials?.principal?.userEntityRef === 'user:default/admin',
} as any;

describe.each(databases.eachSupportedId())(
  'AccessReviewService on %p',
  databaseId => {
    let knex: any;
    let now: Date;
    const clock = { now: () => now };
    let notified: Array<{ to: string[]; title: string }>;
    const notifier = {
      notify: async (to: string[], n: { title: string }) => {
        notified.push({ to, title: n.title });
      },
    };
    let owner = 0;
    let ownerRef: string;

    function services(overrides: Record<string, unknown> = {}) {
      const policy = parseReviewPolicy({
        accessReviews: {
          startsOn: '2026-01-01',
          everyDays: 90,
          dueInDays: 14,
          reminderDaysBeforeDue: [7, 1],
          ...overrides,
        },
      });
      const requests = new AccessStore(knex);
      const marks = new LifecycleMarks(knex);
      const access = new GrantStore(knex, marks);
      const audit = new AuditLog(knex);
      const credentialStore = new CredentialStore(knex);
      const provisioning = new ProvisioningService({
        tasks: new ProvisioningStore(knex),
        grants: access,
        audit,
        provisioners: [],
        config: policy,
        logger: mockServices.logger.mock(),
        notifier,
        clock,
      });
      const keys = new CredentialService({
        credentials: credentialStore,
        grants: access,
        audit,
        config: policy,
        clock: () => now,
        provisioning,
      });
      const grants = new GrantService({
        requests,
        grants: access,
        credentialStore,
        audit,
        keys,
        provisioning,
        policy,
        notifier,
        clock,
      });
      const reviews = new AccessReviewService({
        store: new AccessReviewStore(knex),
        access: requests,
        grantStore: access,
        credentials: credentialStore,
        audit,
        grants,
        marks,
        notifier,
        policy,
        clock,
        admins: testAdmins,
        // The catalog is not here: the requester and the recorded owners apply.
        stake: new StakeCheck({ getEntityByRef: async () => undefined } as any),
      });
      return { reviews, grants, keys, audit, access };
    }

    /** An active grant on an API of `ownerRef`, created at `createdAt`. */
    async function grant(createdAt: Date, owner_ref = ownerRef) {
      const id = await insertApprovedGrant(knex, {
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 365 * DAY),
      });
      await knex('api_access_requests')
        .where({ id: `r-${id}` })
        .update({ owner_ref });
      return id;
    }

    const member = () => caller('owner.one', ownerRef);

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@api-access/backstage-plugin-api-access-backend',
          'migrations',
        ),
        tableName: 'api_access_knex_migrations',
      });
    });

    // Each test sees only its own grants and campaigns.
    beforeEach(async () => {
      await knex('api_access_grants')
        .where({ status: 'active' })
        .update({ status: 'expired' });
      await knex('api_access_reviews')
        .where({ status: 'open' })
        .update({ status: 'closed' });
      notified = [];
      owner += 1;
      ownerRef = `group:default/owners-${owner}`;
    });

    it('starts one campaign per owner and period, over the grants active at its start', async () => {
      const { reviews, access, grants } = services();
      // Periods from 2026-01-01 every 90 days: ..., 2026-06-30, 2026-09-28.
      const g1 = await grant(new Date('2026-06-01T09:00:00Z'));
      const g2 = await grant(new Date('2026-06-02T09:00:00Z'));
      const ended = await grant(new Date('2026-06-03T09:00:00Z'));
      const late = await grant(new Date('2026-07-05T09:00:00Z'));
      const otherOwner = 'group:default/newcomers';
      await grant(new Date('2026-07-10T09:00:00Z'), otherOwner);
      now = new Date('2026-07-01T00:00:00Z');
      await grants.revokeAsSystem(ended, 'moved', 'user:default/someone');
      notified = [];

      now = new Date('2026-09-20T10:00:00Z');
      const rules = accessReviewRules(reviews);
      expect(rules.map(rule => rule.name)).toEqual([
        'access-review-campaigns',
        'access-review-reminders',
        'access-review-due',
      ]);
      expect(await rules[0].run(now)).toEqual({ started: 1 });
      const [review] = await reviews.list(
        { ownerRef, status: 'open' },
        member(),
      );
      expect(review).toMatchObject({
        ownerRef,
        period: '2026-06-30',
        trigger: 'scheduled',
        startedBy: 'api-access',
        status: 'open',
        createdAt: '2026-09-20T10:00:00.000Z',
        dueAt: '2026-10-04T10:00:00.000Z',
      });
      expect(review.items.map(item => item.grantId).sort()).toEqual(
        [g1, g2].sort(),
      );
      expect(review.items[0].grant).toMatchObject({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/a',
        environment: 'sandbox',
        scopes: ['pets:read'],
        status: 'active',
      });
      expect(review.items[0].decision).toBeUndefined();
      // The owner of grants younger than the period waits for the next one.
      expect(
        await reviews.list(
          { ownerRef: otherOwner, status: 'all' },
          caller('x', otherOwner),
        ),
      ).toEqual([]);
      expect(notified).toEqual([
        {
          to: [ownerRef],
          title: `Access review for ${ownerRef}: keep or revoke 2 grants by 2026-10-04`,
        },
      ]);

      // Later ticks in the same period start nothing.
      now = new Date('2026-09-20T10:05:00Z');
      expect(await rules[0].run(now)).toEqual({ started: 0 });
      now = new Date('2026-09-27T23:59:00Z');
      expect(await rules[0].run(now)).toEqual({ started: 0 });

      // The next period reviews again, now with the late grant too.
      now = new Date('2026-09-28T00:05:00Z');
      expect(await rules[0].run(now)).toEqual({ started: 2 });
      const next = await reviews.list({ ownerRef, status: 'open' }, member());
      expect(next.map(r => r.period)).toEqual(['2026-09-28', '2026-06-30']);
      expect(next[0].items.map(item => item.grantId).sort()).toEqual(
        [g1, g2, late].sort(),
      );
      expect(await access.getGrant(knex, ended)).toMatchObject({
        status: 'revoked',
      });
    });

    it('starts one campaign when two rule runs (two replicas) race', async () => {
      const first = services();
      const second = services();
      await grant(new Date('2026-06-01T09:00:00Z'));
      await grant(new Date('2026-06-01T10:00:00Z'));
      now = new Date('2026-12-27T08:00:00Z');
      const results = await Promise.all([
        first.reviews.startScheduled(now),
        second.reviews.startScheduled(now),
        first.reviews.startScheduled(now),
      ]);
      expect(results.reduce((sum, r) => sum + r.started, 0)).toBe(1);
      const all = await first.reviews.list(
        { ownerRef, status: 'all' },
        member(),
      );
      expect(all).toHaveLength(1);
      expect(all[0].items).toHaveLength(2);
      const history = await first.reviews.history(all[0].id, member());
      expect(history.map(e => e.action)).toEqual(['access-review.started']);
      expect(notified).toHaveLength(1);
    });

    it('takes keep and revoke answers from members, once each, and closes when all are answered', async () => {
      const { reviews, keys, audit } = services();
      const kept = await grant(new Date('2026-02-01T09:00:00Z'));
      const revoked = await grant(new Date('2026-02-02T09:00:00Z'));
      now = new Date('2026-02-03T09:00:00Z');
      const key = await keys.issue(revoked, '1', caller('requester'));
      expect((await keys.introspect(key.secret)).active).toBe(true);
      now = new Date('2026-04-02T09:00:00Z');
      await reviews.startScheduled(now);
      const [review] = await reviews.list(
        { ownerRef, status: 'open' },
        member(),
      );

      await expect(
        reviews.answer(
          review.id,
          kept,
          { decision: 'keep', comment: 'still used' },
          caller('outsider', 'group:default/security'),
        ),
      ).rejects.toThrow(NotAllowedError);

      now = new Date('2026-04-03T10:00:00Z');
      const afterKeep = await reviews.answer(
        review.id,
        kept,
        { decision: 'keep', comment: 'Nightly sync still needs it' },
        member(),
      );
      expect(afterKeep.status).toBe('open');
      expect(afterKeep.items.find(i => i.grantId === kept)).toMatchObject({
        decision: 'keep',
        comment: 'Nightly sync still needs it',
        decidedBy: 'user:default/owner.one',
        decidedAt: '2026-04-03T10:00:00.000Z',
        grant: { status: 'active' },
      });
      await expect(
        reviews.answer(
          review.id,
          kept,
          { decision: 'revoke', comment: 'changed my mind' },
          member(),
        ),
      ).rejects.toThrow(ConflictError);

      // An admin may answer too; revoke ends the grant at once.
      now = new Date('2026-04-03T11:00:00Z');
      const closed = await reviews.answer(
        review.id,
        revoked,
        { decision: 'revoke', comment: 'Project ended in March' },
        caller('admin', 'group:default/platform'),
      );
      expect((await keys.introspect(key.secret)).active).toBe(false);
      expect(closed.status).toBe('closed');
      expect(closed.closedAt).toBe('2026-04-03T11:00:00.000Z');
      expect(closed.items.find(i => i.grantId === revoked)).toMatchObject({
        decision: 'revoke',
        decidedBy: 'user:default/admin',
        grant: {
          status: 'revoked',
          revokedBy: 'user:default/admin',
          revocationReason: 'Project ended in March',
        },
      });
      await expect(
        reviews.answer(
          review.id,
          revoked,
          { decision: 'keep', comment: 'too late' },
          member(),
        ),
      ).rejects.toThrow('The access review is closed');

      const history = await reviews.history(review.id, member());
      expect(history.map(e => `${e.action} ${e.actorRef}`)).toEqual([
        'access-review.started api-access',
        'access-review.kept user:default/owner.one',
        'grant.revoked user:default/admin',
        'access-review.revoked user:default/admin',
        'access-review.closed user:default/admin',
      ]);
      expect(history[4]).toMatchObject({
        subjectType: 'review',
        subjectId: review.id,
        fromStatus: 'open',
        toStatus: 'closed',
        details: { ownerRef, kept: 1, revoked: 1, unanswered: 0 },
      });
      // The grant's own history has the answer too, beside its revocation.
      const grantHistory = await audit.list(`r-${revoked}`);
      expect(grantHistory.map(e => e.action)).toEqual(
        expect.arrayContaining(['grant.revoked', 'access-review.revoked']),
      );
      expect((await audit.verify()).ok).toBe(true);
    });

    it('reminds before the due date once per window, with two replicas too', async () => {
      const { reviews } = services();
      const g = await grant(new Date('2026-02-01T09:00:00Z'));
      const start = new Date('2026-04-01T12:00:00Z');
      now = start;
      await reviews.startScheduled(now);
      notified = [];
      const at = (days: number) => new Date(start.getTime() + days * DAY);

      now = at(6.9);
      expect(await reviews.remind(now)).toEqual({ reminded: 0 });
      now = at(7);
      const [a, b] = await Promise.all([
        reviews.remind(now),
        services().reviews.remind(now),
      ]);
      expect(a.reminded + b.reminded).toBe(1);
      now = at(8);
      expect(await reviews.remind(now)).toEqual({ reminded: 0 });
      now = at(13.5);
      expect(await reviews.remind(now)).toEqual({ reminded: 1 });
      now = at(13.9);
      expect(await reviews.remind(now)).toEqual({ reminded: 0 });
      expect(notified).toEqual([
        {
          to: [ownerRef],
          title: `Reminder: the access review of ${ownerRef} has 1 unanswered grant, due 2026-04-15`,
        },
        {
          to: [ownerRef],
          title: `Reminder: the access review of ${ownerRef} has 1 unanswered grant, due 2026-04-15`,
        },
      ]);
      const [review] = await reviews.list(
        { ownerRef, status: 'open' },
        member(),
      );
      const history = await reviews.history(review.id, member());
      expect(
        history
          .filter(e => e.action === 'access-review.reminded')
          .map(e => e.details.daysBeforeDue),
      ).toEqual([7, 1]);
      expect(g).toBeDefined();
    });

    it('revokes unanswered grants at the due date and closes the campaign', async () => {
      const { reviews, keys, access } = services();
      const kept = await grant(new Date('2026-02-01T09:00:00Z'));
      const silent = await grant(new Date('2026-02-02T09:00:00Z'));
      now = new Date('2026-02-03T09:00:00Z');
      const key = await keys.issue(silent, '1', caller('requester'));
      now = new Date('2026-04-01T06:00:00Z');
      await reviews.startScheduled(now);
      const [review] = await reviews.list(
        { ownerRef, status: 'open' },
        member(),
      );
      await reviews.answer(
        review.id,
        kept,
        { decision: 'keep', comment: 'In daily use' },
        member(),
      );
      notified = [];

      now = new Date('2026-04-15T05:59:00Z');
      expect(await reviews.applyDue(now)).toEqual({
        revoked: 0,
        escalated: 0,
        closed: 0,
      });
      now = new Date('2026-04-15T06:00:00Z');
      const twice = await Promise.all([
        reviews.applyDue(now),
        services().reviews.applyDue(now),
      ]);
      expect(twice.reduce((n, r) => n + r.revoked, 0)).toBe(1);
      expect(twice.reduce((n, r) => n + r.closed, 0)).toBe(1);
      expect(await access.getGrant(knex, silent)).toMatchObject({
        status: 'revoked',
        revokedBy: 'api-access',
        revocationReason: `Not answered by the due date (2026-04-15) of the access review of ${ownerRef}`,
      });
      expect(await access.getGrant(knex, kept)).toMatchObject({
        status: 'active',
      });
      expect((await keys.introspect(key.secret)).active).toBe(false);
      // The requester hears of it; the owner too.
      expect(notified.map(n => n.to)).toEqual([
        ['user:default/requester', ownerRef],
      ]);

      const [closed] = await reviews.list(
        { ownerRef, status: 'all' },
        member(),
      );
      expect(closed.status).toBe('closed');
      expect(closed.items.find(i => i.grantId === silent)).toMatchObject({
        decision: 'revoke',
        decidedBy: 'api-access',
      });
      const history = await reviews.history(review.id, member());
      expect(history.map(e => e.action)).toEqual([
        'access-review.started',
        'access-review.kept',
        'grant.revoked',
        'access-review.revoked',
        'access-review.closed',
      ]);
      expect(history[3].details).toMatchObject({ unanswered: true });
      expect(history[4].details).toMatchObject({ kept: 1, revoked: 1 });
    });

    it('escalates unanswered items once when configured, keeping the campaign open for the escalation group', async () => {
      const { reviews, access } = services({
        unanswered: 'escalate',
        escalateTo: 'group:default/security',
      });
      const g = await grant(new Date('2026-02-01T09:00:00Z'));
      now = new Date('2026-04-01T06:00:00Z');
      await reviews.startScheduled(now);
      notified = [];
      now = new Date('2026-04-16T00:00:00Z');
      expect(await reviews.applyDue(now)).toEqual({
        revoked: 0,
        escalated: 1,
        closed: 0,
      });
      expect(await reviews.applyDue(now)).toEqual({
        revoked: 0,
        escalated: 0,
        closed: 0,
      });
      expect(notified).toEqual([
        {
          to: ['group:default/security', ownerRef],
          title: `Access review of ${ownerRef} escalated to group:default/security: 1 grant unanswered at the due date`,
        },
      ]);
      expect(await access.getGrant(knex, g)).toMatchObject({
        status: 'active',
      });
      const security = caller('outsider', 'group:default/security');
      const [review] = await reviews.list({ status: 'open' }, security);
      expect(review).toMatchObject({
        ownerRef,
        status: 'open',
        escalatedTo: 'group:default/security',
        escalatedAt: '2026-04-16T00:00:00.000Z',
      });
      const done = await reviews.answer(
        review.id,
        g,
        { decision: 'keep', comment: 'Checked with the team' },
        security,
      );
      expect(done.status).toBe('closed');
      const history = await reviews.history(review.id, security);
      expect(history.map(e => e.action)).toEqual([
        'access-review.started',
        'access-review.escalated',
        'access-review.kept',
        'access-review.closed',
      ]);
    });

    it('closes a campaign whose remaining grants ended another way', async () => {
      const { reviews, grants } = services();
      const g = await grant(new Date('2026-02-01T09:00:00Z'));
      now = new Date('2026-04-01T06:00:00Z');
      await reviews.startScheduled(now);
      await grants.revokeAsSystem(g, 'contract ended', 'user:default/x');
      await expect(
        reviews.answer(
          (
            await reviews.list({ ownerRef, status: 'open' }, member())
          )[0].id,
          g,
          { decision: 'keep', comment: 'still needed' },
          member(),
        ),
      ).rejects.toThrow('The grant is already revoked');
      now = new Date('2026-04-02T06:00:00Z');
      expect(await reviews.applyDue(now)).toMatchObject({ closed: 1 });
      const [review] = await reviews.list(
        { ownerRef, status: 'all' },
        member(),
      );
      expect(review.status).toBe('closed');
      const history = await reviews.history(review.id, member());
      expect(history[history.length - 1]).toMatchObject({
        action: 'access-review.closed',
        details: { kept: 0, revoked: 0, unanswered: 1 },
      });
    });

    it('lets admins start a review now, and owners only when allowed', async () => {
      await grant(new Date('2026-02-01T09:00:00Z'));
      now = new Date('2026-05-10T06:00:00Z');
      const strict = services().reviews;
      await expect(strict.startNow(ownerRef, member())).rejects.toThrow(
        'Only api-access admins can start an access review before its period',
      );
      await expect(strict.startNow(undefined, member())).rejects.toThrow(
        NotAllowedError,
      );
      const {
        items: [started],
        opened,
      } = await strict.startNow(
        ownerRef,
        caller('admin', 'group:default/platform'),
      );
      expect(opened).toEqual([started.id]);
      expect(started).toMatchObject({
        ownerRef,
        trigger: 'manual',
        startedBy: 'user:default/admin',
        period: 'manual:2026-05-10T06:00:00.000Z',
        dueAt: '2026-05-24T06:00:00.000Z',
      });
      expect(started.items).toHaveLength(1);

      // A member may start one when allowed; the admin's campaign is still
      // open, so the member is answered that one instead of a second.
      const relaxed = services({ ownersMayStart: true }).reviews;
      now = new Date('2026-05-10T07:00:00Z');
      expect(await relaxed.startNow(ownerRef, member())).toMatchObject({
        items: [{ id: started.id }],
        opened: [],
        alreadyOpen: [started.id],
      });
      await expect(
        relaxed.startNow(ownerRef, caller('outsider', 'group:default/x')),
      ).rejects.toThrow(`Only members of ${ownerRef}`);
      expect(
        await relaxed.list({ ownerRef, status: 'open' }, member()),
      ).toHaveLength(1);
    });
  },
);
