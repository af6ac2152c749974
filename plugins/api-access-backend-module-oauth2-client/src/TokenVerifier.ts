/*
 * Checks a bearer token from the identity provider without the database: the
 * signature against the provider's JWKS (cached; fetched again when a token
 * names a key id it does not know, at most once per cooldown), then the
 * issuer, the expiry and the shape of the claims. What the token may do (its
 * client's grant, the API, the scopes) is the core's decision afterwards.
 *
 * Every refusal is a CredentialRefusal whose message is safe to send to the
 * caller. A JWKS that cannot be fetched is a 503, never a 401: the token may
 * well be fine, and nobody should be told otherwise.
 */
import {
  CredentialRefusal,
  type VerifiedToken,
} from '@api-access/backstage-plugin-api-access-node';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { oauth2LookupHash } from './lookupHash';

/** The asymmetric algorithms accepted unless configured otherwise. */
export const DEFAULT_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Where a client id may be: RFC 9068 `client_id`, `azp` (Auth0, Keycloak), `cid` (Okta). */
export const DEFAULT_CLIENT_ID_CLAIMS = ['client_id', 'azp', 'cid'];

export const TOKEN_REFUSALS = {
  signature: 'the token signature is not valid',
  issuer: 'the token is not from the expected issuer',
  expired: 'the token has expired',
  malformed: 'the token is malformed',
  noClient: 'the token names no client',
  notYetValid: 'the token is not yet valid',
  notAccessToken: 'the token is not an access token',
  keysUnavailable: "the identity provider's keys could not be fetched",
} as const;

export interface TokenVerifierOptions {
  /** The `iss` every token must carry (exactly). */
  issuer: string;
  /** The provider's JWKS (`jwks_uri` from discovery, or configured). */
  jwksUri: string;
  /** Accepted JWS algorithms; `none` and HMAC (HS*) are refused at construction. */
  algorithms?: string[];
  /** Leeway for `exp`/`nbf`/`iat` (default 5). */
  clockToleranceSeconds?: number;
  /** Claims to take the client id from, first present wins (default client_id, azp, cid). */
  clientIdClaims?: string[];
  /** A token with an unknown kid refetches the JWKS at most once per this (default 30). */
  jwksCooldownSeconds?: number;
  /** The JWKS is fetched again after this long (default 600). */
  jwksCacheMaxAgeSeconds?: number;
  /** Timeout of one JWKS fetch (default 5000). */
  jwksTimeoutMs?: number;
  /**
   * After a failed JWKS fetch, tokens that need a fetch are answered 503 at
   * once for this long instead of each waiting for the provider (default 2).
   */
  jwksFailureBackoffSeconds?: number;
  /** When set, the token's `typ` header must be this (e.g. `at+jwt`, RFC 9068). */
  requiredTyp?: string;
  /** The credential's lookup hash for a client id (default oauth2LookupHash(issuer, clientId)). */
  lookupHash?(clientId: string): string;
}

/** The JWKS could not be fetched or used; a 503 for the caller. */
class KeysUnavailable extends Error {}

function refuse(reason: string, status: 401 | 503 = 401): CredentialRefusal {
  return new CredentialRefusal(reason, status);
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string' && !!v);
  }
  return [];
}

/**
 * Does one of a token's audiences name the API? `audienceFor(apiRef)` gives
 * the audience(s) the API's clients were registered with (by default the API
 * ref itself, as in `extraMetadata.api_access_resource: '{audience}'`).
 */
export function acceptsAudience(
  audiences: readonly string[],
  apiRef: string,
  audienceFor: (apiRef: string) => string | readonly string[] = ref => ref,
): boolean {
  const expected = audienceFor(apiRef);
  const wanted = new Set(typeof expected === 'string' ? [expected] : expected);
  return audiences.some(a => wanted.has(a));
}

export class TokenVerifier {
  readonly issuer: string;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly getKey: JWTVerifyGetKey;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly clientIdClaims: string[];
  private readonly lookupHash: (clientId: string) => string;

