/*
 * The action against a real api-access backend and catalog, on SQLite and
 * PostgreSQL: it requests as the user who runs the template, api-access's
 * own rules refuse what that user may not ask for, and a dry run writes
 * nothing.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import request from 'supertest';
import { createApiAccessRequestAction } from './requestAccess';
import {
  CONSUMER,
  OWNER,
  REQUESTER,
  STRANGER,
  apiAccessRowCounts,
  createTestDatabases,
  discoveryFor,
  startApiAccessBackend,
} from '../__testUtils__/apiAccessBackend';

const databases = createTestDatabases();

const input = {
  apiRef: 'api:default/pets',
  consumerRef: CONSUMER,
  environment: 'production',
  scopes: ['pets:read'],
  useCase: "Show pet names on the new integration's dashboard.",
  justification: 'Requested by product for the spring release.',
  credentialStorage: 'Vault kv/team-a/new-integration, rotated monthly',
  durationDays: 30,
};

describe.each(databases.eachSupportedId())('api-access:request on %p', id => {
  let backend: Awaited<ReturnType<typeof startApiAccessBackend>>;
  let knex: Awaited<ReturnType<typeof databases.init>>;
  let action: ReturnType<typeof createApiAccessRequestAction>;

  beforeAll(async () => {
    knex = await databases.init(id);
    backend = await startApiAccessBackend({ knex });
    action = createApiAccessRequestAction({
      auth: mockServices.auth(),
      discovery: discoveryFor(backend.server),
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
  });

  /** A context as the scaffolder gives it: the task's initiator, the step's input. */
  function contextFor(
    credentials: BackstageCredentials,
    stepInput: Record<string, unknown>,
    extra: { isDryRun?: boolean } = {},
  ) {
    const ctx = createMockActionContext({ input: stepInput as any });
    return {
      ...ctx,
      getInitiatorCredentials: async () => credentials,
      ...extra,
    };
  }

  const outputs = (ctx: { output: jest.Mock | any }) =>
    Object.fromEntries((ctx.output as jest.Mock).mock.calls);

  it('creates a request as the user who runs the template', async () => {
    const ctx = contextFor(mockCredentials.user(REQUESTER), input);
    await action.handler(ctx as any);

    const out = outputs(ctx);
    expect(out.status).toBe('in_review');
    expect(out.requesterRef).toBe(REQUESTER);
    expect(out.link).toBe(`/api-access/requests/${out.requestId}`);
    // pets is internal: production adds security after the owner.
    expect(out.plan.stages.map((s: any) => s.steps[0].name)).toEqual([
      'owner',
      'security',
    ]);
    expect(out.reviewSummary).toMatch(/^owner \(group:default\/team-c\)/);

    // The request is the user's, not the scaffolder's: api-access says so.
    const read = await request(backend.server)
      .get(`/api/api-access/requests/${out.requestId}`)
      .set('Authorization', mockCredentials.user.header(REQUESTER));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      requesterRef: REQUESTER,
      consumerRef: CONSUMER,
      apiRef: 'api:default/pets',
      status: 'in_review',
    });
    // ...and it waits in the owning team's inbox.
    const inbox = await request(backend.server)
      .get('/api/api-access/requests?view=reviewable')
      .set('Authorization', mockCredentials.user.header(OWNER));
    expect(inbox.body.items.map((r: any) => r.id)).toContain(out.requestId);
  });

  it("refuses a consumer the user's groups do not own, naming the owner", async () => {
    const before = await apiAccessRowCounts(knex);
    const ctx = contextFor(mockCredentials.user(STRANGER), input);
    await expect(action.handler(ctx as any)).rejects.toThrow(
      "api-access refused the request for production access to api:default/pets for component:default/team-a-service: 'component:default/team-a-service' is owned by group:default/team-a; you can only request access for components your groups own",
    );
    await expect(action.handler(ctx as any)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(await apiAccessRowCounts(knex)).toEqual(before);
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('names every bad field before calling api-access', async () => {
    const ctx = contextFor(mockCredentials.user(REQUESTER), {
      ...input,
      apiRef: 'component:default/team-a-service',
      durationDays: 0,
      useCase: '',
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /^Invalid input for api-access:request: apiRef .*; useCase is required; durationDays must be at least 1 day$/,
    );
  });

  it("passes on api-access's findings: a secret pasted into the storage plan", async () => {
    const before = await apiAccessRowCounts(knex);
    const ctx = contextFor(mockCredentials.user(REQUESTER), {
      ...input,
      credentialStorage:
        'In the repo for now: AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    const error = await action.handler(ctx as any).then(
      () => undefined,
      e => e,
    );
    expect(error?.name).toBe('InputError');
    expect(error?.message).toMatch(
      /^api-access refused the request for production access to api:default\/pets for component:default\/team-a-service: The request assistant found/,
    );
    expect(error?.message).toMatch(/credentialStorage/);
    // The secret itself is not repeated in the failure.
    expect(error?.message).not.toContain('wJalrXUtnFEMI');
    expect(await apiAccessRowCounts(knex)).toEqual(before);
  });

  it('a dry run validates, previews the review plan and writes nothing', async () => {
    const before = await apiAccessRowCounts(knex);
    const ctx = contextFor(mockCredentials.user(REQUESTER), input, {
      isDryRun: true,
    });
    await action.handler(ctx as any);

    const out = outputs(ctx);
    expect(out).toEqual({
      status: 'dry-run',
      plan: {
        autoApproved: false,
        stages: [
          {
            name: expect.any(String),
            steps: [expect.objectContaining({ name: 'owner' })],
          },
          {
            name: expect.any(String),
            steps: [expect.objectContaining({ name: 'security' })],
          },
        ],
      },
      reviewSummary: expect.stringMatching(
        /^owner \(group:default\/team-c\), then security \(/,
      ),
    });
    expect(await apiAccessRowCounts(knex)).toEqual(before);
  });

  it('a dry run refuses a consumer the user does not own, too', async () => {
    const ctx = contextFor(mockCredentials.user(STRANGER), input, {
      isDryRun: true,
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /^api-access refused to preview production access to api:default\/pets for component:default\/team-a-service: .*you can only request access for components your groups own$/,
    );
  });

  it('refuses a task that no user started', async () => {
    const ctx = contextFor(mockCredentials.service('plugin:catalog'), input);
    await expect(action.handler(ctx as any)).rejects.toThrow(
      'api-access:request requests access as the user who runs the template, and this task was not started by a user',
    );
  });
});
