/*
 * The type's token side as the gateway decision uses it: a token fetched
 * from the real provider with the secret the holder was shown verifies to
 * the credential's lookup hash, with the JWKS found through discovery.
 */
import { randomUUID } from 'node:crypto';
import { CredentialRefusal } from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import {
  createModuleParts,
  createTestDatabases,
  fetchToken,
  makeGrant,
  makeTask,
  startIdentityProvider,
} from './__testUtils__/moduleHarness';
import { fault } from './__testUtils__/faultProxy';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe('OAuth2ClientType tokens', () => {
  let idp: Awaited<ReturnType<typeof startIdentityProvider>>;
  let knex: Knex;

  beforeAll(async () => {
    idp = await startIdentityProvider();
    knex = await databases.init('SQLITE_3');
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it("verifies the provider's token to the issued credential, with the JWKS from discovery", async () => {
    const parts = await createModuleParts({
      knex,
      provider: idp.provider,
      proxy: idp.proxy,
    });
    const grant = makeGrant({ scopes: ['pets:read', 'pets:write'] });
    await parts.provisioner.provision(makeTask(grant));
    const prepared = await parts.type.issue({
      grant,
      previous: [],
      credentialId: randomUUID(),
      rotationOverlapHours: 24,
      now: new Date(),
      signal: new AbortController().signal,
    });
    const token = await fetchToken(
      idp.provider,
      prepared.publicId,
      String(prepared.shownOnce.clientSecret),
      'pets:read',
    );
    expect(token.status).toBe(200);

    // The JWKS is down before the first token: 503, not the token's fault.
    idp.proxy.set('/jwks', fault.down());
    const refusal = await parts.type
      .verifyToken(String(token.body.access_token))
      .then(
        () => undefined,
        e => e,
      );
    expect(refusal).toBeInstanceOf(CredentialRefusal);
    expect(refusal.status).toBe(503);
    idp.proxy.reset();
    // TokenVerifier does not ask a failing JWKS again for 2 s.
    await new Promise(r => setTimeout(r, 2100));

    const verified = await parts.type.verifyToken(
      String(token.body.access_token),
    );
    expect(verified).toMatchObject({
      lookupHash: prepared.lookupHash,
      clientId: prepared.publicId,
      scopes: ['pets:read'],
      audiences: ['urn:api-access:api:default:petstore'],
    });
    expect(idp.proxy.hits('/jwks')).toBeGreaterThan(0);
    expect(
      parts.type.acceptsAudience(verified.audiences, 'api:default/petstore'),
    ).toBe(true);
    expect(
      parts.type.acceptsAudience(verified.audiences, 'api:default/orders'),
    ).toBe(false);

    // Discovery down before any token: also a 503.
    const fresh = await createModuleParts({
      knex,
      provider: idp.provider,
      proxy: idp.proxy,
    });
    idp.proxy.set('/.well-known/*', fault.status(500));
    await expect(
      fresh.type.verifyToken(String(token.body.access_token)),
    ).rejects.toMatchObject({ status: 503 });
    idp.proxy.reset();
    await expect(
      fresh.type.verifyToken(String(token.body.access_token)),
    ).resolves.toMatchObject({ clientId: prepared.publicId });
  });
});
