/*
 * TokenVerifier against real tokens of the development identity provider
 * (oidc-provider in a child process), with the JWKS behind the fault proxy so
 * a test can take it down or count its fetches. Claim shapes other providers
 * use (Okta's `scp` array and `cid`, an `aud` array) come from a second,
 * local issuer whose key this test holds.
 */
import {
  CredentialRefusal,
  type VerifiedToken,
} from '@api-access/backstage-plugin-api-access-node';
import {
  SignJWT,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
} from 'jose';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startDevProvider,
  type DevProvider,
} from './__testUtils__/devProvider';
import {
  fault,
  startFaultProxy,
  type FaultProxy,
} from './__testUtils__/faultProxy';
import { oauth2LookupHash } from './lookupHash';
import {
  TOKEN_REFUSALS,
  TokenVerifier,
  acceptsAudience,
  type TokenVerifierOptions,
} from './TokenVerifier';

jest.setTimeout(60_000);

const IAT = 'iat-token-verifier-test';
const RESOURCE = 'api:default/petstore';

let provider: DevProvider;
let proxy: FaultProxy;
let client: { client_id: string; client_secret: string };

async function registerClient(
  issuer: string,
  metadata: Record<string, unknown> = {},
) {
  const res = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${IAT}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      scope: 'pets:read pets:write',
      api_access_resource: RESOURCE,
      ...metadata,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { client_id: string; client_secret: string };
}

async function fetchToken(
  issuer: string,
  c: { client_id: string; client_secret: string },
  scope?: string,
): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(
        `${c.client_id}:${c.client_secret}`,
      ).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      ...(scope ? { scope } : {}),
    }).toString(),
  });
  const body = await res.json();
  expect(res.status).toBe(200);
  return body.access_token;
}

function verifier(options: Partial<TokenVerifierOptions> = {}) {
  return new TokenVerifier({
    issuer: provider.issuer,
    jwksUri: `${proxy.url}/jwks`,
    ...options,
  });
}

async function refusal(promise: Promise<unknown>): Promise<CredentialRefusal> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialRefusal);
    return error as CredentialRefusal;
  }
  throw new Error('the token was accepted');
}

function b64url(value: unknown): string {
  return Buffer.from(
    typeof value === 'string' ? value : JSON.stringify(value),
  ).toString('base64url');
}

beforeAll(async () => {
  provider = await startDevProvider({
    scopes: ['pets:read', 'pets:write'],
    initialAccessToken: IAT,
    tokenTtlSeconds: 300,
    testControl: true,
  });
  proxy = await startFaultProxy({ target: provider.issuer });
  client = await registerClient(provider.issuer);
});

afterAll(async () => {
  await proxy?.stop();
  await provider?.stop();
});

beforeEach(() => proxy.reset());

