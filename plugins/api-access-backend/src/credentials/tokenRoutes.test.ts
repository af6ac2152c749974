/*
 * Bearer tokens over HTTP, on SQLite and PostgreSQL: a bearer-token type
 * installed through the credential types extension point (a test type that
 * signs its own ES256 JWTs; the real provider is tested in the oauth2-client
 * module), a grant requested, approved and issued through the routes, then
 * /authorize with X-Api-Access-Token and /introspect with
 * token_type_hint=access_token, as a gateway asks. Revoking and suspending
 * through the routes refuse the token on the very next call.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createTestDatabases,
  serviceHeader,
  startApiAccessBackend,
  TEST_GATEWAY,
  TEST_GATEWAY_SUBJECT,
} from '../__testUtils__/testBackend';
import {
  audienceOf,
  createTestTokenType,
  TEST_TOKEN_TYPE_ID,
  testTokenTypeModule,
} from '../__testUtils__/testTokenType';

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const gateway = serviceHeader(TEST_GATEWAY_SUBJECT);

describe.each(databases.eachSupportedId())(
  'bearer tokens through the routes on %p',
  databaseId => {
    const type = createTestTokenType();
    let server: any;
    let stop: () => Promise<void>;
    const reasons: string[] = [];

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: {
            gateway: {
              ...TEST_GATEWAY,
              decisionCacheSeconds: 30,
              negativeDecisionCacheSeconds: 1,
            },
          },
        },
        extraFeatures: [testTokenTypeModule(type)],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    beforeEach(() => {
      type.keysUnavailable = false;
    });

    /** A test-token grant for pets in sandbox, approved and issued: its client id. */
    async function tokenGrant(scopes = ['pets:read']) {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/team-a-service',
          environment: 'sandbox',
          scopes,
          credentialType: TEST_TOKEN_TYPE_ID,
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays: 30,
        });
      expect(created.status).toBe(201);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(approved.body.status).toBe('approved');
      const grantId = approved.body.grantId as string;
      const issued = await request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '1' });
      expect(issued.status).toBe(201);
      expect(issued.body.clientId).toMatch(/^client-/);
      return { grantId, clientId: issued.body.clientId as string };
    }

    async function authorize(
      headers: Record<string, string>,
      api = 'api:default/pets',
    ) {
      const answer = await request(server)
        .get('/api/api-access/authorize')
        .set('Authorization', gateway)
        .set('X-Api-Access-Api', api)
        .set(headers);
      if (answer.headers['x-api-access-reason']) {
        reasons.push(answer.headers['x-api-access-reason']);
      }
      return answer;
    }

    it('lets a valid token through with who is calling, for at most 1 s at the gateway', async () => {
      const { grantId, clientId } = await tokenGrant();
      const token = type.sign({ clientId });
      const answer = await authorize({
        'X-Api-Access-Token': token,
        'X-Api-Access-Scope': 'pets:read',
        'X-Api-Access-Environment': 'sandbox',
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ allowed: true });
      expect(answer.headers).toMatchObject({
        'x-api-access-consumer': 'component:default/team-a-service',
        'x-api-access-grant': grantId,
        'x-api-access-scopes': 'pets:read',
        // decisionCacheSeconds is 30; tokens get tokenDecisionCacheSeconds.
        'cache-control': 'max-age=1',
      });
      expect(answer.headers['x-accel-expires']).toMatch(/^@\d+$/);
    });

    it('refuses a revoked grant on the very next call, with a Bearer challenge', async () => {
      const { grantId, clientId } = await tokenGrant();
      const token = type.sign({ clientId });
      expect((await authorize({ 'X-Api-Access-Token': token })).status).toBe(
        200,
      );
      const revoked = await request(server)
        .post(`/api/api-access/grants/${grantId}/revoke`)
        .set('Authorization', as('requester'))
        .send({ reason: 'Client secret leaked' });
      expect(revoked.status).toBe(200);
      const answer = await authorize({ 'X-Api-Access-Token': token });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(
        'Bearer realm="api-access", error="invalid_token"',
      );
      expect(answer.body).toEqual({
        allowed: false,
        reason: "the token's client has no active grant",
      });
    });

    it('refuses a suspended grant on the very next call, and lets it through once resumed', async () => {
      const { grantId, clientId } = await tokenGrant();
      const token = type.sign({ clientId });
      expect((await authorize({ 'X-Api-Access-Token': token })).status).toBe(
        200,
      );
      const suspended = await request(server)
        .post(`/api/api-access/grants/${grantId}/suspend`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'Abuse from the integration' });
      expect(suspended.status).toBe(200);
      const refused = await authorize({ 'X-Api-Access-Token': token });
      expect(refused.status).toBe(403);
      expect(refused.headers['x-api-access-reason']).toBe(
        'the grant is suspended',
      );
      const resumed = await request(server)
        .post(`/api/api-access/grants/${grantId}/resume`)
        .set('Authorization', as('owner.one'))
        .send({});
      expect(resumed.status).toBe(200);
      expect((await authorize({ 'X-Api-Access-Token': token })).status).toBe(
        200,
      );
    });

    it('refuses a token for another API, without the scope, of an unknown client, or with a key', async () => {
      const { clientId } = await tokenGrant();
      const token = type.sign({ clientId });
      const elsewhere = await authorize(
        { 'X-Api-Access-Token': token },
        'api:default/invoices',
      );
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.body.reason).toBe('the token is not for this API');
      const wrongAudience = await authorize({
        'X-Api-Access-Token': type.sign({
          clientId,
          audiences: [audienceOf('api:default/invoices')],
        }),
      });
      expect(wrongAudience.body.reason).toBe('the token is not for this API');
      const write = await authorize({
        'X-Api-Access-Token': token,
        'X-Api-Access-Scope': 'pets:write',
      });
      expect(write.status).toBe(403);
      expect(write.body.reason).toBe('the token lacks the scope pets:write');
      const unknown = await authorize({
        'X-Api-Access-Token': type.sign({ clientId: 'someone-else' }),
      });
      expect(unknown.status).toBe(401);
      expect(unknown.body.reason).toBe("the token's client has no grant");
      const forged = await authorize({
        'X-Api-Access-Token': type.sign({ clientId, foreignKey: true }),
      });
      expect(forged.status).toBe(401);
      expect(forged.body.reason).toBe('the token signature is not valid');
      const both = await authorize({
        'X-Api-Access-Token': token,
        'X-Api-Access-Key': 'aak_abcdefgh_xyz',
      });
      expect(both.status).toBe(401);
      expect(both.body.reason).toBe('present an API key or a token, not both');
      expect(both.headers['www-authenticate']).toBe(
        'Bearer realm="api-access", error="invalid_request"',
      );
      // A key alone keeps its own challenge.
      const key = await authorize({ 'X-Api-Access-Key': 'aak_abcdefgh_xyz' });
      expect(key.status).toBe(401);
      expect(key.headers['www-authenticate']).toBe('ApiKey realm="api-access"');
    });

    it('answers 503, not cached, while the type cannot check tokens', async () => {
      const { clientId } = await tokenGrant();
      const token = type.sign({ clientId });
      type.keysUnavailable = true;
      const answer = await authorize({ 'X-Api-Access-Token': token });
      expect(answer.status).toBe(503);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body.reason).toBe(
        "the identity provider's keys could not be fetched",
      );
      const introspected = await request(server)
        .post('/api/api-access/introspect')
        .set('Authorization', gateway)
        .type('form')
        .send({ token, token_type_hint: 'access_token' });
      expect(introspected.status).toBe(503);
      type.keysUnavailable = false;
      expect((await authorize({ 'X-Api-Access-Token': token })).status).toBe(
        200,
      );
    });

    it('introspects a token with token_type_hint=access_token, and takes JWTs up to 16 KB', async () => {
      const { grantId, clientId } = await tokenGrant();
      const token = type.sign({ clientId });
      const answer = await request(server)
        .post('/api/api-access/introspect')
        .set('Authorization', gateway)
        .type('form')
        .send({ token, token_type_hint: 'access_token' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        active: true,
        grant_id: grantId,
        client_id: 'component:default/team-a-service',
        aud: 'api:default/pets',
        scope: 'pets:read',
        oauth_client_id: clientId,
      });
      // A 10 KB JWS-shaped value: read, checked, inactive.
      const big = `${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`;
      const bigAnswer = await request(server)
        .post('/api/api-access/introspect')
        .set('Authorization', gateway)
        .send({ token: big });
      expect(bigAnswer.status).toBe(200);
      expect(bigAnswer.body).toEqual({ active: false });
      const tooBig = await request(server)
        .post('/api/api-access/introspect')
        .set('Authorization', gateway)
        .type('form')
        .send({ token: 'a'.repeat(17_000) });
      expect(tooBig.status).toBe(400);
      expect(tooBig.body.error.message).toContain('at most 16384 bytes');
    });

    it('names no API or environment in any reason', () => {
      expect(reasons.length).toBeGreaterThan(8);
      // Only the scope a call asked for may be named.
      const naming = reasons
        .map(reason => reason.replace('pets:write', '<asked>'))
        .filter(reason => /pets|invoices|sandbox|production|api:/.test(reason));
      expect(naming).toEqual([]);
    });
  },
);
