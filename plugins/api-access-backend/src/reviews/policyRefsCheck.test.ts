/*
 * The start-up warning for reviewer, escalation and alert groups that the
 * catalog does not have, in a real backend with the real catalog. The check
 * is a scheduled task (30 s after start); the tests trigger it by hand.
 * SQLite only: nothing here depends on the database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import {
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { startApiAccessBackend } from '../__testUtils__/testBackend';
import { createRecorders } from '../__testUtils__/recorders';
import { POLICY_REFS_CHECK_TASK } from './policyRefsCheck';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * The test backend's mock scheduler with a handle on it: its tasks run only
 * when a test triggers them. (Its `factory` is not in the declared type.)
 */
function manualScheduler() {
  const scheduler = mockServices.scheduler() as SchedulerService & {
    factory(options: { skipTaskRunOnStartup: boolean }): ServiceFactory;
  };
  return {
    scheduler,
    feature: scheduler.factory({ skipTaskRunOnStartup: true }),
  };
}

const policyWarnings = (warnings: string[]) =>
  warnings.filter(w => w.startsWith('api-access: the review policy'));

describe('start-up warning for policy groups missing from the catalog', () => {
  it('names each missing group once, with every key that names it, and only once', async () => {
    const { recorded, features } = createRecorders();
    const { scheduler, feature: schedulerFeature } = manualScheduler();
    const backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
      extraFeatures: [...features, schedulerFeature],
      config: {
        apiAccess: {
          reviewSteps: {
            security: { reviewer: 'group:default/security', order: 1 },
            audit: { reviewer: 'group:default/audit', order: 2 },
          },
          routing: [
            {
              name: 'production',
              when: { environments: ['production'] },
              addSteps: ['security', 'audit'],
            },
          ],
          deadlines: {
            escalateTo: 'group:default/ops-oncall',
            byStep: { security: { escalateTo: 'group:default/ops-oncall' } },
          },
          accessReviews: {
            unanswered: 'escalate',
            escalateTo: 'group:default/ops-oncall',
          },
          alertRecipients: [
            'group:default/platform-leads',
            'user:default/nobody.here',
          ],
        },
      },
      // The groups that exist must be in the catalog before the check runs:
      // under load the catalog may not have processed them yet (a CI run saw
      // platform-leads reported missing).
      waitFor: ['group:default/security', 'group:default/platform-leads'],
    });
    try {
      // Start-up itself checks nothing: the task waits for its first run.
      expect(policyWarnings(recorded.warnings)).toEqual([]);
      const tasks = await scheduler.getScheduledTasks();
      expect(tasks.map(t => t.id)).toContain(POLICY_REFS_CHECK_TASK);

      await scheduler.triggerTask(POLICY_REFS_CHECK_TASK);
      expect(policyWarnings(recorded.warnings)).toEqual([
        'api-access: the review policy routes to group:default/audit (apiAccess.reviewSteps.audit.reviewer), which is not in the catalog; requests that need it will wait for nobody',
        'api-access: the review policy escalates to group:default/ops-oncall (apiAccess.deadlines.escalateTo; apiAccess.deadlines.byStep.security.escalateTo; apiAccess.accessReviews.escalateTo), which is not in the catalog; steps escalated to it will wait for nobody',
        'api-access: the review policy sends alerts to user:default/nobody.here (apiAccess.alertRecipients[1]), which is not in the catalog; alerts to it reach nobody',
      ]);

      // Once: later runs of the task say nothing more.
      await scheduler.triggerTask(POLICY_REFS_CHECK_TASK);
      expect(policyWarnings(recorded.warnings)).toHaveLength(3);
    } finally {
      await backend.stop();
    }
  });

  it('waits while the catalog holds no group, then names the built-in defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-access-policy-refs-'));
    const catalogFile = join(dir, 'catalog.yaml');
    writeFileSync(
      catalogFile,
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata: { name: lonely }',
        'spec: { type: service, lifecycle: production, owner: user:default/someone }',
        '',
      ].join('\n'),
    );
    const { recorded, features } = createRecorders();
    const { scheduler, feature: schedulerFeature } = manualScheduler();
    const backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
      catalogFiles: [catalogFile],
      waitFor: ['component:default/lonely'],
      extraFeatures: [...features, schedulerFeature],
    });
    try {
      // No group at all: probably still ingesting, so ask again later.
      for (let attempt = 1; attempt < 10; attempt++) {
        await scheduler.triggerTask(POLICY_REFS_CHECK_TASK);
      }
      expect(policyWarnings(recorded.warnings)).toEqual([]);

      // The tenth attempt warns anyway.
      await scheduler.triggerTask(POLICY_REFS_CHECK_TASK);
      expect(policyWarnings(recorded.warnings)).toEqual(
        ['security', 'compliance', 'legal'].map(
          name =>
            `api-access: the review policy routes to group:default/${name} (apiAccess.reviewSteps.${name}.reviewer, the built-in default), which is not in the catalog; requests that need it will wait for nobody`,
        ),
      );
    } finally {
      await backend.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
