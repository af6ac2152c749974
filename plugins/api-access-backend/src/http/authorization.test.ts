/*
 * Every route, for every kind of caller: the requester, an unrelated user,
 * a member of the owning team, a member of a later review stage, and an
 * anonymous caller. Then a custom permission policy that narrows reads with
 * a condition, which the list route applies in SQL.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();

type Persona = 'requester' | 'stranger' | 'owner' | 'security' | 'anonymous';
const PERSONAS: Persona[] = [
  'requester',
  'stranger',
  'owner',
  'security',
  'anonymous',
];
const USERS: Record<Exclude<Persona, 'anonymous'>, string> = {
  requester: 'user:default/requester',
  stranger: 'user:default/stranger',
  owner: 'user:default/owner.one',
  security: 'user:default/sec.one',
};
const header = (who: Persona) =>
  who === 'anonymous'
    ? mockCredentials.none.header()
    : mockCredentials.user.header(USERS[who]);

const draft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'production',
  scopes: ['pets:read'],
  useCase: 'Read pets for the dashboard.',
  justification: 'Spring release.',
  credentialStorage: 'Vault, rotated monthly',
  durationDays: 30,
};
const { apiRef: _api, ...terms } = draft;

describe.each(databases.eachSupportedId())(
  'authorization on %p',
  databaseId => {
    let server: any;
    let stop: () => Promise<void>;
    let requestId: string;
    let withdrawId: string;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({ knex });
      server = backend.server;
      stop = () => backend.stop();
      const create = () =>
        request(server)
          .post('/api/api-access/requests')
          .set('Authorization', header('requester'))
          .send(draft);
      requestId = (await create()).body.id;
      withdrawId = (await create()).body.id;
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    // Expected status per persona, in the order of PERSONAS. Rows run in order:
    // the owner's approval comes after every refusal on the same request.
    const routes: Array<
      [string, string, () => string, object | undefined, number[]]
    > = [
      ['health', 'get', () => '/health', undefined, [200, 200, 200, 200, 200]],
      [
        'profile',
        'get',
        () => '/apis/default/pets/profile',
        undefined,
        [200, 200, 200, 200, 401],
      ],
      [
        'plan preview',
        'post',
        () => '/plans',
        draft,
        [200, 403, 403, 403, 401],
      ],
      [
        'my requests',
        'get',
        () => '/requests?view=mine',
        undefined,
        [200, 200, 200, 200, 401],
      ],
      [
        'inbox',
        'get',
        () => '/requests?view=reviewable',
        undefined,
        [200, 200, 200, 200, 401],
      ],
      [
        'read a request',
        'get',
        () => `/requests/${requestId}`,
        undefined,
        [200, 403, 200, 200, 401],
      ],
      [
        'history',
        'get',
        () => `/audit?subjectId=${requestId}`,
        undefined,
        [200, 403, 200, 200, 401],
      ],
      [
        'verify the chain',
        'get',
        () => '/audit/verify',
        undefined,
        // For api-access.admin only (none of these personas).
        [403, 403, 403, 403, 401],
      ],
      [
        'grants',
        'get',
        () => '/grants?consumerRef=component:default/team-a-service',
        undefined,
        [200, 200, 200, 200, 401],
      ],
      [
        'resubmit before changes are requested',
        'post',
        () => `/requests/${requestId}/resubmit`,
        terms,
        [409, 403, 403, 403, 401],
      ],
      [
        'withdraw',
        'post',
        () => `/requests/${withdrawId}/withdraw`,
        {},
        [200, 403, 403, 403, 401],
      ],
      [
        'decide',
        'post',
        () => `/requests/${requestId}/decisions`,
        { decision: 'approve' },
        [403, 403, 201, 403, 401],
      ],
    ];

    it.each(routes)('%s', async (_name, method, path, body, expected) => {
      const actual: Record<string, number> = {};
      // The requester acts last so that withdraw-like moves do not change what
      // the others see; the owner acts after the rest for the same reason.
      for (const who of [
        'stranger',
        'security',
        'anonymous',
        'requester',
        'owner',
      ] as Persona[]) {
        let call = (request(server) as any)
          [method](`/api/api-access${path()}`)
          .set('Authorization', header(who));
        if (body) call = call.send(body);
        actual[who] = (await call).status;
      }
      expect(PERSONAS.map(who => `${who}:${actual[who]}`)).toEqual(
        PERSONAS.map((who, i) => `${who}:${expected[i]}`),
      );
    });

    it('creates for the requester only', async () => {
      const statuses = await Promise.all(
        PERSONAS.map(
          async who =>
            (
              await request(server)
                .post('/api/api-access/requests')
                .set('Authorization', header(who))
                .send(draft)
            ).status,
        ),
      );
      expect(statuses).toEqual([201, 403, 403, 403, 401]);
    });
  },
);

/** A permission policy for api-access only; everything else (the catalog) is allowed. */
function apiAccessPolicy(policy: {
  create?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  readCondition?: PermissionCriteria<PermissionCondition>;
}) {
  return mockServices.permissions.mock({
    async authorize(requests: any[]) {
      return requests.map(r => ({
        result:
          r.permission.name === 'api-access.request.create'
            ? policy.create ?? AuthorizeResult.ALLOW
            : AuthorizeResult.ALLOW,
      }));
    },
    async authorizeConditional(requests: any[]) {
      return requests.map(r =>
        r.permission.name === 'api-access.request.read' && policy.readCondition
          ? {
              result: AuthorizeResult.CONDITIONAL,
              pluginId: 'api-access',
              resourceType: 'api-access-request',
              conditions: policy.readCondition,
            }
          : { result: AuthorizeResult.ALLOW },
      );
    },
  }).factory;
}

describe('a custom permission policy', () => {
  it('narrows lists with a condition that the store applies in SQL', async () => {
    const backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
      extraFeatures: [
        apiAccessPolicy({
          readCondition: {
            rule: 'HAS_API',
            resourceType: 'api-access-request',
            params: { apiRefs: ['api:default/plain'] },
          },
        }),
      ],
    });
    try {
      const create = (body: object) =>
        request(backend.server)
          .post('/api/api-access/requests')
          .set('Authorization', header('requester'))
          .send(body);
      await create(draft).expect(201);
      await create({
        ...draft,
        apiRef: 'api:default/plain',
        scopes: [],
        environment: 'development',
      }).expect(201);

      const mine = await request(backend.server)
        .get('/api/api-access/requests?view=mine')
        .set('Authorization', header('requester'));
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((r: any) => r.apiRef)).toEqual([
        'api:default/plain',
      ]);
    } finally {
      await backend.stop();
    }
  }, 60_000);

  it('can deny creating requests', async () => {
    const backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
      extraFeatures: [apiAccessPolicy({ create: AuthorizeResult.DENY })],
    });
    try {
      const response = await request(backend.server)
        .post('/api/api-access/requests')
        .set('Authorization', header('requester'))
        .send(draft);
      expect(response.status).toBe(403);
      expect(response.body.error.message).toBe(
        'Permission api-access.request.create denied',
      );
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
