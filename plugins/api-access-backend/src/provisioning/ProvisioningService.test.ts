/*
 * The provisioning task queue with a fake clock, on both databases: retries
 * with backoff, failure made visible on the grant and in the history, a
 * revocation that fails and is later confirmed, and two replicas racing for
 * the same tasks without running any twice.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { parseReviewPolicy } from '@api-access/backstage-plugin-api-access-common';
import {
  ProvisioningError,
  type ApiAccessProvisioner,
  type ProvisioningTask,
} from '@api-access/backstage-plugin-api-access-node';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';
import { GrantStore } from '../grants/GrantStore';
import { LifecycleMarks } from '../lifecycle/LifecycleService';
import { AuditLog } from '../audit/AuditLog';
import { ProvisioningStore, TaskRow } from './ProvisioningStore';
import { ProvisioningService, summarizeTasks } from './ProvisioningService';

const databases = createTestDatabases();
const SECOND = 1000;

/** A provisioner whose next outcomes the test scripts. */
class ScriptedProvisioner implements ApiAccessProvisioner {
  readonly calls: ProvisioningTask[] = [];
  failures: Record<string, number> = {};
  delayMs = 0;
  constructor(readonly id: string, readonly credentialTypes?: string[]) {}

  private async run(task: ProvisioningTask) {
    this.calls.push(task);
    if (this.delayMs) await new Promise(r => setTimeout(r, this.delayMs));
    if ((this.failures[task.action] ?? 0) > 0) {
      this.failures[task.action] -= 1;
      throw new Error(`gateway answered 503 for ${task.action}`);
    }
    return { reference: `${this.id}-${task.grant.id}` };
  }
  provision = (task: ProvisioningTask) => this.run(task);
  rotate = (task: ProvisioningTask) => this.run(task);
  revoke = (task: ProvisioningTask) => this.run(task);
}