describe('TokenVerifier with the real provider', () => {
  it('verifies a real token: client id, scopes, audience, expiry, lookup hash', async () => {
    const token = await fetchToken(provider.issuer, client, 'pets:read');
    const before = Date.now();
    const verified: VerifiedToken = await verifier({
      requiredTyp: 'at+jwt',
    }).verify(token);
    expect(verified).toEqual({
      clientId: client.client_id,
      scopes: ['pets:read'],
      audiences: [RESOURCE],
      expiresAt: expect.any(Date),
      lookupHash: oauth2LookupHash(provider.issuer, client.client_id),
    });
    const ttl = verified.expiresAt.getTime() - before;
    expect(ttl).toBeGreaterThan(290_000);
    expect(ttl).toBeLessThanOrEqual(300_000);
    expect(proxy.hits('/jwks')).toBe(1);

    const all = await verifier().verify(
      await fetchToken(provider.issuer, client),
    );
    expect(all.scopes).toEqual(['pets:read', 'pets:write']);
  });

  it('uses a custom lookupHash and client id claims', async () => {
    const token = await fetchToken(provider.issuer, client);
    const verified = await verifier({
      clientIdClaims: ['azp', 'client_id'],
      lookupHash: id => `hash-of-${id}`,
    }).verify(token);
    expect(verified.lookupHash).toBe(`hash-of-${client.client_id}`);
  });

  it('refuses a token that names no client in the configured claims', async () => {
    const token = await fetchToken(provider.issuer, client);
    const error = await refusal(
      verifier({ clientIdClaims: ['cid'] }).verify(token),
    );
    expect(error.message).toBe(TOKEN_REFUSALS.noClient);
    expect(error.status).toBe(401);
  });

  it('refuses a token re-signed with a foreign key, and a tampered payload', async () => {
    const token = await fetchToken(provider.issuer, client, 'pets:read');
    const [header, payload, signature] = token.split('.');
    const { privateKey } = await generateKeyPair('ES256');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = await new SignJWT(claims)
      .setProtectedHeader(decodeProtectedHeader(token) as any)
      .sign(privateKey);
    expect(decodeProtectedHeader(forged).kid).toBe(
      decodeProtectedHeader(token).kid,
    );
    const v = verifier();
    expect((await refusal(v.verify(forged))).message).toBe(
      TOKEN_REFUSALS.signature,
    );

    const widened = `${header}.${b64url({
      ...claims,
      scope: 'pets:read pets:write',
    })}.${signature}`;
    const error = await refusal(v.verify(widened));
    expect(error.message).toBe(TOKEN_REFUSALS.signature);
    expect(error.status).toBe(401);
    // The genuine one still passes with the same verifier.
    await expect(v.verify(token)).resolves.toMatchObject({
      scopes: ['pets:read'],
    });
  });

  it('refuses a token of another issuer', async () => {
    const token = await fetchToken(provider.issuer, client);
    const error = await refusal(
      verifier({ issuer: 'http://127.0.0.1:1/other' }).verify(token),
    );
    expect(error.message).toBe(TOKEN_REFUSALS.issuer);
  });

  it('tells whether the audience names the API', async () => {
    const { audiences } = await verifier().verify(
      await fetchToken(provider.issuer, client),
    );
    expect(acceptsAudience(audiences, RESOURCE)).toBe(true);
    expect(acceptsAudience(audiences, 'api:default/billing')).toBe(false);
    expect(
      acceptsAudience(audiences, 'petstore', ref => `api:default/${ref}`),
    ).toBe(true);
    expect(
      acceptsAudience(audiences, 'petstore', () => [
        'https://petstore.example',
        'api:default/other',
      ]),
    ).toBe(false);
    expect(verifier().acceptsAudience(audiences, RESOURCE)).toBe(true);
  });

  it('refuses an expired token (a provider with 1 s tokens), within the clock tolerance only', async () => {
    const shortLived = await startDevProvider({
      scopes: ['pets:read'],
      initialAccessToken: IAT,
      tokenTtlSeconds: 1,
    });
    try {
      const c = await registerClient(shortLived.issuer, {
        scope: 'pets:read',
      });
      const token = await fetchToken(shortLived.issuer, c);
      const strict = new TokenVerifier({
        issuer: shortLived.issuer,
        jwksUri: `${shortLived.issuer}/jwks`,
        clockToleranceSeconds: 0,
      });
      const lenient = new TokenVerifier({
        issuer: shortLived.issuer,
        jwksUri: `${shortLived.issuer}/jwks`,
        clockToleranceSeconds: 60,
      });
      await expect(strict.verify(token)).resolves.toMatchObject({
        clientId: c.client_id,
      });
      await new Promise(resolve => setTimeout(resolve, 2100));
      const error = await refusal(strict.verify(token));
      expect(error.message).toBe(TOKEN_REFUSALS.expired);
      expect(error.status).toBe(401);
      await expect(lenient.verify(token)).resolves.toMatchObject({
        clientId: c.client_id,
      });
    } finally {
      await shortLived.stop();
    }
  });

  it('fetches the JWKS again for an unknown kid after the provider rotated its key, at most once per cooldown', async () => {
    const eager = verifier({ jwksCooldownSeconds: 0 });
    const cautious = verifier({ jwksCooldownSeconds: 30 });
    const before = await fetchToken(provider.issuer, client);
    await eager.verify(before);
    await cautious.verify(before);
    expect(proxy.hits('/jwks')).toBe(2);

    const rotated = await fetch(
      `${provider.issuer}/__test/rotate-signing-key`,
      {
        method: 'POST',
      },
    );
    expect(rotated.status).toBe(200);
    const { kid } = await rotated.json();
    const after = await fetchToken(provider.issuer, client);
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    expect(decodeProtectedHeader(after).kid).not.toBe(
      decodeProtectedHeader(before).kid,
    );

    await expect(eager.verify(after)).resolves.toMatchObject({
      clientId: client.client_id,
    });
    expect(proxy.hits('/jwks')).toBe(3);
    // The old key is still published: tokens signed before keep working.
    await expect(eager.verify(before)).resolves.toBeDefined();
    expect(proxy.hits('/jwks')).toBe(3);

    // Within the cooldown an unknown kid does not refetch (a spray of random
    // kids costs one fetch per cooldown at most), so it is refused.
    const error = await refusal(cautious.verify(after));
    expect(error.message).toBe(TOKEN_REFUSALS.signature);
    expect(proxy.hits('/jwks')).toBe(3);
  });

  it.each([
    ['down', fault.down()],
    ['answering 503', fault.status(503, 'unavailable', 30)],
    ['answering 404', fault.status(404, { error: 'not_found' })],
    ['answering malformed JSON', fault.malformedJson()],
    ['answering JSON that is not a key set', fault.status(200, { keys: 'x' })],
    ['slower than the timeout', fault.slow(1500)],
  ])(
    'answers 503 when the JWKS is %s, and recovers when it is back',
    async (_name, mode) => {
      const token = await fetchToken(provider.issuer, client);
      const v = verifier({ jwksTimeoutMs: 500, jwksFailureBackoffSeconds: 0 });
      proxy.set('/jwks', mode);
      const error = await refusal(v.verify(token));
      expect(error.message).toBe(TOKEN_REFUSALS.keysUnavailable);
      expect(error.status).toBe(503);
      expect(proxy.hits('/jwks')).toBe(1);
      // Not remembered: the next token asks the provider again.
      await refusal(v.verify(token));
      expect(proxy.hits('/jwks')).toBe(2);

      proxy.set('/jwks', fault.pass());
      await expect(v.verify(token)).resolves.toMatchObject({
        clientId: client.client_id,
      });
    },
  );

  it('after a failed JWKS fetch answers 503 at once for the backoff, then asks again', async () => {
    const token = await fetchToken(provider.issuer, client);
    const v = verifier({ jwksTimeoutMs: 400, jwksFailureBackoffSeconds: 1 });
    proxy.set('/jwks', fault.slow(1000));
    expect((await refusal(v.verify(token))).status).toBe(503);
    expect(proxy.hits('/jwks')).toBe(1);

    proxy.set('/jwks', fault.pass());
    const started = Date.now();
    const error = await refusal(v.verify(token));
    expect(error.message).toBe(TOKEN_REFUSALS.keysUnavailable);
    expect(Date.now() - started).toBeLessThan(100);
    expect(proxy.hits('/jwks')).toBe(1);

    await new Promise(resolve => setTimeout(resolve, 1000));
    await expect(v.verify(token)).resolves.toMatchObject({
      clientId: client.client_id,
    });
    expect(proxy.hits('/jwks')).toBe(2);
  });

  it('keeps using fresh cached keys while the JWKS is down', async () => {
    const v = verifier();
    await v.verify(await fetchToken(provider.issuer, client));
    proxy.set('/jwks', fault.down());
    await expect(
      v.verify(await fetchToken(provider.issuer, client)),
    ).resolves.toBeDefined();
    expect(proxy.hits('/jwks')).toBe(1);
  });

  it('refuses malformed tokens without fetching the JWKS', async () => {
    const real = await fetchToken(provider.issuer, client);
    const [header, payload, signature] = real.split('.');
    const v = verifier();
    const malformed = [
      '',
      'not-a-jwt',
      'a.b',
      'a.b.c',
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.x.y`,
      `${b64url('not json')}.${payload}.${signature}`,
      `${b64url({ typ: 'at+jwt' })}.${payload}.${signature}`,
    ];
    for (const token of malformed) {
      const error = await refusal(v.verify(token));
      expect({ token, reason: error.message }).toEqual({
        token,
        reason: TOKEN_REFUSALS.malformed,
      });
      expect(error.status).toBe(401);
    }
    expect(proxy.hits('/jwks')).toBe(0);

    // A payload that is not a claims set under a real header: the signature
    // is checked first, so that is what fails.
    for (const token of [
      `${header}.${b64url('not json')}.${signature}`,
      `${header}.${b64url([1, 2])}.${signature}`,
    ]) {
      expect((await refusal(v.verify(token))).message).toBe(
        TOKEN_REFUSALS.signature,
      );
    }
  });

  it('refuses unsigned (alg none) and HMAC tokens as a bad signature', async () => {
    const claims = JSON.parse(
      Buffer.from(
        (await fetchToken(provider.issuer, client)).split('.')[1],
        'base64url',
      ).toString(),
    );
    const v = verifier();
    const unsigned = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(
      claims,
    )}.`;
    expect((await refusal(v.verify(unsigned))).message).toBe(
      TOKEN_REFUSALS.signature,
    );
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('a shared secret anyone could guess!!'));
    expect((await refusal(v.verify(hmac))).message).toBe(
      TOKEN_REFUSALS.signature,
    );
  });

  it('refuses a token that is not an access token when a typ is required', async () => {
    const token = await fetchToken(provider.issuer, client);
    const error = await refusal(verifier({ requiredTyp: 'JWT' }).verify(token));
    expect(error.message).toBe(TOKEN_REFUSALS.notAccessToken);
  });

  it('refuses none and HMAC algorithms in its configuration', () => {
    expect(() => verifier({ algorithms: ['ES256', 'none'] })).toThrow(
      /refused: none/,
    );
    expect(() => verifier({ algorithms: ['HS256'] })).toThrow(/refused: HS256/);
    expect(() => verifier({ algorithms: [] })).toThrow(/an empty list/);
  });
});

