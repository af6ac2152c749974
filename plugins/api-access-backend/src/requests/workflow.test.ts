/*
 * The review engine end to end over HTTP, on SQLite and PostgreSQL: routed
 * stages, quorum, request-changes rounds, narrowed terms, auto-approval,
 * races, and the hash-chained history.
 */
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { notificationService } from '@backstage/plugin-notifications-node';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();

/** Every notification the plugin sends, in place of the notifications backend. */
const sent: Array<{ to: string[]; title: string; link?: string }> = [];
const recordingNotifications = createServiceFactory({
  service: notificationService,
  deps: {},
  factory: () => ({
    async send(options: any) {
      sent.push({
        to: options.recipients.entityRef,
        title: options.payload.title,
        link: options.payload.link,
      });
    },
  }),
});

const user = (name: string) => `user:default/${name}`;
const as = (name: string) => mockCredentials.user.header(user(name));

const internalDraft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['pets:read', 'pets:write'],
  useCase: 'Show pet names on the team-a dashboard.',
  justification: 'Requested by product for the spring release.',
  credentialStorage:
    'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
  durationDays: 60,
};

// ledger-api is restricted (through its Domain); northwind is a partner.
const externalRestrictedDraft = {
  ...internalDraft,
  apiRef: 'api:default/ledger-api',
  consumerRef: 'group:default/northwind',
  environment: 'production',
  scopes: [],
};