  constructor(options: TokenVerifierOptions) {
    const algorithms = options.algorithms ?? DEFAULT_TOKEN_ALGORITHMS;
    const unsafe = algorithms.filter(
      a => a.toLowerCase() === 'none' || /^HS/i.test(a),
    );
    if (unsafe.length || !algorithms.length) {
      throw new Error(
        `token algorithms must be asymmetric (RS*, PS*, ES*, EdDSA); refused: ${
          unsafe.join(', ') || 'an empty list'
        }`,
      );
    }
    this.issuer = options.issuer;
    this.jwks = createRemoteJWKSet(new URL(options.jwksUri), {
      cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: (options.jwksCacheMaxAgeSeconds ?? 600) * 1000,
      timeoutDuration: options.jwksTimeoutMs ?? 5000,
    });
    // Tell a key the JWKS lacks (the token's problem) from a JWKS that
    // could not be fetched or read (the provider's problem).
    const backoffMs = (options.jwksFailureBackoffSeconds ?? 2) * 1000;
    let failedUntil = 0;
    this.getKey = async (header, token) => {
      // A provider that is down or slow is not asked again for every token:
      // that would make each gateway call wait for the fetch timeout.
      if (!this.jwks.fresh && Date.now() < failedUntil) {
        throw new KeysUnavailable('the last JWKS fetch failed moments ago');
      }
      try {
        return await this.jwks(header, token);
      } catch (error) {
        if (
          error instanceof errors.JWKSNoMatchingKey ||
          error instanceof errors.JWKSMultipleMatchingKeys ||
          error instanceof errors.JOSENotSupported ||
          error instanceof errors.JOSEAlgNotAllowed
        ) {
          throw error;
        }
        failedUntil = Date.now() + backoffMs;
        throw new KeysUnavailable(String(error));
      }
    };
    this.verifyOptions = {
      issuer: options.issuer,
      algorithms,
      clockTolerance: options.clockToleranceSeconds ?? 5,
      requiredClaims: ['exp'],
      ...(options.requiredTyp ? { typ: options.requiredTyp } : {}),
    };
    this.clientIdClaims = options.clientIdClaims ?? DEFAULT_CLIENT_ID_CLAIMS;
    this.lookupHash =
      options.lookupHash ??
      (clientId => oauth2LookupHash(options.issuer, clientId));
  }

  /** Checks the token; throws CredentialRefusal (401, or 503 for the keys). */
  async verify(token: string): Promise<VerifiedToken> {
    const payload = await this.checkSignatureAndClaims(token);

    const clientId = this.clientIdClaims
      .map(claim => payload[claim])
      .find((v): v is string => typeof v === 'string' && v.length > 0);
    if (!clientId) throw refuse(TOKEN_REFUSALS.noClient);

    const scopes =
      payload.scope !== undefined
        ? stringList(payload.scope)
        : stringList(payload.scp);
    const audiences = stringList(
      typeof payload.aud === 'string' ? [payload.aud] : payload.aud,
    );

    return {
      lookupHash: this.lookupHash(clientId),
      clientId,
      scopes: [...new Set(scopes)],
      audiences,
      expiresAt: new Date(payload.exp! * 1000),
    };
  }

  /** See the function of the same name. */
  acceptsAudience(
    audiences: readonly string[],
    apiRef: string,
    audienceFor?: (apiRef: string) => string | readonly string[],
  ): boolean {
    return acceptsAudience(audiences, apiRef, audienceFor);
  }

  private async checkSignatureAndClaims(token: string): Promise<JWTPayload> {
    if (typeof token !== 'string' || token.split('.').length !== 3) {
      throw refuse(TOKEN_REFUSALS.malformed);
    }
    try {
      return (await jwtVerify(token, this.getKey, this.verifyOptions)).payload;
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        // Several keys share the kid (or there is none): try each (jose's way).
        for await (const key of error) {
          try {
            return (await jwtVerify(token, key, this.verifyOptions)).payload;
          } catch (inner) {
            if (!(inner instanceof errors.JWSSignatureVerificationFailed)) {
              throw this.refusalFor(inner);
            }
          }
        }
        throw refuse(TOKEN_REFUSALS.signature);
      }
      throw this.refusalFor(error);
    }
  }

  private refusalFor(error: unknown): CredentialRefusal {
    if (error instanceof KeysUnavailable) {
      return refuse(TOKEN_REFUSALS.keysUnavailable, 503);
    }
    if (error instanceof errors.JWTExpired) {
      return refuse(TOKEN_REFUSALS.expired);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      switch (error.claim) {
        case 'iss':
          return refuse(TOKEN_REFUSALS.issuer);
        case 'nbf':
        case 'iat':
          return refuse(
            error.reason === 'check_failed'
              ? TOKEN_REFUSALS.notYetValid
              : TOKEN_REFUSALS.malformed,
          );
        case 'typ':
          return refuse(TOKEN_REFUSALS.notAccessToken);
        default:
          return refuse(TOKEN_REFUSALS.malformed);
      }
    }
    if (
      error instanceof errors.JWSSignatureVerificationFailed ||
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JOSEAlgNotAllowed
    ) {
      return refuse(TOKEN_REFUSALS.signature);
    }
    return refuse(TOKEN_REFUSALS.malformed);
  }
}
