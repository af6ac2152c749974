/*
 * POST /requests/decisions on SQLite and PostgreSQL: each id is decided by
 * the single decision's code under its rules, refusals are per item and
 * change nothing, the answer keeps the order asked, the history ties the
 * batch together, and racing single decisions never make a second decision.
 *
 * Who is who (src/__fixtures__/catalog.yaml): requester and consumer.member
 * are team-a, which owns the consumer team-a-service; owner.one and owner.two
 * are team-c, which owns pets; both.teams is in team-a and team-c; owner.sec
 * in team-c and security; sec.one reviews security.
 */
import { createTestDatabases } from '../__testUtils__/testBackend';
import {
  SecurityBackend,
  as,
  client,
  productionDraft,
  sandboxDraft,
  startSecurityBackend,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())(
  'bulk decisions on %p',
  databaseId => {
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

    const bulk = (by: string, body: object) =>
      http.call('post', '/requests/decisions', as(by), body);
    const read = async (id: string) =>
      (await http.call('get', `/requests/${id}`, as('requester'))).body;
    const count = async (table: string) =>
      Number(
        (
          (await backend.knex(table).count({ n: '*' }).first()) as {
            n: number | string;
          }
        ).n,
      );

    it('decides each request on its own and says per item why one was refused', async () => {
      const first = await http.submit('requester', sandboxDraft);
      const second = await http.submit('consumer.member', sandboxDraft);
      const production = await http.submit('requester', productionDraft);
      // owner.one's own request: the requester never decides it.
      const own = await http.submit('owner.one', {
        ...sandboxDraft,
        consumerRef: 'component:default/team-c-service',
      });
      const rejected = await http.submit('requester', sandboxDraft);
      expect(
        (
          await http.decide('owner.two', rejected.id, {
            decision: 'reject',
            comment: 'No.',
          })
        ).status,
      ).toBe(201);
      const unknown = '00000000-0000-4000-8000-000000000000';

      const response = await bulk('owner.one', {
        ids: [first.id, own.id, second.id, unknown, production.id, rejected.id],
        decision: 'approve',
        comment: 'Sandbox read access is fine.',
      });
      expect(response.status).toBe(200);
      const { batchId, results } = response.body;
      expect(typeof batchId).toBe('string');
      expect(
        results.map((r: any) => [r.id, r.status, r.requestStatus]),
      ).toEqual([
        [first.id, 201, 'approved'],
        [own.id, 403, undefined],
        [second.id, 201, 'approved'],
        [unknown, 404, undefined],
        // Production adds security after the owner: still in review.
        [production.id, 201, 'in_review'],
        [rejected.id, 409, undefined],
      ]);
      expect(results[1].error.message).toMatch(
        /You requested this access, so you cannot decide it/,
      );
      expect(results[5].error.name).toBe('ConflictError');
      expect(results[0].grantId).toEqual((await read(first.id)).grantId);
      expect(results[4].grantId).toBeUndefined();

      // The refused ones are exactly as they were.
      const ownAfter = (
        await http.call('get', `/requests/${own.id}`, as('owner.one'))
      ).body;
      expect(ownAfter.status).toBe('in_review');
      expect(ownAfter.decisions ?? []).toHaveLength(0);

      // Each decision's history events carry the batch id.
      const history = (
        await http.call('get', `/audit?subjectId=${first.id}`, as('requester'))
      ).body.items;
      const decided = history.filter((e: any) =>
        ['step.approval_recorded', 'request.approved'].includes(e.action),
      );
      expect(decided.map((e: any) => e.details.batchId)).toEqual([
        batchId,
        batchId,
      ]);
    });

    it('holds the conflict-of-interest rule and stage order per item', async () => {
      // both.teams is in team-c (the owner stage) but also in team-a, the consumer's team.
      const teamA = await http.submit('requester', sandboxDraft);
      const production = await http.submit('requester', productionDraft);
      const asConflicted = await bulk('both.teams', {
        ids: [teamA.id, production.id],
        decision: 'approve',
      });
      expect(asConflicted.status).toBe(200);
      expect(
        asConflicted.body.results.map((r: any) => [r.status, r.error?.message]),
      ).toEqual([
        [403, expect.stringMatching(/cannot decide access for your own team/)],
        [403, expect.stringMatching(/cannot decide access for your own team/)],
      ]);
      // Security's step is not open before the owner's: stage order holds.
      const early = await bulk('sec.one', {
        ids: [production.id],
        decision: 'approve',
      });
      expect(early.body.results[0].status).toBeGreaterThanOrEqual(400);
      expect((await read(production.id)).decisions ?? []).toHaveLength(0);

      // owner.sec approves the owner stage, then may not decide security too.
      const byOwner = await bulk('owner.sec', {
        ids: [production.id],
        decision: 'approve',
      });
      expect(byOwner.body.results[0]).toMatchObject({
        status: 201,
        requestStatus: 'in_review',
      });
      const second = await bulk('owner.sec', {
        ids: [production.id],
        decision: 'approve',
      });
      expect(second.body.results[0].status).toBe(403);
      expect((await read(production.id)).decisions).toHaveLength(1);
    });

    it('asks for changes and rejects with the one comment it is given', async () => {
      const a = await http.submit('requester', sandboxDraft);
      const b = await http.submit('requester', sandboxDraft);
      const changes = await bulk('owner.two', {
        ids: [a.id],
        decision: 'request_changes',
        comment: 'Name the dashboard.',
      });
      expect(changes.body.results[0].requestStatus).toBe('changes_requested');
      const rejected = await bulk('owner.two', {
        ids: [b.id],
        decision: 'reject',
        comment: 'Use the public feed.',
      });
      expect(rejected.body.results[0].requestStatus).toBe('rejected');
      const after = await read(b.id);
      expect(after.decisions.map((d: any) => d.comment)).toEqual([
        'Use the public feed.',
      ]);
    });

    it('refuses a bad body whole, with a 400 naming the problem, and changes nothing', async () => {
      const open = await http.submit('requester', sandboxDraft);
      const decisionsBefore = await count('api_access_decisions');
      const cases: Array<[object, RegExp]> = [
        [{ decision: 'approve' }, /ids is required/],
        [{ ids: [], decision: 'approve' }, /ids must name at least one/],
        [
          {
            ids: Array.from({ length: 201 }, (_, i) => `r${i}`),
            decision: 'approve',
          },
          /ids must name at most 200 requests/,
        ],
        [
          { ids: [open.id, open.id], decision: 'approve' },
          /ids\.1 names a request already in the list/,
        ],
        [{ ids: [open.id], decision: 'reject' }, /comment is required/],
        [
          { ids: [open.id], decision: 'approve', scopes: ['pets:read'] },
          /narrow scopes, duration or plan by deciding that request on its own/,
        ],
        [{ ids: ['a\nb'], decision: 'approve' }, /must be printable/],
      ];
      for (const [body, message] of cases) {
        const response = await bulk('owner.one', body);
        expect({ body, status: response.status }).toEqual({
          body,
          status: 400,
        });
        expect(response.body.error.message).toMatch(message);
      }
      expect(await count('api_access_decisions')).toBe(decisionsBefore);
      expect((await read(open.id)).status).toBe('in_review');
    });

    it('racing single decisions and bulk decisions make exactly one decision and one grant per request', async () => {
      const created = [];
      for (let i = 0; i < 8; i++) {
        created.push(await http.submit('requester', sandboxDraft));
      }
      const ids = created.map(r => r.id);
      const [bulkAnswer, ...singles] = await Promise.all([
        bulk('owner.one', { ids, decision: 'approve' }),
        ...ids.map(id => http.decide('owner.two', id, { decision: 'approve' })),
        bulk('owner.two', {
          ids: [...ids].reverse(),
          decision: 'reject',
          comment: 'Racing reject.',
        }),
      ]);
      expect(bulkAnswer.status).toBe(200);
      const secondBulk = singles.pop()!;
      expect(secondBulk.status).toBe(200);
      for (const id of ids) {
        const after = await read(id);
        // Quorum 1: the first decision ends the request; every other is refused.
        expect(after.decisions).toHaveLength(1);
        const wins =
          (bulkAnswer.body.results.find((r: any) => r.id === id).status === 201
            ? 1
            : 0) +
          (singles[ids.indexOf(id)].status === 201 ? 1 : 0) +
          (secondBulk.body.results.find((r: any) => r.id === id).status === 201
            ? 1
            : 0);
        expect({ id, wins }).toEqual({ id, wins: 1 });
        const grants = await backend
          .knex('api_access_grants')
          .where({ request_id: id });
        expect(grants).toHaveLength(after.status === 'approved' ? 1 : 0);
      }
    }, 60_000);
  },
);
