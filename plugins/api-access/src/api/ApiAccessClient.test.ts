import { ApiAccessClient } from './ApiAccessClient';

describe('ApiAccessClient.listGrants', () => {
  it('follows the cursor of the paged GET /grants', async () => {
    const urls: string[] = [];
    const pages: Record<string, object> = {
      '': { items: [{ id: 'g3' }, { id: 'g2' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'g1' }] },
    };
    const client = new ApiAccessClient({
      discoveryApi: { getBaseUrl: async () => 'http://backend/api/api-access' },
      fetchApi: {
        fetch: async (url: any) => {
          urls.push(url);
          const cursor = new URL(String(url)).searchParams.get('cursor') ?? '';
          return {
            ok: true,
            json: async () => pages[cursor],
          } as any;
        },
      },
    });
    const grants = await client.listGrants({ apiRef: 'api:default/pets' });
    expect(grants.map(grant => grant.id)).toEqual(['g3', 'g2', 'g1']);
    expect(urls).toEqual([
      'http://backend/api/api-access/grants?apiRef=api%3Adefault%2Fpets&limit=200',
      'http://backend/api/api-access/grants?apiRef=api%3Adefault%2Fpets&limit=200&cursor=c1',
    ]);
  });
});

describe('ApiAccessClient plan, suspension and usage', () => {
  function recordingClient(answer: object, status = 200) {
    const calls: Array<{ url: string; method?: string; body?: string }> = [];
    const client = new ApiAccessClient({
      discoveryApi: { getBaseUrl: async () => 'http://backend/api/api-access' },
      fetchApi: {
        fetch: async (url: any, init?: RequestInit) => {
          calls.push({
            url: String(url),
            method: init?.method,
            body: init?.body as string | undefined,
          });
          return new Response(JSON.stringify(answer), {
            status,
            headers: { 'content-type': 'application/json' },
          });
        },
      },
    });
    return { client, calls };
  }

  it('posts the suspension reason, the resume comment and the new plan to the grant', async () => {
    const { client, calls } = recordingClient({ id: 'g/1' });
    await client.suspendGrant('g/1', 'Calls at night');
    await client.resumeGrant('g/1');
    await client.changeGrantPlan('g/1', { plan: 'starter' });
    expect(calls).toEqual([
      {
        url: 'http://backend/api/api-access/grants/g%2F1/suspend',
        method: 'POST',
        body: JSON.stringify({ reason: 'Calls at night' }),
      },
      {
        url: 'http://backend/api/api-access/grants/g%2F1/resume',
        method: 'POST',
        body: '{}',
      },
      {
        url: 'http://backend/api/api-access/grants/g%2F1/plan',
        method: 'POST',
        body: JSON.stringify({ plan: 'starter' }),
      },
    ]);
  });

  it('asks for N days of usage', async () => {
    const { client, calls } = recordingClient({ days: [] });
    await client.getGrantUsage('g1', 7);
    expect(calls[0].url).toBe(
      'http://backend/api/api-access/grants/g1/usage?days=7',
    );
  });

  it("throws the backend's refusal of an upgrade", async () => {
    const { client } = recordingClient(
      {
        error: {
          name: 'ConflictError',
          message: "the upgrade to 'standard' needs the stages: security",
        },
        request: { method: 'POST', url: '/grants/g1/plan' },
        response: { statusCode: 409 },
      },
      409,
    );
    await expect(
      client.changeGrantPlan('g1', { plan: 'standard' }),
    ).rejects.toMatchObject({
      body: {
        error: {
          message: "the upgrade to 'standard' needs the stages: security",
        },
      },
    });
  });
});

describe('ApiAccessClient credential types', () => {
  function answering(answer: object, status = 200) {
    const calls: Array<{ url: string; method?: string; body?: string }> = [];
    const client = new ApiAccessClient({
      discoveryApi: { getBaseUrl: async () => 'http://backend/api/api-access' },
      fetchApi: {
        fetch: async (url: any, init?: RequestInit) => {
          calls.push({
            url: String(url),
            method: init?.method,
            body: init?.body as string | undefined,
          });
          return new Response(JSON.stringify(answer), {
            status,
            headers: { 'content-type': 'application/json' },
          });
        },
      },
    });
    return { client, calls };
  }

  it('lists the types from GET /credential-types', async () => {
    const types = [
      {
        id: 'oauth2-client',
        title: 'OAuth2 client (client credentials)',
        description: 'A client at the identity provider',
        presentation: 'bearer-token',
        offered: false,
        reason: 'the identity provider has not answered yet',
      },
    ];
    const { client, calls } = answering(types);
    await expect(client.getCredentialTypes()).resolves.toEqual(types);
    expect(calls).toEqual([
      { url: 'http://backend/api/api-access/credential-types', method: 'GET' },
    ]);
  });

  it("answers an OAuth2 client's body as it came, so the dialog can tell it from a key", async () => {
    const body = {
      id: 'c1',
      grantId: 'g1',
      credentialType: 'oauth2-client',
      termsVersion: '7',
      createdAt: '2026-12-03T08:00:00.000Z',
      clientId: 'client-1',
      clientSecret: 's3cr3t',
      tokenEndpoint: 'http://127.0.0.1:7010/token',
      scopes: ['pets:read'],
      issuer: 'http://127.0.0.1:7010',
    };
    const { client, calls } = answering(body, 201);
    await expect(client.issueCredential('g1', '7')).resolves.toEqual(body);
    expect(calls).toEqual([
      {
        url: 'http://backend/api/api-access/grants/g1/credentials',
        method: 'POST',
        body: JSON.stringify({ acceptTerms: '7' }),
      },
    ]);
  });

  it('throws when the backend has no such route', async () => {
    const { client } = answering({ error: { message: 'Not found' } }, 404);
    await expect(client.getCredentialTypes()).rejects.toMatchObject({
      response: { status: 404 },
    });
  });
});