describe.each(databases.eachSupportedId())(
  'the review engine on %p',
  databaseId => {
    let server: any;
    let knex: any;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        extraFeatures: [recordingNotifications],
        waitFor: [
          'api:default/ledger-api',
          'api:default/weather',
          'api:default/patients',
          'api:default/pets',
          'component:default/team-a-service',
          'group:default/northwind',
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    const submit = async (by: string, body: object) => {
      const response = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as(by))
        .send(body);
      expect(response.status).toBe(201);
      return response.body;
    };
    const decide = (by: string, id: string, body: object) =>
      request(server)
        .post(`/api/api-access/requests/${id}/decisions`)
        .set('Authorization', as(by))
        .send(body);
    const read = async (by: string, id: string) =>
      (
        await request(server)
          .get(`/api/api-access/requests/${id}`)
          .set('Authorization', as(by))
      ).body;
    const stepStatuses = (req: any) =>
      req.steps.map((s: any) => `${s.name}:${s.status}`);
    const history = async (by: string, id: string) =>
      (
        await request(server)
          .get(`/api/api-access/audit?subjectId=${id}`)
          .set('Authorization', as(by))
      ).body.items;

    it('walks a restricted request from a partner through owner, security and compliance, then legal', async () => {
      const created = await submit('partner.person', externalRestrictedDraft);
      expect(created.consumerKind).toBe('external');
      expect(stepStatuses(created)).toEqual([
        'owner:pending',
        'security:waiting',
        'compliance:waiting',
        'legal:waiting',
      ]);

      // Security cannot act before its stage opens.
      expect(
        (await decide('sec.one', created.id, { decision: 'approve' })).status,
      ).toBe(403);

      expect(
        (await decide('owner.one', created.id, { decision: 'approve' })).status,
      ).toBe(201);
      expect(stepStatuses(await read('partner.person', created.id))).toEqual([
        'owner:approved',
        'security:pending',
        'compliance:pending',
        'legal:waiting',
      ]);
      const securityInbox = await request(server)
        .get('/api/api-access/requests?view=reviewable')
        .set('Authorization', as('sec.two'));
      expect(securityInbox.body.items.map((r: any) => r.id)).toContain(
        created.id,
      );

      expect(
        (await decide('comp.one', created.id, { decision: 'approve' })).status,
      ).toBe(201);
      expect(
        (
          await decide('sec.two', created.id, {
            decision: 'approve',
            comment: 'Keys in their vault',
          })
        ).status,
      ).toBe(201);
      const atLegal = await read('partner.person', created.id);
      expect(atLegal.status).toBe('in_review');
      expect(stepStatuses(atLegal)).toEqual([
        'owner:approved',
        'security:approved',
        'compliance:approved',
        'legal:pending',
      ]);

      const approved = await decide('legal.one', created.id, {
        decision: 'approve',
        comment: 'DPA signed',
      });
      expect(approved.status).toBe(201);
      expect(approved.body.status).toBe('approved');
      expect(approved.body.grantId).toEqual(expect.any(String));

      const actions = (await history('partner.person', created.id)).map(
        (e: any) => e.action,
      );
      expect(actions).toEqual([
        'request.submitted',
        'step.approval_recorded',
        'stage.opened',
        'step.approval_recorded',
        'step.approval_recorded',
        'stage.opened',
        'step.approval_recorded',
        'request.approved',
        'grant.created',
      ]);
      const about = sent.filter(
        n => n.link === `/api-access/requests/${created.id}`,
      );
      expect(about.map(n => n.to.join(','))).toEqual([
        'group:default/team-c',
        'group:default/security,group:default/compliance',
        'user:default/partner.person',
        'group:default/legal',
        'user:default/partner.person',
        'user:default/partner.person',
      ]);
      expect(about[2].title).toContain('approve by user:default/owner.one');

      const submitted = (await history('partner.person', created.id))[0];
      expect(submitted.details.plan[1].steps[0].rules).toEqual([
        'production-environment',
        'confidential-data',
        'restricted-data',
        'external-consumer',
      ]);
    });

    it('lets one person decide at most one step of a request', async () => {
      const created = await submit('requester', {
        ...internalDraft,
        environment: 'production',
      });
      expect(
        (await decide('owner.sec', created.id, { decision: 'approve' })).status,
      ).toBe(201);
      const second = await decide('owner.sec', created.id, {
        decision: 'approve',
      });
      expect(second.status).toBe(403);
      expect(second.body.error.message).toBe(
        'You have already decided a step of this request',
      );
      expect(
        (await decide('sec.one', created.id, { decision: 'approve' })).body
          .status,
      ).toBe('approved');
    });

    it('sends a request back for changes and keeps approvals when the terms did not change', async () => {
      const created = await submit('requester', {
        ...internalDraft,
        environment: 'production',
      });
      await decide('owner.one', created.id, { decision: 'approve' }).expect(
        201,
      );
      const noComment = await decide('sec.one', created.id, {
        decision: 'request_changes',
      });
      expect(noComment.status).toBe(400);
      expect(noComment.body.error.message).toContain(
        "comment is required when the decision is 'request_changes'",
      );
      const sentBack = await decide('sec.one', created.id, {
        decision: 'request_changes',
        comment: 'Say how the key is rotated',
      });
      expect(sentBack.body.status).toBe('changes_requested');

      const { apiRef: _api, ...terms } = internalDraft;
      const resubmit = (by: string, body: object) =>
        request(server)
          .post(`/api/api-access/requests/${created.id}/resubmit`)
          .set('Authorization', as(by))
          .send(body);
      expect(
        (await resubmit('owner.one', { ...terms, environment: 'production' }))
          .status,
      ).toBe(403);
      const again = await resubmit('requester', {
        ...terms,
        environment: 'production',
        credentialStorage:
          'Vault kv/team-a-service, rotated every 30 days by a scheduled job',
        comment: 'Rotation spelled out',
      });
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('in_review');
      expect(again.body.reviewRound).toBe(2);
      expect(stepStatuses(again.body)).toEqual([
        'owner:approved',
        'security:pending',
      ]);
      // The reviewer who asked for changes decides again in the new round.
      expect(
        (await decide('sec.one', created.id, { decision: 'approve' })).body
          .status,
      ).toBe('approved');
    });

    it('starts the review over when the resubmitted terms change', async () => {
      const created = await submit('requester', {
        ...internalDraft,
        environment: 'production',
      });
      await decide('owner.one', created.id, { decision: 'approve' }).expect(
        201,
      );
      await decide('sec.one', created.id, {
        decision: 'request_changes',
        comment: 'Too broad',
      }).expect(201);
      const { apiRef: _api, ...terms } = internalDraft;
      const again = await request(server)
        .post(`/api/api-access/requests/${created.id}/resubmit`)
        .set('Authorization', as('requester'))
        .send({ ...terms, environment: 'production', scopes: ['pets:read'] });
      expect(again.status).toBe(200);
      expect(stepStatuses(again.body)).toEqual([
        'owner:pending',
        'security:waiting',
      ]);
      expect(again.body.approvedScopes).toEqual(['pets:read']);
      // A request that is back in review cannot be resubmitted again.
      const twice = await request(server)
        .post(`/api/api-access/requests/${created.id}/resubmit`)
        .set('Authorization', as('requester'))
        .send({ ...terms, environment: 'production', scopes: ['pets:read'] });
      expect(twice.status).toBe(409);
    });

    it('grants the narrowed terms a reviewer approved, never wider ones', async () => {
      const created = await submit('requester', internalDraft);
      const wider = await decide('owner.one', created.id, {
        decision: 'approve',
        scopes: ['pets:read', 'pets:admin'],
      });
      expect(wider.status).toBe(400);
      expect(wider.body.error.message).toContain(
        'scopes may only narrow the request: pets:admin is not among pets:read, pets:write',
      );
      const longer = await decide('owner.one', created.id, {
        decision: 'approve',
        durationDays: 90,
      });
      expect(longer.status).toBe(400);
      expect(longer.body.error.message).toContain('at most 60 days');

      const approved = await decide('owner.one', created.id, {
        decision: 'approve',
        scopes: ['pets:read'],
        durationDays: 7,
      });
      expect(approved.status).toBe(201);
      expect(approved.body).toMatchObject({
        status: 'approved',
        approvedScopes: ['pets:read'],
        approvedDurationDays: 7,
        scopes: ['pets:read', 'pets:write'],
      });
      const grants = await request(server)
        .get('/api/api-access/grants?apiRef=api:default/pets')
        .set('Authorization', as('requester'));
      const grant = grants.body.items.find(
        (g: any) => g.id === approved.body.grantId,
      );
      expect(grant.scopes).toEqual(['pets:read']);
      expect(
        (Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)) /
          86_400_000,
      ).toBe(7);
      expect(approved.body.decisions[0]).toMatchObject({
        narrowedScopes: ['pets:read'],
        narrowedDurationDays: 7,
      });
    });

    it('approves at once what an auto-approve rule matches, and audits the rule', async () => {
      const created = await submit('requester', {
        ...internalDraft,
        apiRef: 'api:default/weather',
        scopes: [],
      });
      expect(created.status).toBe('approved');
      expect(created.autoApproveRule).toBe('sandbox-public');
      expect(created.steps).toEqual([]);
      expect(created.grantId).toEqual(expect.any(String));
      const events = await history('requester', created.id);
      expect(events.map((e: any) => e.action)).toEqual([
        'request.submitted',
        'request.auto_approved',
        'grant.created',
      ]);
      expect(events[1]).toMatchObject({
        actorRef: 'policy',
        details: { rule: 'sandbox-public' },
      });
    });

    it('routes regulated data to security and compliance', async () => {
      const plan = await request(server)
        .post('/api/api-access/plans')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/patients',
          consumerRef: 'component:default/team-a-service',
          environment: 'development',
          scopes: [],
        });
      expect(plan.status).toBe(200);
      expect(plan.body.stages.map((s: any) => s.name)).toEqual([
        'owner',
        'security + compliance',
      ]);
      expect(plan.body.stages[1].steps[0].rules).toEqual(['regulated-data']);
    });

    it('turns 50 concurrent approvals of one step into exactly one transition and one audit event', async () => {
      const created = await submit('requester', internalDraft);
      const eventsBefore = Number(
        (await knex('api_access_audit_events').count({ n: '*' }))[0].n,
      );
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          decide(i % 2 ? 'owner.one' : 'owner.two', created.id, {
            decision: 'approve',
          }),
        ),
      );
      const statuses = responses.map(r => r.status);
      expect(statuses.filter(s => s === 201)).toHaveLength(1);
      expect(
        statuses.filter(s => s !== 201).every(s => s === 409 || s === 403),
      ).toBe(true);
      expect(
        await knex('api_access_decisions').where({ request_id: created.id }),
      ).toHaveLength(1);
      expect(
        await knex('api_access_grants').where({ request_id: created.id }),
      ).toHaveLength(1);
      const approvals = await knex('api_access_audit_events').where({
        request_id: created.id,
        action: 'request.approved',
      });
      expect(approvals).toHaveLength(1);
      // One approval: step.approval_recorded, request.approved, grant.created.
      const eventsAfter = Number(
        (await knex('api_access_audit_events').count({ n: '*' }))[0].n,
      );
      expect(eventsAfter - eventsBefore).toBe(3);
      const verify = await request(server)
        .get('/api/api-access/audit/verify')
        .set('Authorization', as('admin.one'));
      expect(verify.body).toMatchObject({ ok: true });
    });

    it('detects an edited audit row and names it', async () => {
      const created = await submit('requester', internalDraft);
      await decide('owner.one', created.id, {
        decision: 'reject',
        comment: 'No',
      }).expect(201);
      const ok = await request(server)
        .get('/api/api-access/audit/verify')
        .set('Authorization', as('admin.one'));
      expect(ok.body.ok).toBe(true);
      expect(ok.body.checked).toBeGreaterThan(2);

      const victim = await knex('api_access_audit_events')
        .where({ request_id: created.id, action: 'request.rejected' })
        .first();
      await knex('api_access_audit_events')
        .where({ id: victim.id })
        .update({ details: victim.details.replace('"No"', '"Yes, approved"') });
      const broken = await request(server)
        .get('/api/api-access/audit/verify')
        .set('Authorization', as('admin.one'));
      expect(broken.body).toMatchObject({
        ok: false,
        firstBroken: {
          seq: Number(victim.seq),
          id: victim.id,
          reason: 'its content does not match its hash',
        },
      });
      // Put it back so later tests see an intact chain.
      await knex('api_access_audit_events')
        .where({ id: victim.id })
        .update({ details: victim.details });
    });

    it('shows history only to those who may read the request', async () => {
      const created = await submit('requester', internalDraft);
      for (const [who, status] of [
        ['requester', 200],
        ['owner.one', 200],
        ['outsider', 403],
      ] as const) {
        const response = await request(server)
          .get(`/api/api-access/audit?subjectId=${created.id}`)
          .set('Authorization', as(who));
        expect([who, response.status]).toEqual([who, status]);
      }
      const missing = await request(server)
        .get('/api/api-access/audit')
        .set('Authorization', as('requester'));
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('subjectId is required');
    });
  },
);
