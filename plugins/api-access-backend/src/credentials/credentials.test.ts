/*
 * API keys over HTTP on SQLite and PostgreSQL: issued once after the usage
 * terms are accepted, rotated, introspected the way a gateway would, and
 * never written anywhere in clear: not the database, the history, the logs
 * or an error message.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const gateway = () => mockCredentials.service.header();

const draft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['pets:read'],
  useCase: 'Read pets for the dashboard.',
  justification: 'Spring release.',
  credentialStorage: 'Vault, rotated monthly',
  durationDays: 30,
};

describe.each(databases.eachSupportedId())('API keys on %p', databaseId => {
  let server: any;
  let knex: any;
  let stop: () => Promise<void>;
  const output: string[] = [];
  const writes: jest.SpyInstance[] = [];

  beforeAll(async () => {
    // Every log line the backend writes (at debug level), to search for secrets.
    for (const method of ['error', 'warn', 'info', 'debug', 'log'] as const) {
      writes.push(
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          output.push(
            args
              .map(arg => (typeof arg === 'string' ? arg : JSON.stringify(arg)))
              .join(' '),
          );
        }),
      );
    }
    knex = await databases.init(databaseId);
    const backend = await startApiAccessBackend({
      knex,
      extraFeatures: [mockServices.rootLogger.factory({ level: 'debug' })],
      config: {
        apiAccess: {
          gateway: TEST_GATEWAY,
          credentials: {
            rotationOverlapHours: 0,
            terms: { version: '2026-11', text: 'Keep it secret.' },
          },
        },
      },
    });
    server = backend.server;
    stop = () => backend.stop();
  }, 60_000);

  afterAll(async () => {
    await stop?.();
    writes.forEach(spy => spy.mockRestore());
  });

  async function approvedGrant(): Promise<string> {
    const created = await request(server)
      .post('/api/api-access/requests')
      .set('Authorization', as('requester'))
      .send(draft);
    const approved = await request(server)
      .post(`/api/api-access/requests/${created.body.id}/decisions`)
      .set('Authorization', as('owner.one'))
      .send({ decision: 'approve' });
    return approved.body.grantId;
  }
  const issue = (grantId: string, by: string, body: object) =>
    request(server)
      .post(`/api/api-access/grants/${grantId}/credentials`)
      .set('Authorization', as(by))
      .send(body);
  const introspect = (token: string, auth = gateway()) =>
    request(server)
      .post('/api/api-access/introspect')
      .set('Authorization', auth)
      .type('form')
      .send({ token });

  it('issues a key once, introspects it, rotates it, and never stores or logs it in clear', async () => {
    const grantId = await approvedGrant();
    const terms = await request(server)
      .get('/api/api-access/credentials/terms')
      .set('Authorization', as('requester'));
    expect(terms.body).toEqual({ version: '2026-11', text: 'Keep it secret.' });

    const wrongTerms = await issue(grantId, 'requester', {
      acceptTerms: '2025-01',
    });
    expect(wrongTerms.status).toBe(400);
    expect(wrongTerms.body.error.message).toContain(
      "acceptTerms must be the current usage terms version '2026-11'",
    );
    expect((await issue(grantId, 'requester', {})).status).toBe(400);
    expect(
      (await issue(grantId, 'owner.one', { acceptTerms: '2026-11' })).status,
    ).toBe(403);
    expect(
      (await issue('no-such-grant', 'requester', { acceptTerms: '2026-11' }))
        .status,
    ).toBe(404);

    const first = await issue(grantId, 'requester', { acceptTerms: '2026-11' });
    expect(first.status).toBe(201);
    expect(first.headers['cache-control']).toBe('no-store');
    const secret: string = first.body.secret;
    expect(secret).toMatch(/^aak_[\w-]{8}_[\w-]{43}$/);
    expect(secret.startsWith(first.body.prefix)).toBe(true);

    const active = await introspect(secret);
    expect(active.status).toBe(200);
    expect(active.body).toEqual({
      active: true,
      scope: 'pets:read',
      client_id: 'component:default/team-a-service',
      sub: 'component:default/team-a-service',
      aud: 'api:default/pets',
      exp: expect.any(Number),
      environment: 'sandbox',
      grant_id: grantId,
      rate_limit: { requests: 600, per_seconds: 60 },
    });
    const json = await request(server)
      .post('/api/api-access/introspect')
      .set('Authorization', gateway())
      .send({ token: secret });
    expect(json.body.active).toBe(true);

    expect((await introspect(`${secret}x`)).body).toEqual({ active: false });
    expect((await introspect('')).status).toBe(400);
    const tooBig = await introspect('x'.repeat(5000));
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toContain('at most 4096 bytes');
    const badJson = await request(server)
      .post('/api/api-access/introspect')
      .set('Authorization', gateway())
      .set('Content-Type', 'application/json')
      .send('{"token": ');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.message).toContain('not JSON');
    expect((await introspect(secret, as('requester'))).status).toBe(403);
    expect(
      (await introspect(secret, mockCredentials.none.header())).status,
    ).toBe(401);

    const grants = await request(server)
      .get(
        '/api/api-access/grants?consumerRef=component:default/team-a-service',
      )
      .set('Authorization', as('requester'));
    const grant = grants.body.items.find((g: any) => g.id === grantId);
    expect(grant.credential).toEqual({
      id: first.body.id,
      prefix: first.body.prefix,
      createdAt: expect.any(String),
    });
    expect(JSON.stringify(grants.body)).not.toContain(secret);

    // Rotation: with no overlap configured the old key stops at once, on this replica.
    const second = await issue(grantId, 'requester', {
      acceptTerms: '2026-11',
    });
    expect(second.status).toBe(201);
    expect(second.body.secret).not.toBe(secret);
    expect((await introspect(secret)).body).toEqual({ active: false });
    expect((await introspect(second.body.secret)).body.active).toBe(true);

    const history = await request(server)
      .get(`/api/api-access/audit?subjectId=${grantId}`)
      .set('Authorization', as('requester'));
    const actions = history.body.items.map((e: any) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'grant.created',
        'credential.issued',
        'credential.rotated',
      ]),
    );
    const rotated = history.body.items.find(
      (e: any) => e.action === 'credential.rotated',
    );
    expect(rotated.details).toMatchObject({
      prefix: second.body.prefix,
      supersededPrefixes: [first.body.prefix],
      termsVersion: '2026-11',
    });

    // The secrets appear nowhere: no table row, no history, no log line.
    const secrets = [secret, second.body.secret];
    // The random part after `aak_<8-char prefix>_`. It may itself contain `_`,
    // so it is cut by position, never by splitting on `_`.
    const randomPart = (key: string) => key.slice('aak_'.length + 8 + 1);
    expect(secrets.map(key => randomPart(key).length)).toEqual([43, 43]);
    const tables = [
      'api_access_requests',
      'api_access_review_steps',
      'api_access_decisions',
      'api_access_grants',
      'api_access_credentials',
      'api_access_audit_events',
    ];
    for (const table of tables) {
      const dump = JSON.stringify(await knex(table).select());
      for (const s of secrets) {
        expect([table, dump.includes(s)]).toEqual([table, false]);
        // Not even the random part alone.
        expect([table, dump.includes(randomPart(s))]).toEqual([table, false]);
      }
    }
    expect(JSON.stringify(history.body)).not.toContain(randomPart(secrets[1]));
    const printed = output.join('');
    expect(printed.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(printed.includes(randomPart(s))).toBe(false);
    }
  });

  it('refuses a credential for a grant that is not active', async () => {
    const grantId = await approvedGrant();
    await knex('api_access_grants')
      .where({ id: grantId })
      .update({ status: 'revoked' });
    const refused = await issue(grantId, 'requester', {
      acceptTerms: '2026-11',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('The grant is revoked');
  });
});