describe.each(databases.eachSupportedId())(
  'ProvisioningService on %p',
  databaseId => {
    let knex: any;
    let now: Date;
    const clock = { now: () => now };
    const policy = parseReviewPolicy({
      alertRecipients: ['group:default/platform'],
      provisioning: {
        maxAttempts: 3,
        initialBackoffSeconds: 10,
        maxBackoffSeconds: 15,
        timeoutSeconds: 1,
      },
    });
    let access: GrantStore;
    let audit: AuditLog;

    function replica(provisioners: ApiAccessProvisioner[], notified?: any[]) {
      return new ProvisioningService({
        tasks: new ProvisioningStore(knex),
        grants: access,
        audit,
        provisioners,
        config: policy,
        logger: mockServices.logger.mock(),
        notifier: {
          notify: async (to, n) => void notified?.push({ to, ...n }),
        },
        clock,
      });
    }

    async function enqueue(
      service: ProvisioningService,
      grantId: string,
      action: 'provision' | 'revoke',
    ) {
      return access.transaction(tx =>
        service.enqueue(
          tx,
          { id: grantId, credentialType: 'api-key' },
          action,
          {
            now,
            reason: action === 'revoke' ? 'contract ended' : undefined,
          },
        ),
      );
    }

    async function actions(grantId: string) {
      const events = await audit.list(`r-${grantId}`);
      return events
        .filter(e => e.subjectId === grantId)
        .map(
          e => `${e.action}${e.details.attempt ? `#${e.details.attempt}` : ''}`,
        );
    }

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@api-access/backstage-plugin-api-access-backend',
          'migrations',
        ),
        tableName: 'api_access_knex_migrations',
      });
      access = new GrantStore(knex, new LifecycleMarks(knex));
      audit = new AuditLog(knex);
    });

    // Each test starts with no task due from an earlier one.
    beforeEach(() =>
      knex('api_access_provisioning_tasks')
        .where({ status: 'pending' })
        .update({ status: 'cancelled' }),
    );

    async function newGrant() {
      return insertApprovedGrant(knex, {
        createdAt: now,
        expiresAt: new Date(now.getTime() + 86_400 * SECOND),
      });
    }

    it('provisions once per provisioner that applies, with the grant and no secret', async () => {
      now = new Date('2026-11-01T10:00:00Z');
      const gateway = new ScriptedProvisioner('gateway');
      const certsOnly = new ScriptedProvisioner('pki', ['mtls-certificate']);
      const service = replica([gateway, certsOnly]);
      const grantId = await newGrant();

      expect(await enqueue(service, grantId, 'provision')).toBe(1);
      // Enqueuing the same action again is a no-op.
      await enqueue(service, grantId, 'provision');
      expect(await service.runDue()).toBe(1);
      expect(await service.runDue()).toBe(0);

      expect(gateway.calls).toHaveLength(1);
      expect(certsOnly.calls).toHaveLength(0);
      const [task] = gateway.calls;
      expect(task).toMatchObject({
        action: 'provision',
        attempt: 1,
        grant: {
          id: grantId,
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/a',
          scopes: ['pets:read'],
          credentialType: 'api-key',
        },
      });
      expect(JSON.stringify(task)).not.toMatch(/secret|aak_/);
      const state = (await service.forGrants([grantId])).get(grantId)!;
      expect(state.state).toBe('done');
      expect(state.tasks[0]).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        reference: `gateway-${grantId}`,
      });
      expect(await actions(grantId)).toEqual(['provisioning.succeeded#1']);
    });

    it('retries with backoff, shows the error meanwhile, and gives up after the attempts', async () => {
      now = new Date('2026-11-01T11:00:00Z');
      const gateway = new ScriptedProvisioner('gateway');
      gateway.failures.provision = 5;
      const notified: any[] = [];
      const service = replica([gateway], notified);
      const grantId = await newGrant();
      await enqueue(service, grantId, 'provision');

      expect(await service.runDue()).toBe(1);
      let state = (await service.forGrants([grantId])).get(grantId)!;
      expect(state.state).toBe('retrying');
      expect(state.tasks[0].lastError).toBe(
        'Error: gateway answered 503 for provision',
      );
      expect(state.tasks[0].nextAttemptAt).toBe('2026-11-01T11:00:10.000Z');

      // Not due before the backoff has passed.
      now = new Date('2026-11-01T11:00:09Z');
      expect(await service.runDue()).toBe(0);
      now = new Date('2026-11-01T11:00:10Z');
      expect(await service.runDue()).toBe(1);
      state = (await service.forGrants([grantId])).get(grantId)!;
      // Doubled, then capped at maxBackoffSeconds (15).
      expect(state.tasks[0].nextAttemptAt).toBe('2026-11-01T11:00:25.000Z');

      now = new Date('2026-11-01T11:00:25Z');
      expect(await service.runDue()).toBe(1);
      state = (await service.forGrants([grantId])).get(grantId)!;
      expect(state.state).toBe('failed');
      expect(state.tasks[0]).toMatchObject({ status: 'failed', attempts: 3 });
      now = new Date('2026-11-01T12:00:00Z');
      expect(await service.runDue()).toBe(0);
      expect(gateway.calls).toHaveLength(3);
      expect(await actions(grantId)).toEqual([
        'provisioning.attempt_failed#1',
        'provisioning.attempt_failed#2',
        'provisioning.failed#3',
      ]);
      expect(notified).toHaveLength(1);
      expect(notified[0].to).toContain('group:default/platform');

      // A retry gives the task fresh attempts; this time the gateway answers.
      gateway.failures.provision = 0;
      await service.retry(grantId, 'user:default/admin');
      await service.idle();
      state = (await service.forGrants([grantId])).get(grantId)!;
      expect(state.state).toBe('done');
      expect((await actions(grantId)).slice(-2)).toEqual([
        'provisioning.retried',
        'provisioning.succeeded#1',
      ]);
      await expect(
        service.retry(grantId, 'user:default/admin'),
      ).rejects.toThrow('no failed provisioning tasks');
    });

    it('marks a revocation that keeps failing, then confirms it when a retry succeeds', async () => {
      now = new Date('2026-11-01T13:00:00Z');
      const gateway = new ScriptedProvisioner('gateway');
      gateway.failures.revoke = 3;
      const service = replica([gateway]);
      const grantId = await newGrant();
      await access.transaction(tx =>
        access.revokeGrant(tx, grantId, {
          now,
          by: 'user:default/requester',
          reason: 'contract ended',
        }),
      );
      await enqueue(service, grantId, 'revoke');
      for (const at of ['13:00:00', '13:00:10', '13:00:25']) {
        now = new Date(`2026-11-01T${at}Z`);
        expect(await service.runDue()).toBe(1);
      }
      expect((await access.getGrant(knex, grantId))!.status).toBe(
        'revocation_failed',
      );
      expect(gateway.calls.map(c => c.reason)).toEqual([
        'contract ended',
        'contract ended',
        'contract ended',
      ]);
      await service.retry(grantId, 'user:default/admin');
      await service.idle();
      expect((await access.getGrant(knex, grantId))!.status).toBe('revoked');
      expect(await actions(grantId)).toEqual([
        'provisioning.attempt_failed#1',
        'provisioning.attempt_failed#2',
        'provisioning.failed#3',
        'grant.revocation_failed#3',
        'provisioning.retried',
        'provisioning.succeeded#1',
        'grant.revocation_confirmed#1',
      ]);
      expect((await audit.verify()).ok).toBe(true);
    });

    it('cancels provisioning that has not started when the grant is revoked', async () => {
      now = new Date('2026-11-01T14:00:00Z');
      const gateway = new ScriptedProvisioner('gateway');
      const service = replica([gateway]);
      const grantId = await newGrant();
      await enqueue(service, grantId, 'provision');
      await enqueue(service, grantId, 'revoke');
      expect(await service.runDue()).toBe(1);
      expect(gateway.calls.map(c => c.action)).toEqual(['revoke']);
      const state = (await service.forGrants([grantId])).get(grantId)!;
      expect(state.tasks.map(t => `${t.action}:${t.status}`).sort()).toEqual([
        'provision:cancelled',
        'revoke:succeeded',
      ]);
    });

    it('fails an attempt that outlives the timeout', async () => {
      now = new Date('2026-11-01T15:00:00Z');
      const gateway = new ScriptedProvisioner('gateway');
      gateway.delayMs = 1500;
      const service = replica([gateway]);
      const grantId = await newGrant();
      await enqueue(service, grantId, 'provision');
      await service.runDue();
      const state = (await service.forGrants([grantId])).get(grantId)!;
      expect(state.tasks[0].lastError).toBe(
        "Error: provisioner 'gateway' took longer than 1 s",
      );
    });

    it('lets two replicas racing over the same tasks run each exactly once', async () => {
      now = new Date('2026-11-01T16:00:00Z');
      const left = new ScriptedProvisioner('gateway');
      const right = new ScriptedProvisioner('gateway');
      left.delayMs = right.delayMs = 20;
      const a = replica([left]);
      const b = replica([right]);
      const grants = [];
      for (let i = 0; i < 6; i++) {
        const grantId = await newGrant();
        grants.push(grantId);
        await enqueue(a, grantId, 'provision');
      }
      const [ranA, ranB] = await Promise.all([a.runDue(), b.runDue()]);
      expect(ranA + ranB).toBe(6);
      const called = [...left.calls, ...right.calls].map(c => c.grant.id);
      expect(called.sort()).toEqual([...grants].sort());
      const states = await a.forGrants(grants);
      for (const grantId of grants) {
        expect(states.get(grantId)!.tasks[0]).toMatchObject({
          status: 'succeeded',
          attempts: 1,
        });
      }
    });

    it('refuses two provisioners with one id', () => {
      expect(() =>
        replica([
          new ScriptedProvisioner('gateway'),
          new ScriptedProvisioner('gateway'),
        ]),
      ).toThrow("Two api-access provisioners have the id 'gateway'");
    });

    it('retires a superseded credential at the end of its overlap, only at provisioners that can', async () => {
      now = new Date('2026-11-05T10:00:00Z');
      const retired: ProvisioningTask[] = [];
      const idp: ApiAccessProvisioner = {
        id: 'idp',
        credentialTypes: ['test-client'],
        provision: async () => undefined,
        revoke: async () => undefined,
        retire: async task => {
          retired.push(task);
          return { reference: 'deleted' };
        },
      };
      const gateway = new ScriptedProvisioner('gateway');
      const service = replica([idp, gateway]);
      const grantId = await insertApprovedGrant(knex, {
        createdAt: now,
        expiresAt: new Date(now.getTime() + 86_400 * SECOND),
        credentialType: 'test-client',
      });
      await knex('api_access_credentials').insert({
        id: 'old-cred',
        grant_id: grantId,
        credential_type: 'test-client',
        prefix: 'client-0f4d2c8e-5a1b-4b7e-9d3c-2e6f8a9b0c1d',
        secret_hash: 'a'.repeat(64),
        status: 'superseded',
        terms_version: '1',
        issued_to: 'user:default/requester',
        created_at: now,
        valid_until: new Date(now.getTime() + 3600 * SECOND),
      });
      const overlapEnds = new Date(now.getTime() + 3600 * SECOND);
      const queued = await access.transaction(tx =>
        service.enqueue(
          tx,
          { id: grantId, credentialType: 'test-client' },
          'retire',
          { credentialId: 'old-cred', now, notBefore: overlapEnds },
        ),
      );
      // The gateway has no retire(): no task for it.
      expect(queued).toBe(1);

      expect(await service.runDue()).toBe(0);
      now = new Date(overlapEnds.getTime() - SECOND);
      expect(await service.runDue()).toBe(0);
      now = overlapEnds;
      expect(await service.runDue()).toBe(1);
      expect(retired).toHaveLength(1);
      expect(retired[0]).toMatchObject({
        action: 'retire',
        credential: {
          id: 'old-cred',
          type: 'test-client',
          prefix: 'client-0f4d2c8e-5a1b-4b7e-9d3c-2e6f8a9b0c1d',
        },
      });
      expect(gateway.calls).toEqual([]);
      expect(await service.stateFor(grantId, 'idp', 'retire')).toEqual({
        state: 'done',
        attempts: 1,
      });
    });

    it("waits at least a ProvisioningError's Retry-After before the next attempt, and says why", async () => {
      now = new Date('2026-11-06T10:00:00Z');
      let calls = 0;
      const idp: ApiAccessProvisioner = {
        id: 'idp',
        provision: async () => {
          calls += 1;
          if (calls === 1) {
            throw new ProvisioningError('the identity provider answered 429', {
              retryAfterSeconds: 120,
            });
          }
          if (calls === 2) {
            // Shorter than the backoff: the backoff wins.
            throw new ProvisioningError('429 again', { retryAfterSeconds: 1 });
          }
        },
        revoke: async () => undefined,
      };
      const service = replica([idp]);
      const grantId = await newGrant();
      expect(await service.stateFor(grantId, 'idp')).toEqual({ state: 'none' });
      await enqueue(service, grantId, 'provision');
      expect(await service.stateFor(grantId, 'idp')).toMatchObject({
        state: 'pending',
      });

      expect(await service.runDue()).toBe(1);
      expect(await service.stateFor(grantId, 'idp')).toEqual({
        state: 'retrying',
        attempts: 1,
        lastError: 'ProvisioningError: the identity provider answered 429',
      });
      // The backoff alone would be 10 s; the provider asked for 120.
      now = new Date(now.getTime() + 119 * SECOND);
      expect(await service.runDue()).toBe(0);
      now = new Date(now.getTime() + SECOND);
      expect(await service.runDue()).toBe(1);
      expect(calls).toBe(2);
      // Second failure: backoff 15 s (the max) beats Retry-After: 1.
      now = new Date(now.getTime() + 14 * SECOND);
      expect(await service.runDue()).toBe(0);
      now = new Date(now.getTime() + SECOND);
      expect(await service.runDue()).toBe(1);
      expect(calls).toBe(3);
      expect(await service.stateFor(grantId, 'idp')).toEqual({
        state: 'done',
        attempts: 3,
      });
    });
  },
);

