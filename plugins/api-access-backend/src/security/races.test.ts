/*
 * Races over HTTP, on PostgreSQL (several replicas' worth of concurrency on
 * one database) and SQLite: 20 racing approvals of one step make exactly one
 * transition, one decision, one grant and one audit event; 10 concurrent
 * POST /access-reviews/run open one campaign.
 *
 * Covered elsewhere, not repeated here: ten concurrent rotations leave one
 * active key (src/service/CredentialService.test.ts), eight racing renewals
 * open one renewal request (src/service/trust.test.ts), two lifecycle runs
 * start one scheduled campaign (src/accessReviews/AccessReviewService.test.ts).
 */
import { createTestDatabases } from '../__testUtils__/testBackend';
import {
  SecurityBackend,
  TEAM_C,
  as,
  client,
  productionDraft,
  sandboxDraft,
  startSecurityBackend,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('races on %p', databaseId => {
  let backend: SecurityBackend;
  let http: ReturnType<typeof client>;

  beforeAll(async () => {
    backend = await startSecurityBackend({
      knex: await databases.init(databaseId),
    });
    http = client(backend.server);
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
  });

  const approvers = ['owner.one', 'owner.two', 'owner.sec'];

  it('20 racing approvals of one step make exactly one transition', async () => {
    const created = await http.submit('requester', sandboxDraft);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http.decide(approvers[i % approvers.length], created.id, {
          decision: 'approve',
        }),
      ),
    );
    const statuses = responses.map(r => r.status);
    expect(statuses.filter(s => s === 201)).toHaveLength(1);
    // The losers are told clearly: a conflict, or (the winner's own repeats) already decided.
    expect(statuses.filter(s => s !== 201 && ![409, 403].includes(s))).toEqual(
      [],
    );

    const { knex } = backend;
    const decisions = await knex('api_access_decisions').where({
      request_id: created.id,
    });
    const grants = await knex('api_access_grants').where({
      request_id: created.id,
    });
    const events = await knex('api_access_audit_events').where({
      subject_id: created.id,
    });
    expect({
      decisions: decisions.length,
      grants: grants.length,
      approvedEvents: events.filter((e: any) => e.action === 'request.approved')
        .length,
      status: (
        await knex('api_access_requests').where({ id: created.id }).first()
      ).status,
    }).toEqual({
      decisions: 1,
      grants: 1,
      approvedEvents: 1,
      status: 'approved',
    });
  });

  it('20 racing approvals of the second stage make one transition, by one unconflicted reviewer', async () => {
    const created = await http.submit('requester', productionDraft);
    expect(
      (await http.decide('owner.one', created.id, { decision: 'approve' }))
        .status,
    ).toBe(201);
    // sec.teama (team-a) and owner.sec's owner-stage colleague race with sec.one and sec.two.
    const racers = ['sec.one', 'sec.two', 'sec.teama', 'owner.one'];
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http.decide(racers[i % racers.length], created.id, {
          decision: 'approve',
        }),
      ),
    );
    const winners = responses
      .map((r, i) => ({ status: r.status, by: racers[i % racers.length] }))
      .filter(r => r.status === 201);
    expect(winners).toHaveLength(1);
    expect(['sec.one', 'sec.two']).toContain(winners[0].by);
    const { knex } = backend;
    const decisions = await knex('api_access_decisions').where({
      request_id: created.id,
    });
    expect(decisions.map((d: any) => d.decider_ref).sort()).toEqual(
      ['user:default/owner.one', `user:default/${winners[0].by}`].sort(),
    );
    expect(
      await knex('api_access_grants').where({ request_id: created.id }),
    ).toHaveLength(1);
  });

  it('10 concurrent POST /access-reviews/run open one campaign', async () => {
    await http.approvedGrant();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        http.call('post', '/access-reviews/run', as('admin.one'), {
          ownerRef: TEAM_C,
        }),
      ),
    );
    expect(responses.filter(r => r.status >= 500)).toEqual([]);
    const open = await backend
      .knex('api_access_reviews')
      .where({ owner_ref: TEAM_C, status: 'open' });
    expect(open).toHaveLength(1);
    const started = responses.flatMap(r =>
      r.status === 201 ? r.body.items : [],
    );
    expect(started.map((review: any) => review.id)).toEqual([open[0].id]);
  });
});
