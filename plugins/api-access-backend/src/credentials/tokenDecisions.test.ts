/*
 * Bearer tokens at the decision path, on both databases, with a test
 * bearer-token type (ES256 JWTs signed by the test): the type checks the
 * token, then the grant behind its client decides, as for keys. A revoked
 * or suspended grant's token is refused on the very next call, a narrowed
 * grant's dropped scope at once, a type that cannot check answers 503 and
 * is asked again, and no reason names another API or environment.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { parseReviewPolicy } from '@api-access/backstage-plugin-api-access-common';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';
import {
  audienceOf,
  createTestTokenType,
  TEST_TOKEN_TYPE_ID,
  TestTokenType,
} from '../__testUtils__/testTokenType';
import { GrantStore, planColumns } from '../grants/GrantStore';
import { LifecycleMarks } from '../lifecycle/LifecycleService';
import { AuditLog } from '../audit/AuditLog';
import { CredentialStore } from './CredentialStore';
import { CredentialService, GatewayDecision } from './CredentialService';

const databases = createTestDatabases();
const HOUR = 60 * 60 * 1000;
const PETS = { apiRef: 'api:default/pets', scope: 'pets:read' };

describe.each(databases.eachSupportedId())(
  'bearer tokens at /authorize and /introspect on %p',
  databaseId => {
    let now: Date;
    let knex: any;
    let type: TestTokenType;
    let service: CredentialService;
    let credentials: CredentialStore;
    const reasons: string[] = [];

    function build(extra: { tokenTypes?: boolean } = {}) {
      const policy = parseReviewPolicy({
        credentials: { introspectionCacheSeconds: 60 },
        // A long key cache: token answers must still be kept only 1 s.
        gateway: { decisionCacheSeconds: 30, negativeDecisionCacheSeconds: 2 },
      });
      return new CredentialService({
        credentials,
        grants: new GrantStore(knex, new LifecycleMarks(knex)),
        audit: new AuditLog(knex),
        config: policy,
        clock: () => now,
        ...(extra.tokenTypes === false
          ? {}
          : { credentialTypes: { tokenTypes: () => [type] } }),
      });
    }

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@api-access/backstage-plugin-api-access-backend',
          'migrations',
        ),
        tableName: 'api_access_knex_migrations',
      });
      credentials = new CredentialStore(knex);
      type = createTestTokenType({ clock: () => now });
      service = build();
      await service.start();
    });

    afterAll(async () => {
      await service.stop();
    });

    beforeEach(() => {
      now = new Date('2026-12-03T08:00:00Z');
      type.keysUnavailable = false;
    });

    /** A grant for pets (sandbox, pets:read) whose credential is a client of the test type. */
    async function client(
      options: { scopes?: string[]; expiresInHours?: number } = {},
    ) {
      const grantId = await insertApprovedGrant(knex, {
        createdAt: now,
        expiresAt: new Date(
          now.getTime() + (options.expiresInHours ?? 48) * HOUR,
        ),
        consumerRef: 'component:default/team-a-service',
        credentialType: TEST_TOKEN_TYPE_ID,
      });
      if (options.scopes) {
        await knex('api_access_grants')
          .where({ id: grantId })
          .update({ scopes: JSON.stringify(options.scopes) });
      }
      const clientId = `client-${grantId}`;
      const credentialId = `c-${grantId}`;
      await credentials.insert(knex, {
        id: credentialId,
        grant_id: grantId,
        credential_type: TEST_TOKEN_TYPE_ID,
        prefix: clientId,
        secret_hash: type.lookupHashOf(clientId),
        status: 'active',
        terms_version: '1',
        issued_to: 'user:default/requester',
        created_at: now,
        valid_until: null,
      });
      return { grantId, clientId, credentialId };
    }

    async function ask(
      presented: { key?: string; token?: string },
      target: { apiRef: string; scope?: string; environment?: string } = PETS,
      on: CredentialService = service,
    ): Promise<GatewayDecision> {
      const decision = await on.authorize(presented, target);
      // Only what was asked may be named: the scope the call needs.
      if (decision.reason) {
        reasons.push(decision.reason.replace(target.scope ?? '', '<asked>'));
      }
      return decision;
    }

    it('lets a valid token through with the consumer and its scopes, cached at the gateway for 1 s only', async () => {
      const { grantId, clientId } = await client();
      const token = type.sign({ clientId, scopes: ['pets:read'] });
      const decision = await ask({ token });
      expect(decision).toMatchObject({
        status: 200,
        presented: 'token',
        cacheSeconds: 1,
        result: {
          active: true,
          client_id: 'component:default/team-a-service',
          grant_id: grantId,
          scope: 'pets:read',
          environment: 'sandbox',
          oauth_client_id: clientId,
        },
      });
      // Asked again within the backend's cache: the type is not asked again.
      const verified = type.verified;
      expect((await ask({ token })).status).toBe(200);
      expect(type.verified).toBe(verified);
    });

    it("answers only the scopes both the token and the grant's current terms have", async () => {
      const { clientId } = await client({ scopes: ['pets:read'] });
      const token = type.sign({
        clientId,
        scopes: ['pets:read', 'pets:write'],
      });
      const decision = await ask({ token }, { apiRef: PETS.apiRef });
      expect(decision.result.scope).toBe('pets:read');
      const write = await ask(
        { token },
        { apiRef: PETS.apiRef, scope: 'pets:write' },
      );
      expect(write).toMatchObject({
        status: 403,
        reason: 'the token lacks the scope pets:write',
      });
    });

    it('never lets the gateway keep an answer past the token, and says when the token ends', async () => {
      const { clientId } = await client();
      const token = type.sign({ clientId, expiresInSeconds: 30 });
      const decision = await ask({ token });
      expect(decision.status).toBe(200);
      expect(decision.result.exp).toBe(Math.floor(now.getTime() / 1000) + 30);
      // 0.5 s left: nothing to cache.
      const short = type.sign({ clientId, expiresInSeconds: 1 });
      now = new Date(now.getTime() + 500);
      expect(await ask({ token: short })).toMatchObject({
        status: 200,
        cacheSeconds: 0,
      });
      // Past its exp, the backend's own cache does not answer for it either.
      now = new Date(now.getTime() + 1000);
      expect(await ask({ token: short })).toMatchObject({
        status: 401,
        reason: 'the token has expired',
      });
    });

    it("refuses a token whose client no grant knows, and a token of another type's client", async () => {
      const token = type.sign({ clientId: 'registered-elsewhere' });
      expect(await ask({ token })).toMatchObject({
        status: 401,
        presented: 'token',
        reason: "the token's client has no grant",
        cacheSeconds: 2,
      });
      // An API key row with the same hash is not this type's credential.
      const { grantId } = await client();
      await knex('api_access_credentials')
        .where({ grant_id: grantId })
        .update({ credential_type: 'api-key' });
      const other = type.sign({ clientId: `client-${grantId}` });
      expect((await ask({ token: other })).reason).toBe(
        "the token's client has no grant",
      );
    });

    it('refuses a revoked grant on the very next call, though its answer was cached', async () => {
      const { grantId, clientId } = await client();
      const token = type.sign({ clientId });
      expect((await ask({ token })).status).toBe(200);
      // What GrantService.revoke does, then tells every replica.
      await knex('api_access_grants')
        .where({ id: grantId })
        .update({ status: 'revoked', revoked_at: now });
      await knex('api_access_credentials')
        .where({ grant_id: grantId })
        .update({ status: 'revoked', revoked_at: now });
      await service.forgetGrant(grantId);
      expect(await ask({ token })).toMatchObject({
        status: 401,
        reason: "the token's client has no active grant",
      });
      expect((await service.introspect(token)).active).toBe(false);
    });

    it('refuses a suspended grant on the very next call (403), and lets it through once resumed', async () => {
      const { grantId, clientId } = await client();
      const token = type.sign({ clientId });
      expect((await ask({ token })).status).toBe(200);
      await knex('api_access_grants')
        .where({ id: grantId })
        .update({ status: 'suspended' });
      await service.forgetGrant(grantId);
      expect(await ask({ token })).toMatchObject({
        status: 403,
        reason: 'the grant is suspended',
      });
      await knex('api_access_grants')
        .where({ id: grantId })
        .update({ status: 'active' });
      await service.forgetGrant(grantId);
      expect((await ask({ token })).status).toBe(200);
    });

    it('refuses the scope a narrowed plan dropped at once', async () => {
      const { grantId, clientId } = await client({
        scopes: ['pets:read', 'pets:write'],
      });
      const token = type.sign({
        clientId,
        scopes: ['pets:read', 'pets:write'],
      });
      const write = { apiRef: PETS.apiRef, scope: 'pets:write' };
      expect((await ask({ token }, write)).status).toBe(200);
      await knex('api_access_grants')
        .where({ id: grantId })
        .update({ scopes: JSON.stringify(['pets:read']) });
      await service.forgetGrant(grantId);
      expect(await ask({ token }, write)).toMatchObject({
        status: 403,
        reason: 'the token lacks the scope pets:write',
      });
      expect((await ask({ token })).status).toBe(200);
    });

    it('refuses a superseded client past its overlap, and keeps it through the overlap', async () => {
      const { grantId, clientId } = await client();
      const token = type.sign({ clientId, expiresInSeconds: 7200 });
      await knex('api_access_credentials')
        .where({ grant_id: grantId })
        .update({
          status: 'superseded',
          valid_until: new Date(now.getTime() + HOUR),
        });
      await service.forgetGrant(grantId);
      expect((await ask({ token })).status).toBe(200);
      now = new Date(now.getTime() + HOUR + 1000);
      expect(await ask({ token })).toMatchObject({
        status: 401,
        reason: "the token's client is no longer active",
      });
    });

    it('refuses a token for another audience, and one for another API, with the same reason', async () => {
      const { clientId } = await client();
      const elsewhere = type.sign({
        clientId,
        audiences: [audienceOf('api:default/invoices')],
      });
      expect(await ask({ token: elsewhere })).toMatchObject({
        status: 403,
        reason: 'the token is not for this API',
      });
      // The audience fits invoices, but the client's grant is for pets.
      const fitting = type.sign({
        clientId,
        audiences: [audienceOf('api:default/invoices')],
        scopes: ['invoices:read'],
      });
      expect(
        await ask(
          { token: fitting },
          { apiRef: 'api:default/invoices', scope: 'invoices:read' },
        ),
      ).toMatchObject({ status: 403, reason: 'the token is not for this API' });
      const token = type.sign({ clientId });
      expect(
        await ask({ token }, { ...PETS, environment: 'production' }),
      ).toMatchObject({
        status: 403,
        reason: 'the token is not for this environment',
      });
    });

    it("refuses a forged, foreign-issuer or expired token with the type's reason, cached as a refusal", async () => {
      const { clientId } = await client();
      const cases: Array<[string, string]> = [
        [
          type.sign({ clientId, foreignKey: true }),
          'the token signature is not valid',
        ],
        [
          type.sign({ clientId, issuer: 'https://other.invalid' }),
          'the token is not from the expected issuer',
        ],
        [
          type.sign({ clientId, expiresInSeconds: -10 }),
          'the token has expired',
        ],
        ['a.b', 'the token is malformed'],
        ['...', 'the token is malformed'],
      ];
      for (const [token, reason] of cases) {
        expect(await ask({ token })).toMatchObject({
          status: 401,
          presented: 'token',
          reason,
          cacheSeconds: 2,
        });
        // A refusal is kept too: a spray of bad tokens costs one check each.
        const verified = type.verified;
        expect((await ask({ token })).reason).toBe(reason);
        expect(type.verified).toBe(verified);
      }
      expect(await ask({ token: 'x'.repeat(16385) })).toMatchObject({
        status: 401,
        reason: 'the token is malformed',
      });
    });

    it("counts a token's calls against its grant's quota, never cached, and refuses past it as for keys", async () => {
      now = new Date('2026-12-03T18:00:00Z');
      const { grantId, clientId } = await client();
      await knex('api_access_grants')
        .where({ id: grantId })
        .update(
          planColumns({
            name: 'starter',
            title: 'Starter',
            rateLimit: { requests: 2, perSeconds: 1 },
            quota: { requests: 2, period: 'day' },
          }),
        );
      await service.forgetGrant(grantId);
      const token = type.sign({ clientId });
      for (let call = 0; call < 2; call += 1) {
        const allowed = await ask({ token });
        expect(allowed).toMatchObject({
          status: 200,
          presented: 'token',
          cacheSeconds: 0,
        });
        expect(allowed.result.quota).toEqual({ requests: 2, period: 'day' });
      }
      expect(await ask({ token })).toMatchObject({
        status: 429,
        presented: 'token',
        reason: 'the quota of the plan is used up',
        refusal: 'quota',
        retryAfterSeconds: 6 * 3600,
        cacheSeconds: 0,
      });
      expect(
        await service.authorize({ token }, PETS, { quotaRefusalAs403: true }),
      ).toMatchObject({ status: 403, presented: 'token', refusal: 'quota' });
    });

    it('refuses a key and a token together', async () => {
      const { clientId } = await client();
      expect(
        await ask({ key: 'aak_x_y', token: type.sign({ clientId }) }),
      ).toMatchObject({
        status: 401,
        presented: 'both',
        reason: 'present an API key or a token, not both',
      });
    });

    it('answers 503 while the type cannot check tokens, never caches it, and asks again on the next call', async () => {
      const { clientId } = await client();
      const token = type.sign({ clientId });
      type.keysUnavailable = true;
      expect(await ask({ token })).toMatchObject({
        status: 503,
        reason: "the identity provider's keys could not be fetched",
        cacheSeconds: 0,
      });
      await expect(service.introspect(token)).rejects.toThrow(
        ServiceUnavailableError,
      );
      type.keysUnavailable = false;
      expect((await ask({ token })).status).toBe(200);
    });

    it('refuses tokens where no bearer-token type is installed', async () => {
      const bare = build({ tokenTypes: false });
      const { clientId } = await client();
      expect(
        await ask({ token: type.sign({ clientId }) }, PETS, bare),
      ).toMatchObject({
        status: 401,
        reason: 'bearer tokens are not accepted here',
      });
    });

    it("never names the grant's API or environment in a reason, only what the call asked for", () => {
      // Collected from every case above (the token's grant is always for
      // pets, in sandbox); the asked scope is masked.
      expect(reasons.length).toBeGreaterThan(10);
      const naming = reasons.filter(reason =>
        /pets|invoices|sandbox|production|api:/.test(reason),
      );
      expect(naming).toEqual([]);
    });

    it('introspects a token by hint or by its JWS shape, and keys as before', async () => {
      const { grantId, clientId } = await client();
      const token = type.sign({ clientId });
      expect(
        await service.introspect(token, { tokenTypeHint: 'access_token' }),
      ).toMatchObject({
        active: true,
        grant_id: grantId,
        aud: 'api:default/pets',
        oauth_client_id: clientId,
      });
      expect((await service.introspect(token)).active).toBe(true);
      // Not a token: inactive, without asking the type.
      const verified = type.verified;
      expect((await service.introspect('aak_abc_def')).active).toBe(false);
      expect(type.verified).toBe(verified);
      expect(
        (
          await service.introspect('not-a-jwt', {
            tokenTypeHint: 'access_token',
          })
        ).active,
      ).toBe(false);
      expect(
        (await service.introspect(type.sign({ clientId: 'unknown' }))).active,
      ).toBe(false);
    });
  },
);
