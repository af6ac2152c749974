/*
 * The module inside a real scaffolder backend, beside the real catalog and
 * api-access backends: the action is listed with its schema and examples
 * (what /create/actions shows), a template run requests access as the user
 * who started the task, and the scaffolder's dry run writes nothing.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import catalogModuleTemplateKind from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import request from 'supertest';
import yaml from 'yaml';
import { readFileSync } from 'node:fs';
import scaffolderModuleApiAccess from './index';
import {
  CONSUMER,
  REQUESTER,
  STRANGER,
  TEMPLATE,
  apiAccessRowCounts,
  createTestDatabases,
  startApiAccessBackend,
  useSingleRealmFetch,
} from './__testUtils__/apiAccessBackend';

const databases = createTestDatabases();
useSingleRealmFetch();
const as = (userRef: string) => mockCredentials.user.header(userRef);

describe.each(databases.eachSupportedId())(
  'scaffolder module api-access on %p',
  id => {
    let backend: Awaited<ReturnType<typeof startApiAccessBackend>>;
    let knex: Awaited<ReturnType<typeof databases.init>>;

    beforeAll(async () => {
      knex = await databases.init(id);
      backend = await startApiAccessBackend({
        knex,
        scaffolderKnex: await databases.init(id),
        catalogFiles: [TEMPLATE],
        extraFeatures: [
          scaffolderPlugin,
          catalogModuleTemplateKind,
          scaffolderModuleApiAccess,
        ],
      });
    }, 60_000);

    afterAll(async () => {
      await backend?.stop();
      // The scaffolder's task-event polling (1 s sleeps) and the catalog's
      // orphan clean-up finish their last query after stop(); let them, before
      // the test databases are dropped, or PostgreSQL's pool refuses them.
      await new Promise(resolve => setTimeout(resolve, 2000));
    });

    const logOf = (events: any[]) =>
      events.map((e: any) => e.body?.message ?? '').join('\n');

    /** Starts the fixture template as a user and waits for the task to end. */
    async function runTemplate(userRef: string, consumerRef: string) {
      const started = await request(backend.server)
        .post('/api/scaffolder/v2/tasks')
        .set('Authorization', as(userRef))
        .send({
          templateRef: 'template:default/request-pets',
          values: { consumerRef },
        });
      expect(started.status).toBe(201);
      const taskId = started.body.id;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const task = await request(backend.server)
          .get(`/api/scaffolder/v2/tasks/${taskId}`)
          .set('Authorization', as(userRef));
        if (['completed', 'failed', 'cancelled'].includes(task.body.status)) {
          const events = await request(backend.server)
            .get(`/api/scaffolder/v2/tasks/${taskId}/events`)
            .set('Authorization', as(userRef));
          return { task: task.body, events: events.body as any[] };
        }
        if (Date.now() > deadline) throw new Error(`task ${taskId} hangs`);
        await new Promise(r => setTimeout(r, 100));
      }
    }

    it('lists the action with its schema and examples', async () => {
      const response = await request(backend.server)
        .get('/api/scaffolder/v2/actions')
        .set('Authorization', as(REQUESTER));
      expect(response.status).toBe(200);
      const action = response.body.find(
        (a: any) => a.id === 'api-access:request',
      );
      expect(action.description).toMatch(/as the user who runs the template/);
      expect(action.schema.input.required).toEqual([
        'apiRef',
        'consumerRef',
        'environment',
        'useCase',
        'justification',
        'credentialStorage',
        'durationDays',
      ]);
      expect(Object.keys(action.schema.input.properties)).toEqual([
        'apiRef',
        'consumerRef',
        'environment',
        'scopes',
        'credentialType',
        'useCase',
        'justification',
        'credentialStorage',
        'durationDays',
      ]);
      expect(action.schema.input.properties.credentialType).toMatchObject({
        type: 'string',
        pattern: '^[a-z][a-z0-9-]{1,31}$',
      });
      expect(Object.keys(action.schema.output.properties)).toEqual(
        expect.arrayContaining(['requestId', 'status', 'link', 'plan']),
      );
      expect(action.examples).toHaveLength(3);
      // Every example is YAML a template author can paste.
      for (const example of action.examples) {
        expect(() => yaml.parse(example.example)).not.toThrow();
      }
    });

    it('a template run requests access as the user who started it', async () => {
      const { task, events } = await runTemplate(REQUESTER, CONSUMER);
      // The task's log in the failure message, when it did not complete.
      expect({ status: task.status, log: logOf(events) }).toMatchObject({
        status: 'completed',
      });
      const completion = events.find((e: any) => e.type === 'completion');
      const link: string = completion.body.output.links[0].url;
      expect(link).toMatch(/^\/api-access\/requests\/[0-9a-f-]{36}$/);

      const requestId = link.split('/').pop();
      const read = await request(backend.server)
        .get(`/api/api-access/requests/${requestId}`)
        .set('Authorization', as(REQUESTER));
      expect(read.body).toMatchObject({
        requesterRef: REQUESTER,
        consumerRef: CONSUMER,
        status: 'in_review',
      });
    });

    it('a run by a user who does not own the consumer fails with the reason', async () => {
      const before = await apiAccessRowCounts(knex);
      const { task, events } = await runTemplate(STRANGER, CONSUMER);
      expect(task.status).toBe('failed');
      expect(logOf(events)).toContain(
        'you can only request access for components your groups own',
      );
      expect(await apiAccessRowCounts(knex)).toEqual(before);
    });

    it("the scaffolder's dry run previews the plan and writes nothing", async () => {
      const before = await apiAccessRowCounts(knex);
      const template = yaml.parse(readFileSync(TEMPLATE, 'utf8'));
      const response = await request(backend.server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', as(REQUESTER))
        .send({
          template,
          values: { consumerRef: CONSUMER },
          directoryContents: [],
        });
      expect({ status: response.status, body: response.body }).toMatchObject({
        status: 200,
      });
      const step = response.body.steps?.find((s: any) => s.id === 'request');
      expect(step).toBeDefined();
      const log = response.body.log
        .map((e: any) => e.body?.message ?? '')
        .join('\n');
      expect(log).toMatch(
        /Dry run: user:default\/requester could request production access to api:default\/pets .*No request was created/,
      );
      expect(await apiAccessRowCounts(knex)).toEqual(before);
    });
  },
);
