#!/usr/bin/env node
/*
 * A development identity provider: oidc-provider (the OpenID Certified
 * implementation) set up the way the oauth2-client module expects an
 * organization's provider to be:
 *
 * - client credentials, with RFC 9068 JWT access tokens signed ES256;
 * - dynamic client registration (RFC 7591) behind a static initial access
 *   token, and client management (RFC 7592: GET/PUT/DELETE /reg/:id);
 * - a token's `aud` is the client's `api_access_resource` metadata (the API),
 *   its `scope` at most the client's registered scope; no tokens once the
 *   client's `api_access_expires_at` has passed;
 * - a client asking for a scope outside --scopes is refused at registration
 *   (400 invalid_client_metadata), the real "the provider rejects the scopes".
 *
 * For tests, the demo and the end-to-end tests only: clients live in memory,
 * the signing key is generated at start, and nothing is persisted.
 *
 *   node server.mjs --port 0 --initial-access-token <t> --scopes a,b,c
 *                   [--token-ttl 300] [--rotate-rat] [--test-control]
 *                   [--host 127.0.0.1] [--exit-with-stdin]
 *
 * Once it listens it prints ONE stdout line that is JSON:
 * {"ready":true,"issuer":"http://127.0.0.1:<port>","port":<port>}
 * (oidc-provider may print notices on other lines; they are not JSON).
 *
 * --test-control adds POST /__test/rotate-signing-key: a new ES256 key with a
 * new kid is published in the JWKS (the old one stays) and tokens are signed
 * with it from then on. Faults (down, slow, 5xx, malformed JSON) are not
 * here: the module's tests put a proxy in front of this process.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import { Provider, errors } from 'oidc-provider';

function fail(message) {
  process.stderr.write(`oidc-dev-provider: ${message}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'initial-access-token': { type: 'string' },
      scopes: { type: 'string' },
      'token-ttl': { type: 'string', default: '300' },
      'rotate-rat': { type: 'boolean', default: false },
      'test-control': { type: 'boolean', default: false },
      'exit-with-stdin': { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  fail(e.message);
}

const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port must be a port number, got '${args.port}'`);
}
const initialAccessToken = args['initial-access-token'];
if (!initialAccessToken) fail('--initial-access-token is required');
const scopes = (args.scopes ?? '')
  .split(/[\s,]+/)
  .map(s => s.trim())
  .filter(Boolean);
if (!scopes.length) fail('--scopes needs at least one scope (a,b,c)');
const tokenTtl = Number(args['token-ttl']);
if (!Number.isSafeInteger(tokenTtl) || tokenTtl <= 0) {
  fail(
    `--token-ttl must be a positive number of seconds, got '${args['token-ttl']}'`,
  );
}

/*
 * Storage for every provider model (clients, registration access tokens,
 * ...). Module-level, so the provider built again after a signing key
 * rotation keeps the clients. A Map without a size bound (oidc-provider's own
 * memory adapter is an LRU of 1,000 entries, which would silently forget
 * clients in a long demo).
 */
const storage = new Map();
const grantMembers = new Map();

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt =
      typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    storage.set(this.key(id), { payload: structuredClone(payload), expiresAt });
    if (payload.grantId) {
      const members = grantMembers.get(payload.grantId) ?? new Set();
      members.add(this.key(id));
      grantMembers.set(payload.grantId, members);
    }
  }

  async find(id) {
    const entry = storage.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      storage.delete(this.key(id));
      return undefined;
    }
    return structuredClone(entry.payload);
  }

  async findByUserCode() {
    return undefined;
  }

  async findByUid() {
    return undefined;
  }

  async consume(id) {
    const entry = storage.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    storage.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of grantMembers.get(grantId) ?? []) storage.delete(key);
    grantMembers.delete(grantId);
  }
}

function newSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    ...jwk,
    kid: crypto.randomBytes(12).toString('base64url'),
    alg: 'ES256',
    use: 'sig',
  };
}

/** Newest first: the first key signs, every key verifies. */
const signingKeys = [newSigningKey()];

const cookieKeys = [crypto.randomBytes(32).toString('base64url')];

function expired(client) {
  const at = client.api_access_expires_at;
  if (at === undefined || at === null || at === '') return false;
  const ms = typeof at === 'number' ? at * 1000 : Date.parse(String(at));
  return Number.isFinite(ms) && ms <= Date.now();
}

