/*
 * Separation of duties on every path that decides access, on SQLite and
 * PostgreSQL: nobody decides access they have a stake in (their own
 * request, or access whose consumer a group of theirs owns), one person
 * decides at most one step of a request across every round, and the same
 * holds for escalated steps, delegated steps, renewals and access-review
 * answers. A renewal gets the plan a new request with the same terms gets.
 *
 * Who is who (src/__fixtures__/catalog.yaml): requester and consumer.member
 * are team-a, which owns the consumer team-a-service; team-c owns pets;
 * both.teams is in team-a and team-c; owner.sec in team-c and security;
 * sec.teama in security and team-a; lead.one and lead.teama lead the
 * escalation group platform-leads, lead.teama also in team-a.
 */
import { createTestDatabases } from '../__testUtils__/testBackend';
import {
  DAY,
  HOUR,
  SecurityBackend,
  TEAM_C,
  as,
  client,
  movableClock,
  nextReviewPeriodStart,
  productionDraft,
  sandboxDraft,
  serviceHeader,
  GATEWAY_SUBJECT,
  startSecurityBackend,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();
const ESCALATION_GROUP = 'group:default/platform-leads';

describe.each(databases.eachSupportedId())(
  'separation of duties on %p',
  databaseId => {
    let backend: SecurityBackend;
    let http: ReturnType<typeof client>;
    const clock = movableClock('2031-01-05T09:00:00Z');

    beforeAll(async () => {
      backend = await startSecurityBackend({
        knex: await databases.init(databaseId),
        clock,
        apiAccess: {
          deadlines: {
            reminderAfterHours: 48,
            escalateAfterHours: 120,
            escalateTo: ESCALATION_GROUP,
          },
        },
      });
      http = client(backend.server);
    }, 120_000);

    afterAll(async () => {
      await backend?.stop();
    });

    const read = async (id: string) => {
      const response = await http.call(
        'get',
        `/requests/${id}`,
        as('requester'),
      );
      if (response.status === 200) return response.body;
      // A request made by someone else: its owner-stage reviewer reads it.
      return (await http.call('get', `/requests/${id}`, as('owner.one'))).body;
    };
    const approve = (by: string, id: string) =>
      http.decide(by, id, { decision: 'approve' });
    /** Status and the request's state after a refused decision. */
    async function refused(by: string, id: string) {
      const before = await read(id);
      const response = await approve(by, id);
      const after = await read(id);
      return {
        by,
        status: response.status,
        unchanged:
          after.status === before.status &&
          JSON.stringify(after.steps.map((s: any) => s.status)) ===
            JSON.stringify(before.steps.map((s: any) => s.status)) &&
          (after.decisions ?? []).length === (before.decisions ?? []).length,
      };
    }
    const plannedSteps = (r: any) =>
      (r.steps ?? []).map(
        (s: any) => `${s.stageIndex}:${s.name}:${s.reviewerRef}`,
      );

    // ---- decide --------------------------------------------------------------

    it('decide: the requester never decides their own request, even as a member of the owning team', async () => {
      const own = await http.submit('both.teams', sandboxDraft);
      expect(await refused('both.teams', own.id)).toEqual({
        by: 'both.teams',
        status: 403,
        unchanged: true,
      });
    });

    it("decide: nobody in the consumer's team decides its access, at any stage", async () => {
      const created = await http.submit('requester', productionDraft);
      // both.teams is in team-c (the owner stage) but also in team-a.
      expect(await refused('both.teams', created.id)).toEqual({
        by: 'both.teams',
        status: 403,
        unchanged: true,
      });
      expect((await approve('owner.one', created.id)).status).toBe(201);
      // sec.teama is a security reviewer, and in team-a.
      expect(await refused('sec.teama', created.id)).toEqual({
        by: 'sec.teama',
        status: 403,
        unchanged: true,
      });
      const approved = await approve('sec.one', created.id);
      expect(approved.status).toBe(201);
      expect(approved.body.status).toBe('approved');
    });

    it('decide: one step per person across rounds (approve stage 1, changes requested, unchanged resubmission, stage 2 refused)', async () => {
      const created = await http.submit('requester', productionDraft);
      // owner.sec is in team-c and in security.
      expect((await approve('owner.sec', created.id)).status).toBe(201);
      const changes = await http.decide('sec.one', created.id, {
        decision: 'request_changes',
        comment: 'Name the vault path.',
      });
      expect(changes.status).toBe(201);
      expect(changes.body.status).toBe('changes_requested');
      const { apiRef: _apiRef, ...terms } = productionDraft;
      const resubmitted = await http.call(
        'post',
        `/requests/${created.id}/resubmit`,
        as('requester'),
        {
          ...terms,
          comment: 'Unchanged; the vault path is in the storage plan.',
        },
      );
      expect(resubmitted.status).toBe(200);
      expect(resubmitted.body.status).toBe('in_review');
      // The unchanged resubmission kept the owner's approval; security is open.
      expect(
        resubmitted.body.steps.map((s: any) => `${s.name}:${s.status}`),
      ).toEqual(['owner:approved', 'security:pending']);
      // owner.sec decided the owner step in round 1: not the security step in round 2.
      expect(await refused('owner.sec', created.id)).toEqual({
        by: 'owner.sec',
        status: 403,
        unchanged: true,
      });
      // Deciding the same step again in a later round is not a second step.
      const approved = await approve('sec.one', created.id);
      expect(approved.status).toBe(201);
      expect(approved.body.status).toBe('approved');
    });

    // ---- escalate ------------------------------------------------------------

    it('escalation: the escalation group decides, but not its member in the consumer team nor the requester', async () => {
      clock.set('2031-01-08T09:00:00Z');
      const byRequester = await http.submit('requester', sandboxDraft);
      const byLead = await http.submit('lead.teama', sandboxDraft);
      clock.advance(121 * HOUR);
      await backend.tick();
      for (const id of [byRequester.id, byLead.id]) {
        const escalated = await read(id);
        expect(escalated.steps[0]).toMatchObject({
          status: 'pending',
          escalatedTo: ESCALATION_GROUP,
        });
      }
      // lead.teama: in team-a (the consumer's owner) and, for byLead, its requester.
      expect(await refused('lead.teama', byRequester.id)).toEqual({
        by: 'lead.teama',
        status: 403,
        unchanged: true,
      });
      expect(await refused('lead.teama', byLead.id)).toEqual({
        by: 'lead.teama',
        status: 403,
        unchanged: true,
      });
      expect(await refused('both.teams', byRequester.id)).toEqual({
        by: 'both.teams',
        status: 403,
        unchanged: true,
      });
      for (const id of [byRequester.id, byLead.id]) {
        const decided = await approve('lead.one', id);
        expect(decided.status).toBe(201);
        expect(decided.body.status).toBe('approved');
      }
    });

    // ---- delegate ------------------------------------------------------------

    it('delegation never lands on the requester or a consumer-team member, nor is made by one', async () => {
      clock.set('2031-01-20T09:00:00Z');
      const delegate = (by: string, id: string, stepId: string, to: string) =>
        http.call('post', `/requests/${id}/steps/${stepId}/delegate`, as(by), {
          to: `user:default/${to}`,
        });
      const refusedDelegation = async (
        by: string,
        id: string,
        stepIndex: number,
        to: string,
      ) => {
        const before = await read(id);
        const response = await delegate(by, id, before.steps[stepIndex].id, to);
        const after = await read(id);
        return {
          by,
          to,
          refused: [400, 403].includes(response.status),
          delegateRef: after.steps[stepIndex].delegateRef ?? null,
        };
      };

      const created = await http.submit('requester', productionDraft);
      // To a consumer-team member in the owning group.
      expect(
        await refusedDelegation('owner.one', created.id, 0, 'both.teams'),
      ).toEqual({
        by: 'owner.one',
        to: 'both.teams',
        refused: true,
        delegateRef: null,
      });
      // By a consumer-team member in the owning group.
      expect(
        await refusedDelegation('both.teams', created.id, 0, 'owner.two'),
      ).toEqual({
        by: 'both.teams',
        to: 'owner.two',
        refused: true,
        delegateRef: null,
      });
      // The security step: not to the security reviewer in team-a.
      expect((await approve('owner.one', created.id)).status).toBe(201);
      expect(
        await refusedDelegation('sec.one', created.id, 1, 'sec.teama'),
      ).toEqual({
        by: 'sec.one',
        to: 'sec.teama',
        refused: true,
        delegateRef: null,
      });
      // The control: to an unconflicted member it works, and they decide.
      const handed = await delegate(
        'sec.one',
        created.id,
        (
          await read(created.id)
        ).steps[1].id,
        'sec.two',
      );
      expect(handed.status).toBe(200);
      expect((await approve('sec.two', created.id)).body.status).toBe(
        'approved',
      );

      // To the requester, who is in the owning group.
      const own = await http.submit('both.teams', sandboxDraft);
      expect(
        await refusedDelegation('owner.one', own.id, 0, 'both.teams'),
      ).toEqual({
        by: 'owner.one',
        to: 'both.teams',
        refused: true,
        delegateRef: null,
      });
    });

    // ---- renew ---------------------------------------------------------------

    it('renewal: planned like a new request with the same terms, decided by nobody conflicted', async () => {
      clock.set('2031-01-25T09:00:00Z');
      const { grantId } = await http.approvedGrant(productionDraft, {
        approvers: ['owner.one', 'sec.one'],
      });
      // The key is used: the old code renewed unchanged terms at once then.
      const key = await http.issueKey(grantId);
      const used = await http
        .call('post', '/introspect', serviceHeader(GATEWAY_SUBJECT))
        .type('form')
        .send({ token: key });
      expect(used.body.active).toBe(true);
      await backend.flushLastUses();

      // What a new request with the same terms gets.
      const fresh = await http.submit('requester', productionDraft);
      expect(plannedSteps(fresh)).toEqual([
        '0:owner:group:default/team-c',
        '1:security:group:default/security',
      ]);
      await http.call(
        'post',
        `/requests/${fresh.id}/withdraw`,
        as('requester'),
        {},
      );

      clock.advance(2 * DAY);
      const renewal = await http.call(
        'post',
        `/grants/${grantId}/renew`,
        as('requester'),
        {
          durationDays: productionDraft.durationDays,
        },
      );
      expect(renewal.status).toBe(201);
      expect(renewal.body.status).toBe('in_review');
      expect(plannedSteps(renewal.body)).toEqual(plannedSteps(fresh));

      // Nobody with a stake decides it; one step each.
      const id = renewal.body.id;
      for (const who of ['requester', 'both.teams', 'consumer.member']) {
        expect(await refused(who, id)).toEqual({
          by: who,
          status: 403,
          unchanged: true,
        });
      }
      expect((await approve('owner.sec', id)).status).toBe(201);
      for (const who of ['owner.sec', 'sec.teama']) {
        expect(await refused(who, id)).toEqual({
          by: who,
          status: 403,
          unchanged: true,
        });
      }
      const approved = await approve('sec.two', id);
      expect(approved.status).toBe(201);
      expect(approved.body.status).toBe('approved');

      // Longer than last reviewed: the full plan of a new request for that long.
      const longer = await http.call(
        'post',
        `/grants/${grantId}/renew`,
        as('requester'),
        {
          durationDays: 90,
        },
      );
      expect(longer.status).toBe(201);
      expect(longer.body.status).toBe('in_review');
      const freshLonger = await http.submit('requester', {
        ...productionDraft,
        durationDays: 90,
      });
      expect(plannedSteps(longer.body)).toEqual(plannedSteps(freshLonger));
      expect(plannedSteps(longer.body)).toContain(
        '1:security:group:default/security',
      );
    });

    it('renewal: a grant past its expiry, not yet marked expired, cannot be renewed', async () => {
      clock.set('2031-02-01T09:00:00Z');
      const { grantId } = await http.approvedGrant({
        ...sandboxDraft,
        durationDays: 1,
      });
      clock.advance(2 * DAY); // no tick: the grant row still says active
      const renewal = await http.call(
        'post',
        `/grants/${grantId}/renew`,
        as('requester'),
        {
          durationDays: 1,
        },
      );
      expect(renewal.status).toBe(409);
      const open = await http.call(
        'get',
        '/requests?view=mine&limit=200',
        as('requester'),
      );
      expect(
        open.body.items.filter((r: any) => r.renewalOfGrantId === grantId),
      ).toEqual([]);
    });

    // ---- access review -------------------------------------------------------

    it("access review: neither a grant's requester nor a consumer-team member in the owning group answers keep", async () => {
      const periodStart = nextReviewPeriodStart(new Date('2031-02-10'));
      clock.set(new Date(periodStart.getTime() - DAY));
      const { grantId: byRequester } = await http.approvedGrant();
      // both.teams requests it; owner.one approves (both.teams may not).
      const { grantId: byBoth } = await http.approvedGrant(sandboxDraft, {
        by: 'both.teams',
      });
      clock.set(new Date(periodStart.getTime() + HOUR));
      await backend.tick();
      const listed = await http.call(
        'get',
        `/access-reviews?ownerRef=${TEAM_C}`,
        as('owner.one'),
      );
      expect(listed.status).toBe(200);
      const review = listed.body.items.find((r: any) =>
        r.items.some((i: any) => i.grantId === byBoth),
      );
      expect(review).toBeDefined();
      const keep = {
        decision: 'keep',
        comment: 'Still needed by the dashboard.',
      };
      const answer = (by: string, grantId: string) =>
        http.call(
          'post',
          `/access-reviews/${review.id}/items/${grantId}`,
          as(by),
          keep,
        );
      const itemOf = async (grantId: string) => {
        const r = await http.call(
          'get',
          `/access-reviews/${review.id}`,
          as('owner.one'),
        );
        const item = r.body.items.find((i: any) => i.grantId === grantId);
        return item.decision ?? item.answer ?? item.status ?? null;
      };
      const before = {
        byRequester: await itemOf(byRequester),
        byBoth: await itemOf(byBoth),
      };
      expect({
        consumerTeamMember: (await answer('both.teams', byRequester)).status,
        requester: (await answer('both.teams', byBoth)).status,
      }).toEqual({ consumerTeamMember: 403, requester: 403 });
      expect({
        byRequester: await itemOf(byRequester),
        byBoth: await itemOf(byBoth),
      }).toEqual(before);
      // An unconflicted owner answers.
      expect((await answer('owner.one', byRequester)).status).toBe(201);
      expect((await answer('owner.two', byBoth)).status).toBe(201);
    });
  },
);
