/*
 * jose 6 is ESM-only. The Backstage CLI's jest transform compiles it for the
 * tests, and Node >= 20.19 loads it through require(esm) in production (as
 * @backstage/backend-defaults already does). If this test breaks after an
 * upgrade, pin jose 5 (which ships CommonJS) in this module.
 */
import {
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';

describe('jose in this package', () => {
  it('signs and verifies an ES256 JWT', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const token = await new SignJWT({ scope: 'a b' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer('https://idp.example')
      .setExpirationTime('1m')
      .sign(privateKey);
    const { payload } = await jwtVerify(
      token,
      createLocalJWKSet({ keys: [jwk] }),
      { issuer: 'https://idp.example' },
    );
    expect(payload.scope).toBe('a b');
  });
});
