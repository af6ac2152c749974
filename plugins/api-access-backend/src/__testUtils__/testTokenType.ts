/*
 * A bearer-token credential type for the core's tests: it signs ES256 JWTs
 * with a key of its own (node:crypto, no identity provider) and verifies
 * them as a real type would (signature, issuer, expiry), so the decision
 * path's rules can be tested without a provider. The real type and its
 * provider are tested in the oauth2-client module.
 */
import {
  createHash,
  generateKeyPairSync,
  KeyObject,
  sign as signData,
  verify as verifyData,
} from 'node:crypto';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  ApiAccessCredentialType,
  apiAccessCredentialTypesExtensionPoint,
  CredentialRefusal,
  VerifiedToken,
} from '@api-access/backstage-plugin-api-access-node';

export const TEST_TOKEN_TYPE_ID = 'test-token';
export const TEST_TOKEN_ISSUER = 'https://idp.test.invalid';

/** The audience the test type expects for an API: `urn:test:<api ref>`. */
export const audienceOf = (apiRef: string) => `urn:test:${apiRef}`;

const b64 = (value: Buffer | string) =>
  Buffer.from(value).toString('base64url');

export interface TestTokenClaims {
  clientId: string;
  scopes?: string[];
  /** Default: the audience of api:default/pets. */
  audiences?: string[];
  /** Seconds from now (may be negative). Default 300. */
  expiresInSeconds?: number;
  issuer?: string;
  /** Sign with another key (a forged token). */
  foreignKey?: boolean;
  now?: Date;
}

export interface TestTokenType extends ApiAccessCredentialType {
  /** A signed JWT. */
  sign(claims: TestTokenClaims): string;
  /** What the core stores as the credential's secret_hash for a client. */
  lookupHashOf(clientId: string): string;
  /** While true, verifyToken answers 503 (its keys cannot be fetched). */
  keysUnavailable: boolean;
  /** How many tokens it was asked to verify. */
  verified: number;
}

function keyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export function createTestTokenType(
  options: { clock?: () => Date } = {},
): TestTokenType {
  const clock = options.clock ?? (() => new Date());
  const own = keyPair();
  const foreign = keyPair();
  const lookupHashOf = (clientId: string) =>
    createHash('sha256')
      .update(`${TEST_TOKEN_TYPE_ID}\0${TEST_TOKEN_ISSUER}\0${clientId}`)
      .digest('hex');

  function jws(payload: object, key: KeyObject): string {
    const header = b64(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }));
    const body = b64(JSON.stringify(payload));
    const signature = signData('sha256', Buffer.from(`${header}.${body}`), {
      key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${header}.${body}.${b64(signature)}`;
  }

  const type: TestTokenType = {
    id: TEST_TOKEN_TYPE_ID,
    title: 'Test token',
    description: 'Bearer tokens signed by the test itself.',
    presentation: 'bearer-token',
    keysUnavailable: false,
    verified: 0,
    availability: () => ({ offered: true }),
    async issue(ctx) {
      const clientId = `client-${ctx.credentialId}`;
      return {
        publicId: clientId,
        lookupHash: lookupHashOf(clientId),
        shownOnce: { clientId },
        auditDetails: { clientId },
      };
    },
    sign(claims) {
      const nowS = Math.floor((claims.now ?? clock()).getTime() / 1000);
      return jws(
        {
          iss: claims.issuer ?? TEST_TOKEN_ISSUER,
          sub: claims.clientId,
          client_id: claims.clientId,
          aud: claims.audiences ?? [audienceOf('api:default/pets')],
          scope: (claims.scopes ?? ['pets:read']).join(' '),
          iat: nowS,
          exp: nowS + (claims.expiresInSeconds ?? 300),
        },
        claims.foreignKey ? foreign.privateKey : own.privateKey,
      );
    },
    lookupHashOf,
    async verifyToken(token: string): Promise<VerifiedToken> {
      type.verified += 1;
      if (type.keysUnavailable) {
        throw new CredentialRefusal(
          "the identity provider's keys could not be fetched",
          503,
        );
      }
      const parts = token.split('.');
      if (parts.length !== 3) {
        throw new CredentialRefusal('the token is malformed');
      }
      let payload: any;
      try {
        payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
      } catch {
        throw new CredentialRefusal('the token is malformed');
      }
      const good = verifyData(
        'sha256',
        Buffer.from(`${parts[0]}.${parts[1]}`),
        { key: own.publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(parts[2], 'base64url'),
      );
      if (!good)
        throw new CredentialRefusal('the token signature is not valid');
      if (!payload || typeof payload !== 'object') {
        throw new CredentialRefusal('the token is malformed');
      }
      if (payload.iss !== TEST_TOKEN_ISSUER) {
        throw new CredentialRefusal(
          'the token is not from the expected issuer',
        );
      }
      if (
        typeof payload.exp !== 'number' ||
        payload.exp * 1000 <= clock().getTime()
      ) {
        throw new CredentialRefusal('the token has expired');
      }
      return {
        lookupHash: lookupHashOf(String(payload.client_id)),
        clientId: String(payload.client_id),
        scopes: String(payload.scope ?? '')
          .split(' ')
          .filter(Boolean),
        audiences: [].concat(payload.aud ?? []).map(String),
        expiresAt: new Date(payload.exp * 1000),
      };
    },
    acceptsAudience: (audiences, apiRef) =>
      audiences.includes(audienceOf(apiRef)),
  };
  return type;
}

/** A backend module that installs the type, for startTestBackend's features. */
export function testTokenTypeModule(type: TestTokenType) {
  return createBackendModule({
    pluginId: 'api-access',
    moduleId: 'test-token-type',
    register(env) {
      env.registerInit({
        deps: { credentialTypes: apiAccessCredentialTypesExtensionPoint },
        async init({ credentialTypes }) {
          credentialTypes.addCredentialType(type);
        },
      });
    },
  });
}
