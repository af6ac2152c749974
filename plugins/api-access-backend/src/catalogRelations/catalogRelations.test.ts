/*
 * GET /catalog/relations on SQLite and PostgreSQL: the distinct
 * (consumer, API) pairs of active, unexpired grants, for the catalog
 * (plugin:catalog by default) and nobody else.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/testBackend';
import {
  BASE,
  CONSUMER,
  DAY,
  GATEWAY_SUBJECT,
  SecurityBackend,
  as,
  client,
  movableClock,
  serviceHeader,
  startSecurityBackend,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();
const CATALOG = serviceHeader('plugin:catalog');

describe.each(databases.eachSupportedId())(
  'GET /catalog/relations on %p',
  databaseId => {
    let backend: SecurityBackend;
    let http: ReturnType<typeof client>;

    beforeAll(async () => {
      backend = await startSecurityBackend({
        knex: await databases.init(databaseId),
        clock: movableClock('2031-03-01T00:00:00Z'),
      });
      http = client(backend.server);
    }, 120_000);

    afterAll(async () => {
      await backend?.stop();
    });

    const relations = (authorization = CATALOG) =>
      request(backend.server)
        .get(`${BASE}/catalog/relations`)
        .set('Authorization', authorization);

    it('answers each consumer and API with an active grant once, until every such grant has ended', async () => {
      expect((await relations()).body.items).toEqual([]);

      const first = await http.approvedGrant();
      const second = await http.approvedGrant();
      const answer = await relations();
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toEqual({
        items: [{ consumerRef: CONSUMER, apiRef: 'api:default/pets' }],
        generatedAt: '2031-03-01T00:00:00.000Z',
      });

      // One of two grants revoked: the pair stays.
      await http.call(
        'post',
        `/grants/${first.grantId}/revoke`,
        as('requester'),
        {
          reason: 'Replaced by the second key.',
        },
      );
      expect((await relations()).body.items).toHaveLength(1);

      // Past its expiry the last grant no longer counts, before the
      // lifecycle tick has marked it expired.
      backend.clock.advance(61 * DAY);
      expect((await relations()).body.items).toEqual([]);
      backend.clock.advance(-61 * DAY);
      expect((await relations()).body.items).toHaveLength(1);

      await http.call(
        'post',
        `/grants/${second.grantId}/revoke`,
        as('requester'),
        {
          reason: 'The dashboard is retired.',
        },
      );
      expect((await relations()).body.items).toEqual([]);
    });

    it('refuses users, gateways and other services', async () => {
      expect((await relations(as('requester'))).status).toBe(403);
      expect((await relations(as('admin.one'))).status).toBe(403);
      expect((await relations(serviceHeader(GATEWAY_SUBJECT))).status).toBe(
        403,
      );
      const other = await relations(serviceHeader('plugin:scaffolder'));
      expect(other.status).toBe(403);
      expect(other.body.error.message).toContain(
        'apiAccess.catalogRelations.allowedSubjects',
      );
      expect((await relations(mockCredentials.none.header())).status).toBe(401);
    });
  },
);
