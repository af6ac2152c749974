/*
 * Issue 10's findings 1-4 and the renewal parts of 7, each through the HTTP
 * API on both databases: a renewal gets the review a new request with its
 * terms would get; nobody decides access their own team consumes; one
 * decision per person per request across rounds; a grant past its expiry
 * cannot be renewed; racing renewals open one renewal request.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import { apiAccessClockServiceRef } from '../clock';

const databases = createTestDatabases();
const DAY = 24 * 60 * 60 * 1000;
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

const draft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'production',
  scopes: ['pets:read'],
  useCase: 'Read pets for the dashboard of the team.',
  justification: 'The spring release shows pets on the dashboard.',
  credentialStorage: 'Vault kv/team-a, rotated monthly by the pipeline',
  durationDays: 30,
};

describe.each(databases.eachSupportedId())('trust rules on %p', databaseId => {
  const clock = { at: Date.parse('2026-12-01T09:00:00Z') };
  let server: any;
  let stop: () => Promise<void>;

  const post = (path: string, who: string, body: object = {}) =>
    request(server)
      .post(`/api/api-access${path}`)
      .set('Authorization', as(who))
      .send(body);
  const get = (path: string, who: string) =>
    request(server).get(`/api/api-access${path}`).set('Authorization', as(who));

  /** A request decided by each given reviewer in turn; the last answer. */
  async function submit(body: object = {}, who = 'requester') {
    const created = await post('/requests', who, { ...draft, ...body });
    expect(created.status).toBe(201);
    return created.body;
  }
  async function approveAll(id: string, reviewers: string[]) {
    let last: any;
    for (const reviewer of reviewers) {
      last = await post(`/requests/${id}/decisions`, reviewer, {
        decision: 'approve',
      });
      expect(last.status).toBe(201);
    }
    return last.body;
  }

  beforeAll(async () => {
    const knex = await databases.init(databaseId);
    const backend = await startApiAccessBackend({
      knex,
      config: {
        apiAccess: {
          // Campaigns start only when asked here (no lifecycle tick runs).
          accessReviews: { ownersMayStart: true },
          lifecycle: {
            renewal: {
              autoRenewIfReviewedWithinDays: 60,
              autoRenewIfUsedWithinDays: 0,
            },
          },
        },
      },
      extraFeatures: [
        createServiceFactory({
          service: apiAccessClockServiceRef,
          deps: {},
          factory: () => ({ now: () => new Date(clock.at) }),
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  }, 60_000);

  afterAll(() => stop?.());

  describe('renewal is planned by policy', () => {
    it('gives a longer production renewal the owner and security stages a new request gets', async () => {
      const created = await submit();
      const approved = await approveAll(created.id, ['owner.one', 'outsider']);
      expect(approved.status).toBe('approved');

      const renewal = await post(
        `/grants/${approved.grantId}/renew`,
        'requester',
        {
          durationDays: 90,
        },
      );
      expect(renewal.status).toBe(201);
      expect(renewal.body.status).toBe('in_review');
      expect(
        renewal.body.steps.map((s: any) => [s.stageName, s.reviewerRef]),
      ).toEqual([
        ['owner', 'group:default/team-c'],
        ['security', 'group:default/security'],
      ]);
      expect(renewal.body.renewal).toMatchObject({
        grantId: approved.grantId,
        rule: 'policy-plan',
        beyondLastReview: ['90 days, longer than the 30 reviewed'],
      });
      // The owner alone no longer extends the grant: security must too.
      const owner = await approveAll(renewal.body.id, ['owner.one']);
      expect(owner.status).toBe('in_review');
      const grantBefore = (
        await get(
          '/grants?consumerRef=component:default/team-a-service',
          'requester',
        )
      ).body.items.find((g: any) => g.id === approved.grantId);
      const done = await approveAll(renewal.body.id, ['outsider']);
      expect(done.status).toBe('approved');
      const grantAfter = (
        await get(
          '/grants?consumerRef=component:default/team-a-service',
          'requester',
        )
      ).body.items.find((g: any) => g.id === approved.grantId);
      expect(Date.parse(grantAfter.expiresAt)).toBeGreaterThan(
        Date.parse(grantBefore.expiresAt),
      );

      // The rule is in the history.
      const history = await get(
        `/audit?subjectId=${renewal.body.id}`,
        'requester',
      );
      const submitted = history.body.items.find(
        (e: any) =>
          e.action === 'request.submitted' && e.subjectId === renewal.body.id,
      );
      expect(submitted.details.renewal.rule).toBe('policy-plan');
    });

    it('renews unchanged, recently reviewed terms at once only because policy allows it, and says so', async () => {
      const created = await submit();
      const approved = await approveAll(created.id, ['owner.one', 'outsider']);
      const renewal = await post(
        `/grants/${approved.grantId}/renew`,
        'requester',
        {
          durationDays: 30,
        },
      );
      expect(renewal.status).toBe(201);
      expect(renewal.body.status).toBe('approved');
      expect(renewal.body.autoApproveRule).toBe(
        'renewal-unchanged-recently-reviewed',
      );
      expect(renewal.body.renewal).toMatchObject({
        rule: 'unchanged-recently-reviewed',
        beyondLastReview: [],
      });
    });

    it('reviews unchanged terms again once their last review is older than policy allows', async () => {
      const created = await submit({ durationDays: 90 });
      const approved = await approveAll(created.id, ['owner.one', 'outsider']);
      const start = clock.at;
      try {
        // 70 days after people reviewed it, 20 before it expires.
        clock.at = start + 70 * DAY;
        const renewal = await post(
          `/grants/${approved.grantId}/renew`,
          'requester',
          {
            durationDays: 90,
          },
        );
        expect(renewal.status).toBe(201);
        expect(renewal.body.status).toBe('in_review');
        expect(renewal.body.renewal.rule).toBe('policy-plan');
        expect(renewal.body.steps).toHaveLength(2);
      } finally {
        clock.at = start;
      }
    });

    it('refuses to renew a grant past its expiry that the tick has not marked yet', async () => {
      const created = await submit({ durationDays: 1 });
      const approved = await approveAll(created.id, ['owner.one', 'outsider']);
      const start = clock.at;
      try {
        clock.at = start + 2 * DAY;
        const renewal = await post(
          `/grants/${approved.grantId}/renew`,
          'requester',
          {
            durationDays: 30,
          },
        );
        expect(renewal.status).toBe(409);
        expect(renewal.body.error.message).toMatch(/expired/);
      } finally {
        clock.at = start;
      }
    });

    it('opens one renewal request when renewals race', async () => {
      const created = await submit({ environment: 'sandbox' });
      const approved = await approveAll(created.id, ['owner.one']);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          post(`/grants/${approved.grantId}/renew`, 'requester', {
            durationDays: 60,
          }),
        ),
      );
      expect(answers.map(a => a.status).sort()).toEqual([
        201, 409, 409, 409, 409, 409, 409, 409,
      ]);
    });

    it('lets nobody in the consumer team decide a renewal', async () => {
      const created = await submit({ environment: 'sandbox' });
      const approved = await approveAll(created.id, ['owner.one']);
      const renewal = await post(
        `/grants/${approved.grantId}/renew`,
        'requester',
        {
          durationDays: 60,
        },
      );
      expect(renewal.body.status).toBe('in_review');
      const refused = await post(
        `/requests/${renewal.body.id}/decisions`,
        'both.teams',
        {
          decision: 'approve',
        },
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(/owns the consumer/);
    });
  });

  describe('conflict of interest', () => {
    it('refuses a member of both the owner team and the consumer team, and keeps it out of their inbox', async () => {
      const created = await submit({ environment: 'sandbox' });
      const inbox = await get('/requests?view=reviewable', 'both.teams');
      expect(inbox.body.items.map((r: any) => r.id)).not.toContain(created.id);
      const refused = await post(
        `/requests/${created.id}/decisions`,
        'both.teams',
        {
          decision: 'approve',
        },
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(
        /group:default\/team-a, which owns the consumer component:default\/team-a-service/,
      );
      // The request page says why the buttons are missing.
      const page = await get(`/requests/${created.id}`, 'both.teams');
      expect(page.status).toBe(200);
      expect(page.body.viewerConflict).toMatchObject({
        reason: 'consumer_owner',
      });
      expect(
        (await get(`/requests/${created.id}`, 'owner.one')).body.viewerConflict,
      ).toBeUndefined();
      // Asking for changes is a decision too.
      expect(
        (
          await post(`/requests/${created.id}/decisions`, 'both.teams', {
            decision: 'request_changes',
            comment: 'Narrow it',
          })
        ).status,
      ).toBe(403);
    });

    it('allows one decision per person per request across rounds', async () => {
      // owner.sec is in team-c and security.
      const created = await submit();
      await approveAll(created.id, ['owner.sec']);
      const changes = await post(
        `/requests/${created.id}/decisions`,
        'sec.one',
        {
          decision: 'request_changes',
          comment: 'Say where the key lives',
        },
      );
      expect(changes.body.status).toBe('changes_requested');
      const { apiRef: _api, ...terms } = draft;
      const resubmitted = await post(
        `/requests/${created.id}/resubmit`,
        'requester',
        {
          ...terms,
          comment: 'Unchanged terms, clearer text',
        },
      );
      expect(resubmitted.status).toBe(200);
      // The stage-1 approval was kept; owner.sec may not now take stage 2.
      const second = await post(
        `/requests/${created.id}/decisions`,
        'owner.sec',
        {
          decision: 'approve',
        },
      );
      expect(second.status).toBe(403);
      expect(second.body.error.message).toMatch(
        /already decided the owner stage/,
      );
      expect(
        (await get(`/requests/${created.id}`, 'owner.sec')).body.viewerConflict,
      ).toMatchObject({ reason: 'other_step' });
      // sec.one decides the security step again in the new round: the same step.
      const same = await post(`/requests/${created.id}/decisions`, 'sec.one', {
        decision: 'approve',
      });
      expect(same.status).toBe(201);
      expect(same.body.status).toBe('approved');
    });

    it('never lets delegation land on, or come from, someone with a stake', async () => {
      const created = await submit({ environment: 'sandbox' });
      const stepId = created.steps[0].id;
      const toBoth = await post(
        `/requests/${created.id}/steps/${stepId}/delegate`,
        'owner.one',
        { to: 'user:default/both.teams' },
      );
      expect(toBoth.status).toBe(400);
      expect(toBoth.body.error.message).toMatch(
        /both.teams has a stake in this access/,
      );
      const byBoth = await post(
        `/requests/${created.id}/steps/${stepId}/delegate`,
        'both.teams',
        { to: 'user:default/owner.two' },
      );
      expect(byBoth.status).toBe(403);
      expect(byBoth.body.error.message).toMatch(/owns the consumer/);
    });

    it("lets nobody confirm their own or their team's grant in an access review", async () => {
      // both.teams asks for team-a (their team) and sits in team-c, the owner.
      const own = await submit({ environment: 'sandbox' }, 'both.teams');
      const ownGrant = (await approveAll(own.id, ['owner.one'])).grantId;
      const teams = await submit({ environment: 'sandbox', durationDays: 20 });
      const teamGrant = (await approveAll(teams.id, ['owner.one'])).grantId;
      const started = await post('/access-reviews/run', 'owner.one', {
        ownerRef: 'group:default/team-c',
      });
      expect(started.status).toBe(201);
      const reviewId = started.body.items[0].id;
      const answer = (who: string, grantId: string, decision: string) =>
        post(`/access-reviews/${reviewId}/items/${grantId}`, who, {
          decision,
          comment: 'Still needed for the dashboard',
        });
      const self = await answer('both.teams', ownGrant, 'keep');
      expect(self.status).toBe(403);
      expect(self.body.error.message).toMatch(/You requested this access/);
      const team = await answer('both.teams', teamGrant, 'keep');
      expect(team.status).toBe(403);
      expect(team.body.error.message).toMatch(/owns the consumer/);
      // Another member of the owner confirms; giving access up stays open.
      expect((await answer('owner.one', teamGrant, 'keep')).status).toBe(201);
      expect((await answer('both.teams', ownGrant, 'revoke')).status).toBe(201);
    });
  });
});