describe("TokenVerifier with other providers' claim shapes", () => {
  const ISSUER = 'https://idp.example/oauth2/default';
  let server: http.Server;
  let jwksUri: string;
  let signer: CryptoKey;
  let jwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    signer = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'rsa-1', alg: 'RS256' };
    server = http.createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });

  afterAll(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  function sign(
    claims: JWTPayload,
    edit: (jwt: SignJWT) => SignJWT = jwt => jwt.setExpirationTime('5m'),
  ) {
    return edit(
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
        .setIssuer(ISSUER)
        .setIssuedAt(),
    ).sign(signer);
  }

  function okta() {
    return new TokenVerifier({ issuer: ISSUER, jwksUri });
  }

  it('reads Okta-style cid and an scp array, and an aud array', async () => {
    const token = await sign({
      cid: '0oa1b2c3',
      scp: ['pets:read', 'pets:write'],
      aud: ['api://default', RESOURCE],
    });
    await expect(okta().verify(token)).resolves.toMatchObject({
      clientId: '0oa1b2c3',
      scopes: ['pets:read', 'pets:write'],
      audiences: ['api://default', RESOURCE],
      lookupHash: oauth2LookupHash(ISSUER, '0oa1b2c3'),
    });
  });

  it('prefers client_id over azp, and a scope string over scp', async () => {
    const token = await sign({
      azp: 'from-azp',
      client_id: 'from-client-id',
      scope: 'a b a',
      scp: ['c'],
    });
    await expect(okta().verify(token)).resolves.toMatchObject({
      clientId: 'from-client-id',
      scopes: ['a', 'b'],
      audiences: [],
    });
  });

  it('refuses a token without exp as malformed, and one not valid yet', async () => {
    const noExp = await sign({ client_id: 'c' }, jwt => jwt);
    expect((await refusal(okta().verify(noExp))).message).toBe(
      TOKEN_REFUSALS.malformed,
    );
    const future = await sign({ client_id: 'c' }, jwt =>
      jwt
        .setNotBefore(Math.floor(Date.now() / 1000) + 600)
        .setExpirationTime('1h'),
    );
    expect((await refusal(okta().verify(future))).message).toBe(
      TOKEN_REFUSALS.notYetValid,
    );
  });

  it('refuses a token whose client id claim is empty or not a string', async () => {
    for (const claims of [{ client_id: '' }, { client_id: 42 }, {}]) {
      const token = await sign(claims as JWTPayload);
      expect((await refusal(okta().verify(token))).message).toBe(
        TOKEN_REFUSALS.noClient,
      );
    }
  });

  it('refuses an algorithm outside the configured list', async () => {
    const token = await sign({ client_id: 'c' });
    const error = await refusal(
      new TokenVerifier({
        issuer: ISSUER,
        jwksUri,
        algorithms: ['ES256'],
      }).verify(token),
    );
    expect(error.message).toBe(TOKEN_REFUSALS.signature);
  });
});
