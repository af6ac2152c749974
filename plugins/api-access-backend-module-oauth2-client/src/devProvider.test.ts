/*
 * The development identity provider as the module and the demo rely on it:
 * a real oidc-provider in a child process, registration (RFC 7591) and
 * management (RFC 7592), client credentials with client_secret_basic, RFC 9068
 * JWT access tokens, and refusals where a real provider refuses.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  startDevProvider,
  type DevProvider,
} from './__testUtils__/devProvider';
import { fault, startFaultProxy } from './__testUtils__/faultProxy';

jest.setTimeout(60_000);

const IAT = 'iat-dev-provider-test';
const RESOURCE = 'api:default/petstore';

let provider: DevProvider;

beforeAll(async () => {
  provider = await startDevProvider({
    scopes: ['pets:read', 'pets:write', 'pets:admin'],
    initialAccessToken: IAT,
    tokenTtlSeconds: 120,
  });
});

afterAll(async () => {
  await provider?.stop();
});

interface Registered {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
  [key: string]: unknown;
}

async function register(
  metadata: Record<string, unknown>,
  iat = IAT,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${provider.issuer}/reg`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${iat}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(metadata),
  });
  return { status: res.status, body: await res.json() };
}

async function registerOk(
  metadata: Record<string, unknown> = {},
): Promise<Registered> {
  const { status, body } = await register({
    client_name: 'petstore for component:default/shop (grant g-1)',
    scope: 'pets:read pets:write',
    api_access_resource: RESOURCE,
    api_access_grant: 'g-1',
    ...metadata,
  });
  expect(status).toBe(201);
  return body;
}

async function token(
  client: { client_id: string; client_secret: string },
  params: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const basic = Buffer.from(
    `${encodeURIComponent(client.client_id)}:${encodeURIComponent(
      client.client_secret,
    )}`,
  ).toString('base64');
  const res = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      ...params,
    }).toString(),
  });
  return { status: res.status, body: await res.json() };
}

describe('startDevProvider', () => {
  it('starts on a free port and publishes discovery with the endpoints the module uses', async () => {
    expect(provider.issuer).toBe(`http://127.0.0.1:${provider.port}`);
    expect(provider.port).toBeGreaterThan(0);
    const res = await fetch(
      `${provider.issuer}/.well-known/openid-configuration`,
    );
    const discovery = await res.json();
    expect(discovery).toMatchObject({
      issuer: provider.issuer,
      registration_endpoint: `${provider.issuer}/reg`,
      token_endpoint: `${provider.issuer}/token`,
      jwks_uri: `${provider.issuer}/jwks`,
    });
    expect(discovery.grant_types_supported).toContain('client_credentials');
  });

  it("fails with the provider's stderr when the provider cannot start", async () => {
    await expect(
      startDevProvider({ scopes: [], initialAccessToken: IAT }),
    ).rejects.toThrow(
      /exited before it was ready.*--scopes needs at least one scope/s,
    );
  });

  it('stop() ends the child process', async () => {
    const other = await startDevProvider({
      scopes: ['a'],
      initialAccessToken: IAT,
    });
    expect(() => process.kill(other.pid, 0)).not.toThrow();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await expect(fetch(`${other.issuer}/jwks`)).rejects.toThrow();
  });
});

describe('registration (RFC 7591)', () => {
  it('registers a confidential client-credentials client with the custom metadata', async () => {
    const client = await registerOk({
      api_access_expires_at: '2099-01-01T00:00:00.000Z',
    });
    expect(client).toMatchObject({
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'pets:read pets:write',
      api_access_resource: RESOURCE,
      api_access_grant: 'g-1',
      api_access_expires_at: '2099-01-01T00:00:00.000Z',
      registration_client_uri: `${provider.issuer}/reg/${client.client_id}`,
    });
    expect(client.client_secret.length).toBeGreaterThanOrEqual(32);
    expect(client.registration_access_token.length).toBeGreaterThan(20);
  });

  it('refuses a wrong initial access token (401 invalid_token)', async () => {
    const { status, body } = await register({ scope: 'pets:read' }, 'wrong');
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_token');
  });

  it('refuses a scope the provider does not know (400 invalid_client_metadata)', async () => {
    const { status, body } = await register({
      scope: 'pets:read billing:admin',
      api_access_resource: RESOURCE,
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_client_metadata');
  });

  it('refuses an api_access_resource that is not an absolute URI', async () => {
    const { status, body } = await register({
      scope: 'pets:read',
      api_access_resource: 'petstore',
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_client_metadata');
  });
});

describe('client credentials tokens (RFC 9068)', () => {
  it("issues an ES256 at+jwt whose aud is the API and whose scope is what was asked, within the client's", async () => {
    const client = await registerOk();
    const { status, body } = await token(client, { scope: 'pets:read' });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'pets:read',
    });
    const header = decodeProtectedHeader(body.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(header.kid).toBeTruthy();
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      iss: provider.issuer,
      aud: RESOURCE,
      client_id: client.client_id,
      sub: client.client_id,
      scope: 'pets:read',
    });
    expect(claims.exp! - claims.iat!).toBe(120);
  });

  it("gives the client's whole scope when no scope is asked for", async () => {
    const client = await registerOk();
    const { status, body } = await token(client);
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token).scope).toBe('pets:read pets:write');
  });

  it('refuses a scope the client was not registered with', async () => {
    const client = await registerOk({ scope: 'pets:read' });
    const { status, body } = await token(client, { scope: 'pets:admin' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
  });

  it("refuses another resource than the client's API", async () => {
    const client = await registerOk();
    const { status, body } = await token(client, {
      resource: 'api:default/billing',
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });

  it('refuses a wrong secret (401 invalid_client)', async () => {
    const client = await registerOk();
    const { status, body } = await token({
      client_id: client.client_id,
      client_secret: 'not-the-secret',
    });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it("refuses tokens once the client's api_access_expires_at has passed", async () => {
    const client = await registerOk({
      api_access_expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    const { status, body } = await token(client);
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });
});

describe('client management (RFC 7592)', () => {
  function manage(client: Registered, init: RequestInit = {}) {
    return fetch(client.registration_client_uri, {
      ...init,
      headers: {
        authorization: `Bearer ${client.registration_access_token}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
  }

  it('reads the client with its secret, and updates it keeping the secret', async () => {
    const client = await registerOk();
    const read = await manage(client);
    expect(read.status).toBe(200);
    const current = await read.json();
    expect(current.client_secret).toBe(client.client_secret);

    const {
      registration_access_token: _rat,
      registration_client_uri: _uri,
      client_secret_expires_at: _exp,
      client_id_issued_at: _iat,
      ...metadata
    } = current;
    const updated = await manage(client, {
      method: 'PUT',
      body: JSON.stringify({ ...metadata, scope: 'pets:read' }),
    });
    expect(updated.status).toBe(200);
    const body = await updated.json();
    expect(body.scope).toBe('pets:read');
    expect(body.client_secret).toBe(client.client_secret);
    // Without --rotate-rat the registration access token stays.
    expect(body.registration_access_token).toBe(
      client.registration_access_token,
    );

    // The narrowed scope is what tokens get now.
    const { body: t } = await token(client);
    expect(decodeJwt(t.access_token).scope).toBe('pets:read');
  });

  it('refuses a wrong registration access token', async () => {
    const client = await registerOk();
    const res = await fetch(client.registration_client_uri, {
      headers: { authorization: 'Bearer not-the-rat' },
    });
    expect(res.status).toBe(401);
  });

  it('deletes the client: 204, then its token requests get 401 invalid_client', async () => {
    const client = await registerOk();
    expect((await token(client)).status).toBe(200);

    const removed = await manage(client, { method: 'DELETE' });
    expect(removed.status).toBe(204);

    const { status, body } = await token(client);
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect((await manage(client)).status).toBe(401);
  });

  it('with --rotate-rat, an update answers a new registration access token and the old one stops working', async () => {
    const rotating = await startDevProvider({
      scopes: ['pets:read'],
      initialAccessToken: IAT,
      rotateRat: true,
    });
    try {
      const res = await fetch(`${rotating.issuer}/reg`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${IAT}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          scope: 'pets:read',
          api_access_resource: RESOURCE,
        }),
      });
      const client = (await res.json()) as Registered;
      const {
        registration_access_token: rat,
        registration_client_uri: uri,
        client_secret_expires_at: _exp,
        client_id_issued_at: _iat,
        ...metadata
      } = client;
      const put = await fetch(uri, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${rat}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ...metadata, client_name: 'renamed' }),
      });
      expect(put.status).toBe(200);
      const next = (await put.json()).registration_access_token;
      expect(next).toBeTruthy();
      expect(next).not.toBe(rat);
      const old = await fetch(uri, {
        headers: { authorization: `Bearer ${rat}` },
      });
      expect(old.status).toBe(401);
      const fresh = await fetch(uri, {
        headers: { authorization: `Bearer ${next}` },
      });
      expect(fresh.status).toBe(200);
    } finally {
      await rotating.stop();
    }
  });
});

describe('the fault proxy in front of the provider', () => {
  it("passes through and points the provider's URLs at itself, except the issuer", async () => {
    const proxy = await startFaultProxy({ target: provider.issuer });
    try {
      const discovery = await (
        await fetch(`${proxy.url}/.well-known/openid-configuration`)
      ).json();
      expect(discovery.issuer).toBe(provider.issuer);
      expect(discovery.registration_endpoint).toBe(`${proxy.url}/reg`);
      expect(discovery.jwks_uri).toBe(`${proxy.url}/jwks`);

      const res = await fetch(`${proxy.url}/reg`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${IAT}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          scope: 'pets:read',
          api_access_resource: RESOURCE,
        }),
      });
      expect(res.status).toBe(201);
      const client = await res.json();
      expect(client.registration_client_uri).toBe(
        `${proxy.url}/reg/${client.client_id}`,
      );
      const read = await fetch(client.registration_client_uri, {
        headers: {
          authorization: `Bearer ${client.registration_access_token}`,
        },
      });
      expect(read.status).toBe(200);
      expect(proxy.hits('/reg')).toBe(1);
      expect(proxy.hits('/reg/:id')).toBe(1);
      expect(proxy.hits('/.well-known/*')).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('fails one route at a time: down, status with Retry-After, malformed JSON, slow, for n requests', async () => {
    const proxy = await startFaultProxy({ target: provider.issuer });
    const registerThroughProxy = () =>
      fetch(`${proxy.url}/reg`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${IAT}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          scope: 'pets:read',
          api_access_resource: RESOURCE,
        }),
      });
    try {
      proxy.set('/reg', fault.down());
      await expect(registerThroughProxy()).rejects.toThrow();
      // Other routes are untouched.
      expect((await fetch(`${proxy.url}/jwks`)).status).toBe(200);

      proxy.set('/reg', fault.status(429, { error: 'slow_down' }, 7));
      const limited = await registerThroughProxy();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await limited.json()).toEqual({ error: 'slow_down' });

      proxy.set('/reg', fault.malformedJson());
      const broken = await registerThroughProxy();
      expect(broken.status).toBe(201);
      expect(broken.headers.get('content-type')).toContain('json');
      await expect(broken.json()).rejects.toThrow();

      proxy.set('/reg', fault.slow(400));
      const started = Date.now();
      expect((await registerThroughProxy()).status).toBe(201);
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);

      proxy.set('/reg', fault.status(503), { times: 1 });
      expect((await registerThroughProxy()).status).toBe(503);
      expect((await registerThroughProxy()).status).toBe(201);

      proxy.set('/jwks', fault.status(500));
      proxy.reset();
      expect((await fetch(`${proxy.url}/jwks`)).status).toBe(200);
      expect(proxy.hits('/jwks')).toBe(1);
    } finally {
      await proxy.stop();
    }
  });
});