describe('summarizeTasks', () => {
  const row = (over: Partial<TaskRow>): TaskRow => ({
    id: 't1',
    task_key: 'k1',
    grant_id: 'g1',
    provisioner_id: 'p1',
    action: 'provision',
    credential_id: null,
    reason: null,
    status: 'pending',
    attempts: 0,
    next_attempt_at: new Date('2026-12-03T08:00:00Z'),
    lease_until: null,
    lease_owner: null,
    last_error: null,
    reference: null,
    created_at: new Date('2026-12-03T08:00:00Z'),
    completed_at: null,
    ...over,
  });

  it('calls a first attempt in flight pending, and retrying only once an attempt failed', () => {
    expect(summarizeTasks([row({})])?.state).toBe('pending');
    // Claimed: the attempt is counted before the call answers.
    expect(summarizeTasks([row({ attempts: 1 })])?.state).toBe('pending');
    expect(
      summarizeTasks([
        row({ attempts: 1, last_error: 'the provider answered 503' }),
      ])?.state,
    ).toBe('retrying');
    expect(
      summarizeTasks([row({ attempts: 1, status: 'succeeded' })])?.state,
    ).toBe('done');
    expect(
      summarizeTasks([row({ attempts: 5, status: 'failed', last_error: 'x' })])
        ?.state,
    ).toBe('failed');
  });
});
