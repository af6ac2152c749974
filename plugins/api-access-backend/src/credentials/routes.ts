/*
 * HTTP for API keys: the usage terms, issuing and rotating a key, and the
 * gateways' two questions about a presented key (RFC 7662 introspection and
 * the auth_request / ext_authz style authorize). Gateways authenticate as
 * services named in apiAccess.gateway.allowedSubjects.
 */
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  excerpt,
  introspectSchema,
} from '@api-access/backstage-plugin-api-access-common';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Request } from 'express';
import { z } from 'zod';
import type { GrantService } from '../grants/GrantService';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import { CredentialService, MAX_TOKEN_LENGTH } from './CredentialService';

export interface CredentialRoutesOptions {
  keys: CredentialService;
  grants: GrantService;
  httpAuth: HttpAuthService;
}

/** Reads a request body of at most `limit` bytes; a larger one is a 400 naming the limit. */
function readSmallBody(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new InputError(
            `Invalid introspection request: the body must be at most ${limit} bytes`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `token=...` as a form, or `{"token": "..."}` as JSON. */
function parseIntrospectionBody(
  raw: string,
  contentType: string | undefined,
): Record<string, unknown> {
  if ((contentType ?? '').includes('json')) {
    try {
      const value = JSON.parse(raw || '{}');
      return value && typeof value === 'object' ? value : {};
    } catch {
      throw new InputError(
        'Invalid introspection request: the body is not JSON',
      );
    }
  }
  const form = new URLSearchParams(raw);
  const result: Record<string, unknown> = {};
  for (const key of ['token', 'token_type_hint']) {
    const value = form.get(key);
    if (value !== null) result[key] = value;
  }
  return result;
}

/** A 401's challenge by what was presented (RFC 6750 for tokens). */
const CHALLENGES = {
  key: 'ApiKey realm="api-access"',
  token: 'Bearer realm="api-access", error="invalid_token"',
  both: 'Bearer realm="api-access", error="invalid_request"',
} as const;

/** Only the gateways named in apiAccess.gateway.allowedSubjects may ask about keys. */
function gatewayCheck(httpAuth: HttpAuthService, keys: CredentialService) {
  return async function gatewayOf(req: Request) {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    keys.assertGateway(credentials.principal.subject);
  };
}

/** Goes before the router-wide JSON parser: it reads its own few bytes. */
export function addIntrospectionRoute(
  router: DocumentedRouter,
  options: Pick<CredentialRoutesOptions, 'keys' | 'httpAuth'>,
) {
  const { keys } = options;
  const gatewayOf = gatewayCheck(options.httpAuth, keys);

  // RFC 7662: gateways post `token=...` (form-encoded, or JSON) with a service
  // token. The hot path of every call behind a gateway, so it is mounted
  // before the router-wide JSON parser and reads its few bytes itself; the
  // benchmark (docs/benchmarks.md) measures it.
  // Bearer tokens (JWTs with many scopes) are up to 16 KB; API keys stay
  // bounded at 512 characters by the service.
  const introspection = introspectSchema.extend({
    token: z
      .string({ required_error: 'is required' })
      .min(1, 'is required')
      .max(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters`),
  });
  router.post('/introspect', async (req, res) => {
    await gatewayOf(req);
    const { token, token_type_hint } = parse(
      introspection,
      parseIntrospectionBody(
        // 4 KB is plenty for a key; JWTs need more where a type takes them.
        await readSmallBody(
          req,
          keys.acceptsTokens() ? MAX_TOKEN_LENGTH : 4096,
        ),
        req.headers['content-type'],
      ),
      'introspection request',
    );
    const body = JSON.stringify(
      await keys.introspect(token, { tokenTypeHint: token_type_hint }),
    );
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
  });
}

export function addCredentialRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: CredentialRoutesOptions,
) {
  const { keys } = options;
  const { callerOf } = kit;
  const gatewayOf = gatewayCheck(options.httpAuth, keys);

  router.get('/credentials/terms', async (req, res) => {
    await callerOf(req);
    res.json(keys.terms());
  });

  // POST /grants/:id/credentials, for every credential type: typeRoutes.ts.

  /**
   * For gateways (nginx auth_request, Envoy ext_authz): the presented key in
   * X-Api-Access-Key, the protected API in X-Api-Access-Api, optionally the
   * scope the call needs and the environment. Answers 200, 401, 403, or 429
   * past the plan's quota (403 with X-Api-Access-Refusal: quota when the
   * gateway sends X-Api-Access-Refuse-With: 403).
   */
  // The protected API's header, parsed once per distinct value: a gateway
  // sends the same few on every call. Bounded: unknown values are parsed
  // every time once it is full.
  const apiRefs = new Map<string, string>();
  const apiRefOf = (api: string): string => {
    const known = apiRefs.get(api);
    if (known) return known;
    let apiRef: string;
    try {
      apiRef = stringifyEntityRef(
        parseEntityRef(api, {
          defaultKind: 'api',
          defaultNamespace: 'default',
        }),
      );
    } catch {
      // The parser's message quotes the header: name it only as an excerpt.
      throw new InputError(
        `The X-Api-Access-Api header is not an entity ref: '${excerpt(api)}'`,
      );
    }
    if (apiRefs.size < 1000) apiRefs.set(api, apiRef);
    return apiRef;
  };

  router.all('/authorize', async (req, res) => {
    await gatewayOf(req);
    const api = req.header('x-api-access-api');
    if (!api) {
      throw new InputError(
        'The X-Api-Access-Api header is required: the entity ref of the API the gateway protects',
      );
    }
    const answer = await keys.authorize(
      {
        key: req.header('x-api-access-key'),
        // A bearer token, as the gateway took it from `Authorization: Bearer`.
        token: req.header('x-api-access-token') || undefined,
      },
      {
        apiRef: apiRefOf(api),
        scope: req.header('x-api-access-scope') || undefined,
        environment: req.header('x-api-access-environment') || undefined,
      },
      // nginx's auth_request passes on only 2xx, 401 and 403: it asks for
      // the quota refusal as a 403 and turns it into its own 429.
      { quotaRefusalAs403: req.header('x-api-access-refuse-with') === '403' },
    );
    // The hot path of every call behind a gateway: written directly, as
    // /introspect is, without express's JSON serializer and ETag.
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      // How long the gateway may keep this answer (apiAccess.gateway.
      // decisionCacheSeconds): the bound on how long a revoked key still
      // works there unless it is purged. The answer depends on the key, the
      // API, the scope and the environment, so a gateway's cache key must
      // cover all four.
      'Cache-Control':
        answer.cacheSeconds > 0 ? `max-age=${answer.cacheSeconds}` : 'no-store',
    };
    // nginx counts in whole seconds and would keep a max-age=1 answer for up
    // to two; this says "through the end of this second" instead, so nginx
    // never serves it past cacheSeconds (plus the hosts' clock difference).
    if (answer.cacheThroughSecond !== undefined) {
      headers['X-Accel-Expires'] = `@${answer.cacheThroughSecond}`;
    }
    let body: string;
    if (answer.status === 200) {
      const { result } = answer;
      headers['X-Api-Access-Consumer'] = result.client_id ?? '';
      headers['X-Api-Access-Grant'] = result.grant_id ?? '';
      headers['X-Api-Access-Scopes'] = result.scope ?? '';
      if (result.rate_limit) {
        headers[
          'X-Api-Access-Rate-Limit'
        ] = `${result.rate_limit.requests};w=${result.rate_limit.per_seconds}`;
      }
      if (result.plan) headers['X-Api-Access-Plan'] = result.plan;
      body = '{"allowed":true}';
    } else {
      if (answer.status === 401) {
        // RFC 6750 for tokens; invalid_request when both were presented.
        headers['WWW-Authenticate'] = CHALLENGES[answer.presented ?? 'key'];
      }
      headers['X-Api-Access-Reason'] = answer.reason ?? '';
      if (answer.retryAfterSeconds !== undefined) {
        headers['Retry-After'] = String(answer.retryAfterSeconds);
      }
      if (answer.refusal) headers['X-Api-Access-Refusal'] = answer.refusal;
      body = JSON.stringify({ allowed: false, reason: answer.reason ?? '' });
    }
    headers['Content-Length'] = String(Buffer.byteLength(body));
    res.writeHead(answer.status, headers);
    res.end(body);
  });
}
