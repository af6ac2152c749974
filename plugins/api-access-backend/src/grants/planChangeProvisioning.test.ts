/*
 * A plan change reaches the provisioners, on SQLite and PostgreSQL: a
 * downgrade that drops a scope queues a `provision` task (an upsert, as
 * after a renewal), run right after the change, and the provisioner sees
 * the grant's narrowed scopes. Without it, an identity provider's client
 * would keep a scope the grant no longer has.
 */
import {
  createBackendModule,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  ProvisioningTask,
  apiAccessProvisionersExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import request from 'supertest';
import {
  FIXTURE_CATALOG,
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import { as, client, sandboxDraft } from '../__testUtils__/securityPersonas';
import { planColumns } from './GrantStore';

const databases = createTestDatabases();
const METERED = 'api:default/metered';
const PLANS_CATALOG = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
  'src/__fixtures__/plans-catalog.yaml',
);
const STARTER = {
  name: 'starter',
  title: 'Starter',
  rateLimit: { requests: 2, perSeconds: 1 },
  quota: { requests: 3, period: 'day' as const },
};
const STANDARD = {
  name: 'standard',
  title: 'Standard',
  rateLimit: { requests: 20, perSeconds: 1 },
  quota: { requests: 100000, period: 'month' as const },
};

describe.each(databases.eachSupportedId())(
  'plan changes and provisioners on %p',
  databaseId => {
    let knex: Knex;
    let server: any;
    let stop: () => Promise<void>;
    const calls: ProvisioningTask[] = [];

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        catalogFiles: [FIXTURE_CATALOG, PLANS_CATALOG],
        config: {
          apiAccess: {
            accessReviews: { enabled: false },
            plans: [
              {
                ...STARTER,
                scopes: 'read',
                maxDurationDays: 365,
                approval: 'policy',
              },
              {
                ...STANDARD,
                scopes: 'all',
                maxDurationDays: 365,
                approval: 'owner',
              },
            ],
          },
        },
        extraFeatures: [
          createBackendModule({
            pluginId: 'api-access',
            moduleId: 'recording-provisioner',
            register(env) {
              env.registerInit({
                deps: { provisioners: apiAccessProvisionersExtensionPoint },
                async init({ provisioners }) {
                  provisioners.addProvisioner({
                    id: 'recording',
                    provision: async task => void calls.push(task),
                    revoke: async task => void calls.push(task),
                  });
                },
              });
            },
          }),
        ],
        waitFor: [
          METERED,
          'api:default/pets',
          'component:default/team-a-service',
          'user:default/owner.one',
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 120_000);

    afterAll(async () => {
      await stop?.();
    });

    async function tasksOf(grantId: string) {
      return knex('api_access_provisioning_tasks')
        .where({ grant_id: grantId, provisioner_id: 'recording' })
        .orderBy('created_at')
        .select('action', 'reason', 'status');
    }

    async function until<T>(read: () => Promise<T>, done: (v: T) => boolean) {
      for (let i = 0; i < 100; i += 1) {
        const value = await read();
        if (done(value)) return value;
        await new Promise(r => setTimeout(r, 50));
      }
      return read();
    }

    it('queues a provision task with the narrowed scopes when a downgrade drops one', async () => {
      const { grantId } = await client(server).approvedGrant({
        ...sandboxDraft,
        apiRef: METERED,
        scopes: ['metered:read', 'metered:write'],
      });
      await knex('api_access_grants')
        .where({ id: grantId })
        .update(planColumns(STANDARD));
      await until(
        () => tasksOf(grantId),
        tasks => tasks.some(t => t.status === 'succeeded'),
      );

      const down = await request(server)
        .post(`/api/api-access/grants/${grantId}/plan`)
        .set('Authorization', as('owner.one'))
        .send({ plan: 'starter', comment: 'Too many writes' });
      expect(down.status).toBe(200);
      expect(down.body.scopes).toEqual(['metered:read']);

      const tasks = await until(
        () => tasksOf(grantId),
        rows => rows.filter(t => t.status === 'succeeded').length === 2,
      );
      expect(tasks).toEqual([
        { action: 'provision', reason: null, status: 'succeeded' },
        { action: 'provision', reason: 'plan-changed', status: 'succeeded' },
      ]);
      const last = calls.filter(c => c.grant.id === grantId).pop()!;
      expect(last.action).toBe('provision');
      expect(last.grant.scopes).toEqual(['metered:read']);
      expect(last.reason).toBe('plan-changed');
    });
  },
);
