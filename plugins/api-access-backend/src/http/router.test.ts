import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();

const REQUESTER = 'user:default/requester';
const OWNER = 'user:default/owner.one';
const OWNER_TWO = 'user:default/owner.two';
const BOTH_TEAMS = 'user:default/both.teams';
const OUTSIDER = 'user:default/outsider';
const PARTNER = 'user:default/partner.person';

const as = (userRef: string) => mockCredentials.user.header(userRef);

const draft = {
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

describe.each(databases.eachSupportedId())(
  'api-access routes on %p',
  databaseId => {
    let server: any;
    let knex: any;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({ knex });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    const countRows = async (table: string) =>
      Number((await knex(table).count({ n: '*' }))[0].n);

    async function createRequest(by = REQUESTER, body: object = draft) {
      const response = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as(by))
        .send(body);
      expect(response.status).toBe(201);
      return response.body;
    }

    it('answers health without credentials', async () => {
      const response = await request(server).get('/api/api-access/health');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('refuses anonymous callers on every other route', async () => {
      const routes: Array<[string, string]> = [
        ['get', '/api/api-access/apis/default/pets/profile'],
        ['post', '/api/api-access/requests'],
        ['get', '/api/api-access/requests?view=mine'],
        ['get', '/api/api-access/requests/x'],
        ['post', '/api/api-access/requests/x/decisions'],
        ['get', '/api/api-access/grants?consumerRef=component:default/a'],
      ];
      for (const [method, path] of routes) {
        const response = await (request(server) as any)
          [method](path)
          .set('Authorization', mockCredentials.none.header());
        expect([path, response.status]).toEqual([path, 401]);
      }
    });

    describe('profiles', () => {
      it.each([
        [
          'pets',
          'group:default/team-c',
          { level: 'internal', source: 'api:default/pets' },
          ['pets:read', 'pets:write'],
          'annotation',
          ['sandbox', 'production'],
        ],
        [
          'invoices',
          'group:default/team-c',
          { level: 'confidential', source: 'system:default/billing' },
          ['invoices:read', 'invoices:write'],
          'definition',
          ['sandbox', 'development', 'staging', 'production'],
        ],
        [
          'ledger-api',
          'group:default/team-c',
          { level: 'restricted', source: 'domain:default/payments' },
          [],
          'none',
          ['sandbox', 'development', 'staging', 'production'],
        ],
        [
          'plain',
          'user:default/owner.one',
          { level: 'internal', source: 'default' },
          [],
          'none',
          ['sandbox', 'development', 'staging', 'production'],
        ],
      ])(
        'derives %s from the catalog',
        async (
          name,
          ownerRef,
          classification,
          scopes,
          scopesSource,
          environments,
        ) => {
          const response = await request(server)
            .get(`/api/api-access/apis/default/${name}/profile`)
            .set('Authorization', as(REQUESTER));
          expect(response.status).toBe(200);
          expect(response.body).toMatchObject({
            apiRef: `api:default/${name}`,
            ownerRef,
            classification,
            scopes,
            scopesSource,
            environments,
          });
        },
      );

      it('answers 404 for an API the catalog does not have', async () => {
        const response = await request(server)
          .get('/api/api-access/apis/default/nope/profile')
          .set('Authorization', as(REQUESTER));
        expect(response.status).toBe(404);
        expect(response.body.error.message).toContain(
          "No API 'api:default/nope'",
        );
      });
    });

    describe('creating requests', () => {
      it('creates an in-review request with the owner stage and shows it as mine', async () => {
        const created = await createRequest();
        expect(created).toMatchObject({
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/team-a-service',
          consumerKind: 'internal',
          requesterRef: REQUESTER,
          ownerRef: 'group:default/team-c',
          status: 'in_review',
          classification: { level: 'internal', source: 'api:default/pets' },
          steps: [
            {
              stageName: 'owner',
              reviewerRef: 'group:default/team-c',
              quorum: 1,
              status: 'pending',
            },
          ],
        });
        const mine = await request(server)
          .get('/api/api-access/requests?view=mine')
          .set('Authorization', as(REQUESTER));
        expect(mine.status).toBe(200);
        expect(mine.body.items.map((r: any) => r.id)).toContain(created.id);
      });

      it.each([
        [{ durationDays: 0 }, 'durationDays must be at least 1 day'],
        [
          { apiRef: 'pets' },
          "apiRef must be an entity ref like 'api:default/name'",
        ],
        [
          { apiRef: 'component:default/pets' },
          "apiRef must refer to an entity of kind api, got kind 'component'",
        ],
        [{ scopes: 'pets:read' }, 'scopes'],
        [{ useCase: '' }, 'useCase is required'],
        [
          { environment: 'moon' },
          "environment 'moon' is not offered by api:default/pets",
        ],
        [
          { scopes: ['pets:delete'] },
          "scopes 'pets:delete' not offered by api:default/pets",
        ],
        [
          { scopes: [] },
          'scopes must name at least one of pets:read, pets:write',
        ],
        [{ durationDays: 400 }, 'durationDays must be at most 365 days'],
        [
          { consumerRef: 'component:default/ghost' },
          "consumerRef 'component:default/ghost' is not in the catalog",
        ],
        [
          { consumerRef: 'group:default/team-a' },
          'a group consumer must be of type partner or vendor',
        ],
      ])(
        'rejects %j with a 400 naming the problem and writes nothing',
        async (patch, message) => {
          const before = await countRows('api_access_requests');
          const stepsBefore = await countRows('api_access_review_steps');
          const response = await request(server)
            .post('/api/api-access/requests')
            .set('Authorization', as(REQUESTER))
            .send({ ...draft, ...patch });
          expect(response.status).toBe(400);
          expect(response.body.error.message).toContain(message);
          expect(await countRows('api_access_requests')).toBe(before);
          expect(await countRows('api_access_review_steps')).toBe(stepsBefore);
        },
      );

      it('rejects a body that is not JSON object data', async () => {
        const response = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .set('Content-Type', 'application/json')
          .send('{"apiRef": ');
        expect(response.status).toBe(400);
      });

      it('refuses a consumer component the requester does not own', async () => {
        const response = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send({ ...draft, consumerRef: 'component:default/team-c-service' });
        expect(response.status).toBe(403);
        expect(response.body.error.message).toContain(
          'owned by group:default/team-c',
        );
      });

      it('lets a partner member request for their partner group, as an external consumer', async () => {
        const created = await createRequest(PARTNER, {
          ...draft,
          consumerRef: 'group:default/northwind',
        });
        expect(created.consumerKind).toBe('external');
      });
    });

    describe('deciding', () => {
      it('lets an owner member approve, which creates a grant on the consumer', async () => {
        const created = await createRequest();
        const inbox = await request(server)
          .get(
            '/api/api-access/requests?view=reviewable&reviewerRef=group:default/team-c',
          )
          .set('Authorization', as(OWNER));
        expect(inbox.body.items.map((r: any) => r.id)).toContain(created.id);

        const decided = await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OWNER))
          .send({ decision: 'approve', comment: 'Fine for sandbox' });
        expect(decided.status).toBe(201);
        expect(decided.body.status).toBe('approved');
        expect(decided.body.decisions).toEqual([
          expect.objectContaining({
            deciderRef: OWNER,
            decision: 'approve',
            comment: 'Fine for sandbox',
          }),
        ]);
        expect(decided.body.grantId).toEqual(expect.any(String));

        const grants = await request(server)
          .get(
            '/api/api-access/grants?consumerRef=component:default/team-a-service',
          )
          .set('Authorization', as(REQUESTER));
        expect(grants.status).toBe(200);
        const grant = grants.body.items.find(
          (g: any) => g.id === decided.body.grantId,
        );
        expect(grant).toMatchObject({
          requestId: created.id,
          apiRef: 'api:default/pets',
          environment: 'sandbox',
          scopes: ['pets:read'],
          status: 'active',
        });
        const days =
          (Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)) /
          86_400_000;
        expect(days).toBe(30);

        const inboxAfter = await request(server)
          .get('/api/api-access/requests?view=reviewable')
          .set('Authorization', as(OWNER_TWO));
        expect(inboxAfter.body.items.map((r: any) => r.id)).not.toContain(
          created.id,
        );
      });

      it('lets an owner member reject with a comment, and no grant appears', async () => {
        const created = await createRequest();
        const noComment = await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OWNER))
          .send({ decision: 'reject' });
        expect(noComment.status).toBe(400);
        expect(noComment.body.error.message).toContain(
          "comment is required when the decision is 'reject'",
        );

        const rejected = await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OWNER))
          .send({ decision: 'reject', comment: 'Use the public feed instead' });
        expect(rejected.status).toBe(201);
        expect(rejected.body.status).toBe('rejected');
        expect(rejected.body.grantId).toBeUndefined();
      });

      it('gives a member of another team 403', async () => {
        const created = await createRequest();
        const response = await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OUTSIDER))
          .send({ decision: 'approve' });
        expect(response.status).toBe(403);
        expect(response.body.error.message).toContain(
          'Only members of group:default/team-c',
        );
        const after = await request(server)
          .get(`/api/api-access/requests/${created.id}`)
          .set('Authorization', as(REQUESTER));
        expect(after.body.status).toBe('in_review');
        expect(after.body.decisions).toEqual([]);
      });

      it('gives the requester 403 on their own request, even as a member of the owning group', async () => {
        const created = await createRequest(BOTH_TEAMS);
        const response = await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(BOTH_TEAMS))
          .send({ decision: 'approve' });
        expect(response.status).toBe(403);
        expect(response.body.error.message).toBe(
          'You requested this access, so you cannot decide it',
        );
        const inbox = await request(server)
          .get('/api/api-access/requests?view=reviewable')
          .set('Authorization', as(BOTH_TEAMS));
        expect(inbox.body.items.map((r: any) => r.id)).not.toContain(
          created.id,
        );
      });

      it('answers 409 when the request was already decided', async () => {
        const created = await createRequest();
        await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OWNER))
          .send({ decision: 'approve' })
          .expect(201);
        const late = await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OWNER_TWO))
          .send({ decision: 'reject', comment: 'too late' });
        expect(late.status).toBe(409);
      });

      it('makes exactly one transition and one grant when two owners decide at once', async () => {
        const created = await createRequest();
        const responses = await Promise.all(
          [OWNER, OWNER_TWO, OWNER, OWNER_TWO].map(by =>
            request(server)
              .post(`/api/api-access/requests/${created.id}/decisions`)
              .set('Authorization', as(by))
              .send({ decision: 'approve' }),
          ),
        );
        const statuses = responses.map(r => r.status).sort();
        expect(statuses.filter(s => s === 201)).toHaveLength(1);
        expect(
          statuses.filter(s => s !== 201).every(s => s === 409 || s === 403),
        ).toBe(true);
        const decisions = await knex('api_access_decisions').where({
          request_id: created.id,
        });
        expect(decisions).toHaveLength(1);
        const grants = await knex('api_access_grants').where({
          request_id: created.id,
        });
        expect(grants).toHaveLength(1);
      });

      it('answers 404 for an unknown request', async () => {
        const response = await request(server)
          .post(
            '/api/api-access/requests/00000000-0000-0000-0000-000000000000/decisions',
          )
          .set('Authorization', as(OWNER))
          .send({ decision: 'approve' });
        expect(response.status).toBe(404);
      });
    });

    describe('reading and withdrawing', () => {
      it('shows a request to its requester and reviewers only', async () => {
        const created = await createRequest();
        for (const [who, status] of [
          [REQUESTER, 200],
          [OWNER, 200],
          [OUTSIDER, 403],
        ] as const) {
          const response = await request(server)
            .get(`/api/api-access/requests/${created.id}`)
            .set('Authorization', as(who));
          expect([who, response.status]).toEqual([who, status]);
        }
      });

      it('lets the requester withdraw before a decision, and nobody else', async () => {
        const created = await createRequest();
        await request(server)
          .post(`/api/api-access/requests/${created.id}/withdraw`)
          .set('Authorization', as(OWNER))
          .expect(403);
        const withdrawn = await request(server)
          .post(`/api/api-access/requests/${created.id}/withdraw`)
          .set('Authorization', as(REQUESTER));
        expect(withdrawn.status).toBe(200);
        expect(withdrawn.body.status).toBe('withdrawn');
        await request(server)
          .post(`/api/api-access/requests/${created.id}/decisions`)
          .set('Authorization', as(OWNER))
          .send({ decision: 'approve' })
          .expect(409);
      });

      it('pages through my requests with a cursor', async () => {
        for (let i = 0; i < 3; i++) {
          await createRequest(OWNER_TWO, {
            ...draft,
            consumerRef: 'component:default/team-c-service',
            apiRef: 'api:default/plain',
            scopes: [],
          });
        }
        const first = await request(server)
          .get('/api/api-access/requests?view=mine&limit=2')
          .set('Authorization', as(OWNER_TWO));
        expect(first.body.items).toHaveLength(2);
        expect(first.body.nextCursor).toEqual(expect.any(String));
        const second = await request(server)
          .get(
            `/api/api-access/requests?view=mine&limit=2&cursor=${first.body.nextCursor}`,
          )
          .set('Authorization', as(OWNER_TWO));
        expect(second.body.items).toHaveLength(1);
        expect(second.body.nextCursor).toBeUndefined();
        const ids = [...first.body.items, ...second.body.items].map(
          (r: any) => r.id,
        );
        expect(new Set(ids).size).toBe(3);

        const bad = await request(server)
          .get('/api/api-access/requests?view=mine&cursor=nonsense')
          .set('Authorization', as(OWNER_TWO));
        expect(bad.status).toBe(400);
        const badView = await request(server)
          .get('/api/api-access/requests?view=everything')
          .set('Authorization', as(OWNER_TWO));
        expect(badView.status).toBe(400);
        expect(badView.body.error.message).toContain(
          "view must be 'mine' or 'reviewable'",
        );
      });
    });
  },
);
