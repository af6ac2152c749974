/*
 * The request assistant over HTTP, on SQLite and PostgreSQL: the live draft
 * route, blockers on submission, findings stored per round for reviewers,
 * the risk score in routing rules, and module assessors that only advise.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  ApiAccessAssessor,
  apiAccessAssessorsExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import { createRecorders } from '../__testUtils__/recorders';

const databases = createTestDatabases();

const REQUESTER = 'user:default/requester';
const OWNER = 'user:default/owner.one';
const PARTNER = 'user:default/partner.person';
const as = (userRef: string) => mockCredentials.user.header(userRef);

const draft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['pets:read'],
  useCase: 'Show pet names on the team-a dashboard.',
  justification: 'Requested by product for the spring release.',
  credentialStorage:
    'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
  durationDays: 30,
};

/** Assembled at run time so no scanner mistakes this file for a leak. */
const SECRET = ['gh', 'p_', 'Zq9Xw2Lm7Rt4'.repeat(3)].join('');

/** Module assessors that misbehave in every way the backend must survive. */
const hostileAssessors: ApiAccessAssessor[] = [
  {
    id: 'slow',
    async assess({ signal }) {
      await new Promise(resolve => {
        const timer = setTimeout(resolve, 5_000);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      return [
        {
          id: 'slow.late',
          severity: 'warning',
          field: 'request',
          message: 'Too late.',
        },
      ];
    },
  },
  {
    id: 'broken',
    async assess() {
      throw new Error('upstream said 500');
    },
  },
  {
    id: 'odd',
    async assess() {
      return { approve: true } as any;
    },
  },
  {
    id: 'bossy',
    async assess({ request: draftSeen }) {
      return [
        {
          id: 'APPROVE this request!!',
          severity: 'blocker',
          field: 'nonsense' as any,
          message: `Approve this request. ${'x'.repeat(900)}`,
          // Widening: must be dropped.
          suggestion: {
            field: 'scopes',
            value: [...draftSeen.scopes, 'pets:write'],
            label: 'Add pets:write',
          },
        },
        {
          id: 'bossy.narrow',
          severity: 'info',
          field: 'durationDays',
          message: 'Ten days is enough.',
          suggestion: {
            field: 'durationDays',
            value: 10,
            label: 'Ask for 10 days',
          },
        },
        { severity: 'urgent', message: 'not a finding' } as any,
        { action: 'approve', requestStatus: 'approved' } as any,
      ];
    },
  },
];

describe.each(databases.eachSupportedId())(
  'request assistant on %p',
  databaseId => {
    let server: any;
    let knex: any;
    let stop: () => Promise<void>;
    const { recorded, features } = createRecorders();
    const modulesSeen: any[] = [];

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: {
            assessment: { moduleTimeoutSeconds: 0.3 },
            routing: [
              {
                name: 'high-risk',
                when: { minRiskScore: 40 },
                addSteps: ['security'],
              },
            ],
          },
        },
        extraFeatures: [
          ...features,
          createBackendModule({
            pluginId: 'api-access',
            moduleId: 'test-assessors',
            register(env) {
              env.registerInit({
                deps: { assessors: apiAccessAssessorsExtensionPoint },
                async init({ assessors }) {
                  assessors.addAssessor(...hostileAssessors, {
                    id: 'spy',
                    async assess(input) {
                      modulesSeen.push(input);
                      return [];
                    },
                  });
                },
              });
            },
          }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    const assess = (body: object, query = '') =>
      request(server)
        .post(`/api/api-access/assessments${query}`)
        .set('Authorization', as(REQUESTER))
        .send(body);

    /** Everything api-access wrote, as text. */
    async function everythingStored(): Promise<string> {
      const tables = [
        'api_access_requests',
        'api_access_review_steps',
        'api_access_decisions',
        'api_access_grants',
        'api_access_audit_events',
        'api_access_assessments',
      ];
      const rows = await Promise.all(tables.map(t => knex(t).select()));
      return JSON.stringify(rows);
    }

    describe('POST /assessments', () => {
      it('answers a good draft with no findings and a risk score', async () => {
        const response = await assess(draft);
        expect(response.status).toBe(200);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.body.findings).toEqual([]);
        expect(response.body.risk).toEqual({
          score: 10,
          reasons: [
            { factor: 'classification', points: 10, detail: 'internal data' },
            { factor: 'environment', points: 0, detail: 'sandbox: isolated' },
            { factor: 'scopes', points: 0, detail: 'read only' },
            { factor: 'external', points: 0, detail: 'an internal component' },
            { factor: 'duration', points: 0, detail: '30 days' },
          ],
        });
      });

      it('reports what a half-filled form lacks instead of a 400', async () => {
        const response = await assess({
          apiRef: 'api:default/pets',
          useCase: 'Show pets',
          consumerRef: '',
        });
        expect(response.status).toBe(200);
        expect(
          response.body.findings.map((f: any) => `${f.id}@${f.field}`),
        ).toEqual([
          'completeness.missing-field@consumerRef',
          'completeness.missing-field@environment',
          'completeness.missing-field@scopes',
          'completeness.missing-field@justification',
          'completeness.missing-field@credentialStorage',
          'completeness.missing-field@durationDays',
          'completeness.use-case-too-short@useCase',
        ]);
      });

      it('suggests a narrower fix the form can apply in one click', async () => {
        const response = await assess({
          ...draft,
          scopes: ['pets:read', 'pets:write'],
        });
        expect(response.body.findings).toEqual([
          {
            id: 'least-privilege.write-scope-for-read-use',
            severity: 'warning',
            field: 'scopes',
            assessor: 'least-privilege',
            message: expect.stringContaining('The use case only reads'),
            suggestion: {
              field: 'scopes',
              value: ['pets:read'],
              label: 'Request only pets:read',
            },
          },
        ]);
      });

      it('flags a consumer the requester does not own, without peeking at its access', async () => {
        const response = await assess({
          ...draft,
          consumerRef: 'component:default/team-c-service',
        });
        expect(response.body.findings).toEqual([
          expect.objectContaining({
            id: 'api.consumer-not-owned',
            severity: 'blocker',
            field: 'consumerRef',
            message: expect.stringContaining('owned by group:default/team-c'),
          }),
        ]);
      });

      it('flags an experimental API nobody but a user owns, and an unknown consumer', async () => {
        const response = await assess({
          ...draft,
          apiRef: 'api:default/plain',
          scopes: [],
          consumerRef: 'component:default/nope',
          environment: 'production',
        });
        expect(response.body.findings.map((f: any) => f.id)).toEqual([
          'api.consumer-not-found',
          'api.experimental',
        ]);
      });

      it('blocks a pasted secret without repeating it', async () => {
        const response = await assess({
          ...draft,
          credentialStorage: `Vault, rotated monthly. Token: ${SECRET}`,
        });
        expect(response.status).toBe(200);
        expect(response.body.findings).toEqual([
          expect.objectContaining({
            id: 'secrets.detected',
            severity: 'blocker',
            field: 'credentialStorage',
          }),
        ]);
        expect(JSON.stringify(response.body)).not.toContain(SECRET);
      });

      it('answers 404 for an unknown API and 400 without one', async () => {
        expect((await assess({ apiRef: 'api:default/nope' })).status).toBe(404);
        expect((await assess({})).status).toBe(400);
      });

      it('runs module assessors only when asked, and keeps only what advises', async () => {
        modulesSeen.length = 0;
        expect((await assess(draft)).body.findings).toEqual([]);
        expect(modulesSeen).toHaveLength(0);

        const response = await assess(draft, '?modules=true');
        expect(response.status).toBe(200);
        expect(response.body.findings).toEqual([
          {
            id: 'bossy.approve-this-request',
            severity: 'warning',
            field: 'request',
            assessor: 'bossy',
            message: expect.stringMatching(/^Approve this request\. x+…$/),
          },
          {
            id: 'bossy.narrow',
            severity: 'info',
            field: 'durationDays',
            assessor: 'bossy',
            message: 'Ten days is enough.',
            suggestion: {
              field: 'durationDays',
              value: 10,
              label: 'Ask for 10 days',
            },
          },
        ]);
        expect(response.body.findings[0].message).toHaveLength(500);
        expect(modulesSeen).toHaveLength(1);
        expect(modulesSeen[0]).toMatchObject({
          phase: 'draft',
          request: { useCase: draft.useCase },
          api: {
            ref: 'api:default/pets',
            name: 'pets',
            classification: { level: 'internal' },
            lifecycle: 'production',
            ownerRef: 'group:default/team-c',
          },
          consumerKind: 'internal',
          builtInFindings: [],
        });
        expect(recorded.warnings).toEqual(
          expect.arrayContaining([
            'api-access assessor slow did not answer within 0.3s; its findings are left out',
            'api-access assessor broken failed; its findings are left out: upstream said 500',
            'api-access assessor odd returned something other than a list of findings; ignored',
            'api-access assessor bossy: kept 2 of 4 findings (invalid ones and those over 20 are dropped)',
          ]),
        );
      });

      it('never hands a draft with a secret to module assessors', async () => {
        modulesSeen.length = 0;
        await assess({ ...draft, useCase: `Use ${SECRET}` }, '?modules=true');
        expect(modulesSeen).toHaveLength(0);
      });
    });

    describe('on submission', () => {
      it('refuses a pasted secret with 400, writes nothing, and neither logs nor audits it', async () => {
        const before = await everythingStored();
        const response = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send({
            ...draft,
            justification: `Spring release; old key ${SECRET} for reference.`,
          });
        expect(response.status).toBe(400);
        expect(response.body.error.message).toContain(
          'justification: The business justification contains what looks like a GitHub token',
        );
        expect(response.body.findings).toEqual([
          expect.objectContaining({
            id: 'secrets.detected',
            field: 'justification',
          }),
        ]);
        expect(JSON.stringify(response.body)).not.toContain(SECRET);
        expect(await everythingStored()).toEqual(before);
        expect(recorded.lines.join('\n')).not.toContain(SECRET);
        expect(recorded.lines.join('\n')).toContain('audit fail');
      });

      it('refuses a secret in an unknown scope before the scope check can echo it', async () => {
        const response = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send({ ...draft, scopes: ['pets:read', SECRET] });
        expect(response.status).toBe(400);
        expect(JSON.stringify(response.body)).not.toContain(SECRET);
        expect(recorded.lines.join('\n')).not.toContain(SECRET);
      });

      it('stores the findings and risk with the request, for reviewers; modules only advise', async () => {
        const created = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send({ ...draft, justification: 'need access' });
        expect(created.status).toBe(201);
        // The hostile module's "approve" changed nothing.
        expect(created.body.status).toBe('in_review');
        expect(created.body.steps.map((s: any) => s.name)).toEqual(['owner']);

        const read = await request(server)
          .get(`/api/api-access/requests/${created.body.id}`)
          .set('Authorization', as(OWNER));
        expect(read.status).toBe(200);
        expect(read.body.status).toBe('in_review');
        expect(read.body.assessment).toEqual({
          round: 1,
          assessedAt: expect.any(String),
          risk: expect.objectContaining({ score: 10 }),
          findings: [
            expect.objectContaining({ id: 'completeness.justification-vague' }),
            expect.objectContaining({
              id: 'bossy.approve-this-request',
              severity: 'warning',
            }),
            expect.objectContaining({ id: 'bossy.narrow', severity: 'info' }),
          ],
        });

        const history = await request(server)
          .get(`/api/api-access/audit?subjectId=${created.body.id}`)
          .set('Authorization', as(REQUESTER));
        expect(history.body.items[0].details).toMatchObject({
          riskScore: 10,
          findings: [
            'completeness.justification-vague',
            'bossy.approve-this-request',
            'bossy.narrow',
          ],
        });
      });

      it('flags the duplicate on a second request, and not the request itself on resubmission', async () => {
        const body = { ...draft, environment: 'production' };
        const first = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send(body);
        expect(first.status).toBe(201);
        expect(
          first.body.assessment.findings.map((f: any) => f.id),
        ).not.toContain('duplicates.open-request');
        const second = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send(body);
        expect(second.status).toBe(201);
        expect(second.body.assessment.findings).toContainEqual(
          expect.objectContaining({
            id: 'duplicates.open-request',
            message: expect.stringContaining(`id ${first.body.id}`),
          }),
        );

        // Send the second back and resubmit it: a new round, a new assessment.
        await request(server)
          .post(`/api/api-access/requests/${second.body.id}/withdraw`)
          .set('Authorization', as(REQUESTER))
          .expect(200);
        const sentBack = await request(server)
          .post(`/api/api-access/requests/${first.body.id}/decisions`)
          .set('Authorization', as(OWNER))
          .send({
            decision: 'request_changes',
            comment: 'Say which dashboard.',
          });
        expect(sentBack.status).toBe(201);

        const withSecret = await request(server)
          .post(`/api/api-access/requests/${first.body.id}/resubmit`)
          .set('Authorization', as(REQUESTER))
          .send({ ...body, apiRef: undefined, comment: `key ${SECRET}` });
        expect(withSecret.status).toBe(400);
        expect(withSecret.body.findings[0]).toMatchObject({ field: 'comment' });
        expect(JSON.stringify(withSecret.body)).not.toContain(SECRET);

        const resubmitted = await request(server)
          .post(`/api/api-access/requests/${first.body.id}/resubmit`)
          .set('Authorization', as(REQUESTER))
          .send({
            ...body,
            apiRef: undefined,
            useCase: 'Show pet names on the team-a sales dashboard.',
            comment: 'The sales dashboard.',
          });
        expect(resubmitted.status).toBe(200);
        expect(resubmitted.body.assessment.round).toBe(2);
        expect(
          resubmitted.body.assessment.findings.map((f: any) => f.id),
        ).not.toContain('duplicates.open-request');
        expect(await everythingStored()).not.toContain(SECRET);
      });
    });

    describe('risk score in routing rules', () => {
      it.each([
        ['read in production', ['pets:read'], 35, ['owner']],
        [
          'write in production',
          ['pets:read', 'pets:write'],
          50,
          ['owner', 'security'],
        ],
      ])('%s scores %p', async (_name, scopes, score, stages) => {
        const body = { ...draft, environment: 'production', scopes };
        const plan = await request(server)
          .post('/api/api-access/plans')
          .set('Authorization', as(REQUESTER))
          .send({ ...body, useCase: undefined });
        expect(plan.body.stages.map((s: any) => s.name)).toEqual(stages);

        const created = await request(server)
          .post('/api/api-access/requests')
          .set('Authorization', as(REQUESTER))
          .send({
            ...body,
            useCase:
              'Show pets and update their adoption status from the shop.',
          });
        expect(created.status).toBe(201);
        expect(created.body.assessment.risk.score).toBe(score);
        expect(
          Array.from(new Set(created.body.steps.map((s: any) => s.stageName))),
        ).toEqual(stages);
      });

      it('counts an external consumer', async () => {
        const response = await request(server)
          .post('/api/api-access/assessments')
          .set('Authorization', as(PARTNER))
          .send({ ...draft, consumerRef: 'group:default/northwind' });
        expect(response.body.risk.reasons).toContainEqual(
          expect.objectContaining({ factor: 'external', points: 15 }),
        );
      });
    });
  },
);
