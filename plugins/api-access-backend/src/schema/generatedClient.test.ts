/*
 * The generated client (scripts/openapi/generate.mjs, from openapi.yaml)
 * against a running backend over real HTTP: if the document's paths,
 * methods, parameters or body encodings drift from the routers, the
 * frontend's client, which is only a wrapper over this one, breaks here.
 */
import { AddressInfo } from 'node:net';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import {
  ApiAccessHttpClient,
  IssuedCredential,
} from '@api-access/backstage-plugin-api-access-common';
import {
  serviceHeader,
  startApiAccessBackend,
  TEST_GATEWAY,
  TEST_GATEWAY_SUBJECT,
} from '../__testUtils__/testBackend';

describe('ApiAccessHttpClient, generated from the OpenAPI document', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const REQUESTER = 'user:default/requester';
  const OWNER = 'user:default/owner.one';
  const CONSUMER = 'component:default/team-a-service';
  const draft = {
    apiRef: 'api:default/pets',
    consumerRef: CONSUMER,
    environment: 'sandbox',
    scopes: ['pets:read'],
    useCase: 'Show pet names on the team-a dashboard.',
    justification: 'Requested by product for the spring release.',
    credentialStorage:
      'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
    durationDays: 30,
  };

  let backend: Awaited<ReturnType<typeof startApiAccessBackend>>;
  let client: ApiAccessHttpClient;
  const user = (ref: string) => ({ token: mockCredentials.user.token(ref) });
  const gateway = { token: serviceHeader(TEST_GATEWAY_SUBJECT).slice(7) };

  beforeAll(async () => {
    backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
      config: { apiAccess: { gateway: TEST_GATEWAY } },
    });
    const { port } = backend.server.address() as AddressInfo;
    client = new ApiAccessHttpClient({
      discoveryApi: {
        getBaseUrl: async pluginId =>
          `http://localhost:${port}/api/${pluginId}`,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
  });

  it('takes a request from draft to a key the gateway accepts', async () => {
    const health = await client.getHealth();
    expect(health.status).toBe(200);

    const profile = await client.getApiProfile(
      { path: { namespace: 'default', name: 'pets' } },
      user(REQUESTER),
    );
    expect(profile.status).toBe(200);
    expect((await profile.json()).apiRef).toBe('api:default/pets');

    const plan = await client.previewPlan({ body: draft }, user(REQUESTER));
    expect((await plan.json()).stages.length).toBeGreaterThan(0);

    const assessed = await client.assessDraft(
      { body: draft, query: { modules: 'false' } },
      user(REQUESTER),
    );
    expect(typeof (await assessed.json()).risk.score).toBe('number');

    const createdResponse = await client.createRequest(
      { body: draft },
      user(REQUESTER),
    );
    expect(createdResponse.status).toBe(201);
    const created = await createdResponse.json();

    const mine = await (
      await client.listRequests({ query: { view: 'mine' } }, user(REQUESTER))
    ).json();
    expect(mine.items.map(r => r.id)).toContain(created.id);

    const decided = await client.decideRequest(
      {
        path: { id: created.id },
        body: { decision: 'approve', comment: 'Fine for the sandbox.' },
      },
      user(OWNER),
    );
    expect(decided.status).toBe(201);
    const { grantId, status } = await decided.json();
    expect(status).toBe('approved');

    const grants = await (
      await client.listGrants(
        { query: { consumerRef: CONSUMER, limit: 50 } },
        user(REQUESTER),
      )
    ).json();
    expect(grants.items.map(g => g.id)).toEqual([grantId]);

    const terms = await (
      await client.getCredentialTerms(undefined, user(REQUESTER))
    ).json();
    const issued = await client.issueCredential(
      { path: { id: grantId! }, body: { acceptTerms: terms.version } },
      user(REQUESTER),
    );
    expect(issued.status).toBe(201);
    // An API key grant: the key's answer (other types answer their own fields).
    const { secret } = (await issued.json()) as IssuedCredential;

    // Form-encoded body (RFC 7662) and gateway headers, both as the document says.
    const introspected = await client.introspect(
      { body: { token: secret } },
      gateway,
    );
    expect(await introspected.json()).toMatchObject({ active: true });
    const authorized = await client.authorizeGatewayCall(
      {
        headers: {
          'X-Api-Access-Api': 'api:default/pets',
          'X-Api-Access-Key': secret,
        },
      },
      gateway,
    );
    expect(authorized.status).toBe(200);

    const history = await (
      await client.getAudit({ query: { subjectId: created.id } }, user(REQUESTER))
    ).json();
    expect(history.items.map(e => e.action)).toEqual(
      expect.arrayContaining(['request.submitted', 'request.approved']),
    );

    // No CA in this backend's config: the document's 404, not a PEM.
    const ca = await client.getCaCertificate();
    expect(ca.status).toBe(404);
  });

  it('answers a bad body with a 400 that names the field, for the caller to read', async () => {
    const response = await client.createRequest(
      { body: { ...draft, scopes: [] } },
      user(REQUESTER),
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('scopes');
  });

  it('encodes path parameters, so an id cannot reach another route', async () => {
    const response = await client.getRequest(
      { path: { id: '../grants' } },
      user(REQUESTER),
    );
    expect(response.status).toBe(404);
    await expect(
      client.getRequest({ path: { id: '' } }, user(REQUESTER)),
    ).rejects.toThrow('path parameter id is missing');
  });
});
