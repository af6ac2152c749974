/*
 * Requests on plans (issue 14) over HTTP, on SQLite and PostgreSQL: the plan
 * named or the smallest that fits, the 400s that name what is wrong, the
 * plan's approval mode in the review plan, an approver lowering the plan,
 * the grant's snapshot of its plan, renewals keeping it, and an API without
 * plans working as before.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import {
  FIXTURE_CATALOG,
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();
const BASE = '/api/api-access';
const PLAN_CATALOG = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
  'src/__fixtures__/plan-requests-catalog.yaml',
);

const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

const draft = {
  apiRef: 'api:default/tiered',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['tiered:read'],
  useCase: 'Show tier names on the team-a dashboard.',
  justification: 'Requested by product for the spring release.',
  credentialStorage:
    'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
  durationDays: 20,
};

// Smallest first: the platform's order is the plans' order.
const PLANS = [
  {
    name: 'trial',
    title: 'Trial',
    scopes: 'read',
    rateLimit: { requests: 2, perSeconds: 1 },
    quota: { requests: 50, period: 'day' },
    maxDurationDays: 30,
    environments: ['sandbox'],
    approval: 'automatic',
  },
  {
    name: 'starter',
    title: 'Starter',
    scopes: 'read',
    rateLimit: { requests: 5, perSeconds: 1 },
    quota: { requests: 1000, period: 'day' },
    maxDurationDays: 90,
    approval: 'policy',
  },
  {
    name: 'standard',
    title: 'Standard',
    scopes: 'all',
    rateLimit: { requests: 50, perSeconds: 1 },
    maxDurationDays: 365,
    approval: 'owner',
  },
];

describe.each(databases.eachSupportedId())(
  'requests on plans on %p',
  databaseId => {
    let knex: Knex;
    let server: any;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        catalogFiles: [FIXTURE_CATALOG, PLAN_CATALOG],
        config: {
          apiAccess: { accessReviews: { enabled: false }, plans: PLANS },
        },
        waitFor: [
          'api:default/tiered',
          'api:default/tiered-public',
          'api:default/pets',
          'component:default/team-a-service',
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    const post = (by: string, path: string, body: object) =>
      request(server)
        .post(`${BASE}${path}`)
        .set('Authorization', as(by))
        .send(body);
    const submit = async (body: object) => {
      const response = await post('requester', '/requests', body);
      expect(response.status).toBe(201);
      return response.body;
    };
    /** The grant as GET /grants answers it to its requester. */
    const grantOf = async (grantId: string) => {
      const response = await request(server)
        .get(`${BASE}/grants?requesterRef=user:default/requester&limit=100`)
        .set('Authorization', as('requester'));
      expect(response.status).toBe(200);
      const grant = response.body.items.find((g: any) => g.id === grantId);
      expect(grant).toBeDefined();
      return grant;
    };
    const history = async (id: string) =>
      (
        await request(server)
          .get(`${BASE}/audit?subjectId=${id}`)
          .set('Authorization', as('requester'))
      ).body.items as Array<{ action: string; details: any }>;

    it('answers the plans on the profile, smallest first', async () => {
      const profile = await request(server)
        .get(`${BASE}/apis/default/tiered/profile`)
        .set('Authorization', as('requester'));
      expect(profile.status).toBe(200);
      expect(profile.body.plans.map((p: any) => p.name)).toEqual([
        'trial',
        'starter',
        'standard',
      ]);
    });

    it('auto-approves a sandbox request on an automatic plan that no policy stage needs, and the grant carries the plan', async () => {
      const created = await submit({ ...draft, plan: 'trial' });
      expect(created.status).toBe('approved');
      expect(created.autoApproveRule).toBe('plan:trial');
      expect(created.requestedPlan).toBe('trial');
      expect(created.approvedPlan).toBe('trial');
      expect(created.steps).toEqual([]);

      const grant = await grantOf(created.grantId);
      expect(grant.plan).toEqual({
        name: 'trial',
        title: 'Trial',
        rateLimit: { requests: 2, perSeconds: 1 },
        quota: { requests: 50, period: 'day' },
      });
      const events = await history(created.id);
      expect(
        events.find(e => e.action === 'request.submitted')!.details,
      ).toMatchObject({ requestedPlan: 'trial', planNamed: true });
      expect(
        events.find(e => e.action === 'grant.created')!.details.plan,
      ).toMatchObject({ name: 'trial' });
    });

    it('takes the smallest plan that fits when none is named', async () => {
      // 60 days is beyond trial's 30: starter is the smallest that fits.
      const created = await submit({ ...draft, durationDays: 60 });
      expect(created.requestedPlan).toBe('starter');
      expect(created.status).toBe('in_review');
      expect(created.steps.map((s: any) => s.name)).toEqual(['owner']);
      // Writes only on standard.
      const writer = await submit({
        ...draft,
        scopes: ['tiered:read', 'tiered:write'],
      });
      expect(writer.requestedPlan).toBe('standard');
      // Within trial: approved by the plan.
      const small = await submit(draft);
      expect(small.requestedPlan).toBe('trial');
      expect(small.status).toBe('approved');
    });

    it('answers 400 naming the problem for plans the API does not offer, terms outside the plan, no plan that fits, and a plan on an API without plans', async () => {
      const cases: Array<[object, RegExp]> = [
        [
          { ...draft, plan: 'gold' },
          /plan 'gold' is not offered by api:default\/tiered; it offers 'trial', 'starter', 'standard'/,
        ],
        [
          { ...draft, plan: 'trial', scopes: ['tiered:write'] },
          /the plan 'trial' does not include the scopes tiered:write/,
        ],
        [
          { ...draft, plan: 'trial', durationDays: 31 },
          /the plan 'trial' allows at most 30 days, not 31/,
        ],
        [
          { ...draft, plan: 'trial', environment: 'production' },
          /the plan 'trial' is not offered for 'production'/,
        ],
        [
          { ...draft, scopes: ['tiered:write'], durationDays: 300 },
          /No plan of api:default\/tiered .* allows these terms/,
        ],
        [
          {
            ...draft,
            apiRef: 'api:default/pets',
            scopes: ['pets:read'],
            plan: 'trial',
          },
          /plan 'trial' is not offered: api:default\/pets offers no plans/,
        ],
      ];
      for (const [body, message] of cases) {
        const response = await post('requester', '/requests', body);
        expect({ body, status: response.status }).toEqual({
          body,
          status: 400,
        });
        expect(response.body.error.message).toMatch(message);
        // The preview answers the same.
        const preview = await post('requester', '/plans', body);
        expect(preview.status).toBe(400);
        expect(preview.body.error.message).toMatch(message);
      }
    });

    it('previews the review plan of a plan', async () => {
      const trial = await post('requester', '/plans', {
        ...draft,
        plan: 'trial',
      });
      expect(trial.status).toBe(200);
      expect(trial.body).toMatchObject({
        autoApproved: true,
        autoApproveRule: 'plan:trial',
      });
      const standard = await post('requester', '/plans', {
        ...draft,
        plan: 'standard',
      });
      expect(standard.body.autoApproved).toBe(false);
      expect(standard.body.stages.map((s: any) => s.name)).toEqual(['owner']);
    });

    it('keeps the policy stages of an automatic plan: production still goes to security, without the owner', async () => {
      const created = await submit({
        ...draft,
        environment: 'production',
        plan: 'starter',
      });
      expect(created.steps.map((s: any) => s.name)).toEqual([
        'owner',
        'security',
      ]);
      // trial is sandbox only; an automatic plan in production is tested in
      // common's reviewPlan tests. Here: the owner stage stays for `owner`.
    });

    it('has the owner review a request on an owner plan even when an auto-approve rule matches', async () => {
      const body = {
        ...draft,
        apiRef: 'api:default/tiered-public',
        scopes: ['open:read'],
      };
      // Without plans the sandbox-public rule would approve it at once.
      const created = await submit(body);
      expect(created.requestedPlan).toBe('standard');
      expect(created.status).toBe('in_review');
      expect(created.steps.map((s: any) => s.name)).toEqual(['owner']);
      expect(created.steps[0].reason).toMatch(
        /The plan 'standard' has the API owner review every request, though policy would approve this one \(sandbox-public\)/,
      );
    });

    it('lets an approver lower the plan, narrowing scopes and duration to it; a higher or unknown plan is refused', async () => {
      const created = await submit({
        ...draft,
        scopes: ['tiered:read', 'tiered:write'],
        durationDays: 200,
        plan: 'standard',
      });
      const refusals: Array<[object, RegExp]> = [
        [
          { decision: 'approve', plan: 'gold' },
          /plan 'gold' is not a plan api:default\/tiered offers/,
        ],
        [
          { decision: 'reject', comment: 'no', plan: 'starter' },
          /plan can only be lowered when approving/,
        ],
      ];
      for (const [body, message] of refusals) {
        const response = await post(
          'owner.one',
          `/requests/${created.id}/decisions`,
          body,
        );
        expect(response.status).toBe(400);
        expect(response.body.error.message).toMatch(message);
      }

      const approved = await post(
        'owner.one',
        `/requests/${created.id}/decisions`,
        {
          decision: 'approve',
          plan: 'starter',
        },
      );
      expect(approved.status).toBe(201);
      expect(approved.body.status).toBe('approved');
      expect(approved.body.requestedPlan).toBe('standard');
      expect(approved.body.approvedPlan).toBe('starter');
      expect(approved.body.approvedScopes).toEqual(['tiered:read']);
      expect(approved.body.approvedDurationDays).toBe(90);
      expect(approved.body.decisions[0].narrowedPlan).toBe('starter');
      const grant = await grantOf(approved.body.grantId);
      expect(grant.scopes).toEqual(['tiered:read']);
      expect(grant.plan).toMatchObject({
        name: 'starter',
        rateLimit: { requests: 5, perSeconds: 1 },
        quota: { requests: 1000, period: 'day' },
      });
      const events = await history(created.id);
      expect(
        events.find(e => e.action === 'request.approved')!.details,
      ).toMatchObject({ approvedPlan: 'starter' });

      // A higher plan than asked is refused.
      const onStarter = await submit({ ...draft, durationDays: 60 });
      expect(onStarter.requestedPlan).toBe('starter');
      const higher = await post(
        'owner.one',
        `/requests/${onStarter.id}/decisions`,
        {
          decision: 'approve',
          plan: 'standard',
        },
      );
      expect(higher.status).toBe(400);
      expect(higher.body.error.message).toMatch(
        /plan may only lower the request: 'standard' is not below 'starter' \(lower plans: trial\)/,
      );
      // trial is sandbox only and 30 days: lowering to it shortens the duration.
      const lowered = await post(
        'owner.one',
        `/requests/${onStarter.id}/decisions`,
        {
          decision: 'approve',
          plan: 'trial',
        },
      );
      expect(lowered.status).toBe(201);
      expect(lowered.body.approvedDurationDays).toBe(30);
      expect((await grantOf(lowered.body.grantId)).plan.name).toBe('trial');
    });

    it('refuses a plan in a bulk decision', async () => {
      const created = await submit({ ...draft, plan: 'standard' });
      const response = await post('owner.one', '/requests/decisions', {
        ids: [created.id],
        decision: 'approve',
        plan: 'starter',
      });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/plan/);
    });

    it('works as before on an API without plans: no plan on the request or the grant', async () => {
      const created = await submit({
        ...draft,
        apiRef: 'api:default/pets',
        scopes: ['pets:read'],
      });
      expect(created.requestedPlan).toBeUndefined();
      expect(created.approvedPlan).toBeUndefined();
      const approved = await post(
        'owner.one',
        `/requests/${created.id}/decisions`,
        {
          decision: 'approve',
        },
      );
      expect(approved.status).toBe(201);
      const grant = await grantOf(approved.body.grantId);
      expect(grant.plan).toBeUndefined();
    });

    it('refuses lowering the plan of a request on an API without plans', async () => {
      const created = await submit({
        ...draft,
        apiRef: 'api:default/pets',
        scopes: ['pets:read'],
      });
      const response = await post(
        'owner.one',
        `/requests/${created.id}/decisions`,
        {
          decision: 'approve',
          plan: 'trial',
        },
      );
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(
        /plan 'trial' cannot be approved: the request is not for a plan/,
      );
    });

    it('resubmits onto another plan, and a renewal keeps the grant plan', async () => {
      const created = await submit({ ...draft, plan: 'standard' });
      const sent = await post(
        'owner.one',
        `/requests/${created.id}/decisions`,
        {
          decision: 'request_changes',
          comment: 'Starter is enough for a dashboard',
        },
      );
      expect(sent.status).toBe(201);
      const { apiRef: _api, ...terms } = draft;
      const resubmitted = await post(
        'requester',
        `/requests/${created.id}/resubmit`,
        {
          ...terms,
          durationDays: 60,
          plan: 'starter',
          comment: 'Starter then',
        },
      );
      expect(resubmitted.status).toBe(200);
      expect(resubmitted.body.requestedPlan).toBe('starter');
      expect(resubmitted.body.approvedPlan).toBe('starter');
      const approved = await post(
        'owner.one',
        `/requests/${created.id}/decisions`,
        {
          decision: 'approve',
        },
      );
      expect(approved.status).toBe(201);
      const grantId = approved.body.grantId;

      // Beyond the plan's 90 days: refused naming it.
      const tooLong = await post('requester', `/grants/${grantId}/renew`, {
        durationDays: 120,
      });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.error.message).toMatch(
        /the plan 'starter' allows at most 90 days, not 120/,
      );
      const renewal = await post('requester', `/grants/${grantId}/renew`, {
        durationDays: 60,
      });
      expect(renewal.status).toBe(201);
      expect(renewal.body.requestedPlan).toBe('starter');
      expect((await grantOf(grantId)).plan.name).toBe('starter');
      const row = await knex('api_access_requests')
        .where({ id: created.id })
        .first();
      expect(row.plan_name).toBe('starter');
      expect(row.approved_plan_name).toBe('starter');
    });
  },
);
