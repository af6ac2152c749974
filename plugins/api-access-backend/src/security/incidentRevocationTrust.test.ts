/*
 * Incident revocation cannot reach past ownership (issue 15): an owner of
 * one API who names a consumer or a requester ends only the grants on APIs
 * their groups own now, never another owner's, and is told how many it
 * left alone; the consumer's own team and the requester, who own no API,
 * get 403 whatever they name; and a batch is no window into grants its
 * reader may not see. On SQLite and PostgreSQL.
 */
import { createTestDatabases } from '../__testUtils__/testBackend';
import {
  CONSUMER,
  SecurityBackend,
  as,
  client,
  fingerprint,
  sandboxDraft,
  startSecurityBackend,
  user,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();
const PETS = 'api:default/pets';
// Owned by the user owner.one alone, not by team-c: another owner's API.
const PLAIN = 'api:default/plain';
const reason = 'The consumer was compromised.';

describe.each(databases.eachSupportedId())(
  'incident revocation trust on %p',
  databaseId => {
    let backend: SecurityBackend;
    let http: ReturnType<typeof client>;
    let plainGrant: string;

    beforeAll(async () => {
      backend = await startSecurityBackend({
        knex: await databases.init(databaseId),
      });
      http = client(backend.server);
      await http.approvedGrant();
      ({ grantId: plainGrant } = await http.approvedGrant({
        ...sandboxDraft,
        apiRef: PLAIN,
        scopes: [],
      }));
    }, 120_000);

    afterAll(async () => {
      await backend?.stop();
    });

    const revokeAll = (by: string, body: object) =>
      http.call('post', '/grants/revoke', as(by), body);
    const status = async (id: string) =>
      (await backend.knex('api_access_grants').where({ id }).first()).status;

    it.each([
      ['owner.two', 'team-c only'],
      ['both.teams', 'team-c and the consumer team-a'],
    ])(
      "%s (%s) cannot end another owner's API's grants through consumerRef or requesterRef",
      async by => {
        for (const selector of [
          { consumerRef: CONSUMER },
          { requesterRef: user('requester') },
        ]) {
          const dry = await revokeAll(by, {
            ...selector,
            reason,
            dryRun: true,
          });
          expect(dry.status).toBe(200);
          expect(dry.body.grants.map((g: any) => g.apiRef)).not.toContain(
            PLAIN,
          );
          expect(dry.body.grants.length).toBeGreaterThan(0);
          expect(dry.body.leftOut).toBe(1);
          // The answer does not name what it left out.
          expect(JSON.stringify(dry.body)).not.toContain(plainGrant);
        }
        // Nor by naming the API itself.
        expect((await revokeAll(by, { apiRef: PLAIN, reason })).status).toBe(
          403,
        );
        expect(await status(plainGrant)).toBe('active');
      },
    );

    it('the consumer team and the requester own no API: 403 whatever they name, nothing changes', async () => {
      const before = await fingerprint(backend.knex);
      for (const by of ['requester', 'consumer.member', 'sec.teama']) {
        for (const selector of [
          { consumerRef: CONSUMER },
          { requesterRef: user('requester') },
          { apiRef: PETS },
        ]) {
          const response = await revokeAll(by, { ...selector, reason });
          expect({ by, selector, status: response.status }).toEqual({
            by,
            selector,
            status: 403,
          });
        }
      }
      expect(await fingerprint(backend.knex)).toEqual(before);
    });

    it("a real run by team-c leaves owner.one's own API alone, and its batch shows only what it revoked", async () => {
      const real = await revokeAll('owner.two', {
        requesterRef: user('requester'),
        reason,
      });
      expect(real.status).toBe(201);
      expect(real.body.leftOut).toBe(1);
      expect(await status(plainGrant)).toBe('active');
      const batch = await http.call(
        'get',
        `/grants/revocations/${real.body.batchId}`,
        as('owner.two'),
      );
      expect(batch.status).toBe(200);
      expect(batch.body.items.map((i: any) => i.apiRef)).not.toContain(PLAIN);
      // A requesterRef batch is its starter's and admins' to read, not the
      // requester's nor another owner's.
      for (const by of ['requester', 'owner.one', 'stranger']) {
        const other = await http.call(
          'get',
          `/grants/revocations/${real.body.batchId}`,
          as(by),
        );
        expect({ by, status: other.status }).toEqual({ by, status: 404 });
      }
    });
  },
);