function configuration() {
  return {
    adapter: MemoryAdapter,
    clients: [],
    scopes,
    jwks: { keys: signingKeys },
    cookies: { keys: cookieKeys },
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // The only key is ES256 (oidc-provider's default here is RS256).
      id_token_signed_response_alg: 'ES256',
    },
    extraClientMetadata: {
      properties: [
        'api_access_resource',
        'api_access_grant',
        'api_access_expires_at',
      ],
      validator(ctx, key, value) {
        if (value === undefined || value === null) return;
        if (key === 'api_access_expires_at') {
          const ok =
            (typeof value === 'number' && Number.isFinite(value)) ||
            (typeof value === 'string' &&
              (value === '' || Number.isFinite(Date.parse(value))));
          if (!ok) {
            throw new errors.InvalidClientMetadata(
              'api_access_expires_at must be an ISO 8601 date or epoch seconds',
            );
          }
          return;
        }
        if (typeof value !== 'string') {
          throw new errors.InvalidClientMetadata(`${key} must be a string`);
        }
        if (key === 'api_access_resource' && !URL.canParse(value)) {
          throw new errors.InvalidClientMetadata(
            'api_access_resource must be an absolute URI (e.g. api:default/petstore)',
          );
        }
      },
    },
    ttl: {
      ClientCredentials: tokenTtl,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      registration: {
        enabled: true,
        initialAccessToken,
      },
      registrationManagement: {
        enabled: true,
        rotateRegistrationAccessToken: args['rotate-rat'],
      },
      resourceIndicators: {
        enabled: true,
        // Client credentials without a `resource` parameter: the client's API.
        defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf;
          return client?.api_access_resource || undefined;
        },
        useGrantedResource() {
          return true;
        },
        getResourceServerInfo(ctx, resource, client) {
          if (!client.api_access_resource) {
            throw new errors.InvalidTarget(
              'this client has no api_access_resource, so no access token audience',
            );
          }
          if (resource !== client.api_access_resource) {
            throw new errors.InvalidTarget();
          }
          if (expired(client)) {
            // 401 like any other refused client (RFC 6749 5.2).
            const refusal = new errors.InvalidClient(
              'the client expired (api_access_expires_at)',
            );
            refusal.status = 401;
            refusal.statusCode = 401;
            throw refusal;
          }
          return {
            scope: client.scope ?? '',
            audience: resource,
            accessTokenTTL: tokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256', kid: signingKeys[0].kid } },
          };
        },
      },
    },
  };
}

let provider;
let callback;
let issuer;

function buildProvider() {
  const next = new Provider(issuer, configuration());
  next.on('server_error', (ctx, err) => {
    process.stderr.write(
      `oidc-dev-provider: server error: ${err?.stack ?? err}\n`,
    );
  });
  return next;
}

/*
 * Client credentials without a `scope` parameter get the client's whole
 * registered scope (oidc-provider would issue a token with no scope), which is
 * what Keycloak and Okta do and what `curl -u id:secret -d
 * grant_type=client_credentials` users expect.
 */
async function defaultScope(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  let body = raw;
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(raw.toString('utf8'));
    if (form.get('grant_type') === 'client_credentials' && !form.has('scope')) {
      const clientId = clientIdOf(req, form);
      const client = clientId
        ? await new MemoryAdapter('Client').find(clientId)
        : undefined;
      if (client?.scope) {
        form.set('scope', client.scope);
        body = Buffer.from(form.toString(), 'utf8');
      }
    }
  }
  return body;
}

function clientIdOf(req, form) {
  const auth = String(req.headers.authorization ?? '');
  const m = /^Basic\s+(.+)$/i.exec(auth);
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      try {
        return decodeURIComponent(decoded.slice(0, i).replace(/\+/g, '%20'));
      } catch {
        return undefined;
      }
    }
  }
  return form.get('client_id') ?? undefined;
}

async function handle(req, res) {
  const path = (req.url ?? '/').split('?')[0];
  if (args['test-control'] && path === '/__test/rotate-signing-key') {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    signingKeys.unshift(newSigningKey());
    provider = buildProvider();
    callback = provider.callback();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ kid: signingKeys[0].kid, keys: signingKeys.length }),
      );
    return;
  }
  if (req.method === 'POST' && path === '/token') {
    // The body is read here, so oidc-provider takes it from req.body (its
    // documented fallback for an upstream body parser; it warns once).
    req.body = (await defaultScope(req)).toString('utf8');
    callback(req, res);
    return;
  }
  callback(req, res);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch(err => {
    process.stderr.write(`oidc-dev-provider: ${err?.stack ?? err}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.on('error', err => fail(`cannot listen: ${err.message}`));
server.listen(port, args.host, () => {
  const address = server.address();
  issuer = `http://${args.host}:${address.port}`;
  provider = buildProvider();
  callback = provider.callback();
  process.stdout.write(
    `${JSON.stringify({ ready: true, issuer, port: address.port })}\n`,
  );
});

/*
 * SIGTERM/SIGINT: stop accepting, drop open connections and exit 0 at once.
 * Everything lives in memory, so there is nothing to flush.
 */
function shutdown() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

/*
 * --exit-with-stdin: the parent holds our stdin open; when the parent dies,
 * even by SIGKILL, the pipe closes and we exit instead of keeping the port.
 */
if (args['exit-with-stdin']) {
  process.stdin.on('end', shutdown);
  process.stdin.on('close', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}
