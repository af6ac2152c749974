/*
 * The review-deadlines migration on both databases: steps opened before it
 * get the time they opened from the history that is on record.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';

const databases = createTestDatabases();
const MIGRATION = '20261129060000_review_deadlines.js';
const config = {
  directory: resolvePackagePath(
    '@api-access/backstage-plugin-api-access-backend',
    'migrations',
  ),
  tableName: 'api_access_knex_migrations',
};
const T0 = new Date('2031-01-01T00:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * 3600_000);

describe.each(databases.eachSupportedId())('migration %p', databaseId => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.migrate.latest(config);
    // Back to the schema before this migration (later ones first).
    while (
      (await knex.migrate.list(config))[0].some(
        (m: { name: string }) => m.name >= MIGRATION,
      )
    ) {
      await knex.migrate.down(config);
    }
  });

  it('sets pending_since of open and decided steps from submissions and decisions', async () => {
    await knex('api_access_requests').insert({
      id: 'r1',
      api_ref: 'api:default/pets',
      consumer_ref: 'component:default/a',
      consumer_kind: 'internal',
      requester_ref: 'user:default/requester',
      owner_ref: 'group:default/team-c',
      environment: 'production',
      scopes: '[]',
      credential_type: 'api-key',
      use_case: 'x',
      justification: 'x',
      credential_storage: 'x',
      duration_days: 1,
      approved_scopes: '[]',
      approved_duration_days: 1,
      classification_level: 'internal',
      classification_source: 'default',
      plan: '{}',
      review_round: 2,
      status: 'in_review',
      version: 4,
      created_at: T0,
      updated_at: at(30),
    });
    const step = (
      id: string,
      round: number,
      stage: number,
      status: string,
    ) => ({
      id,
      request_id: 'r1',
      review_round: round,
      stage_index: stage,
      stage_name: `stage ${stage}`,
      step_index: 0,
      step_name: stage === 0 ? 'owner' : 'security',
      reviewer_ref: 'group:default/x',
      quorum: 1,
      reason: 'x',
      rules: '[]',
      status,
    });
    await knex('api_access_review_steps').insert([
      step('s1-owner', 1, 0, 'approved'),
      step('s1-sec', 1, 1, 'pending'),
      step('s2-owner', 2, 0, 'pending'),
      step('s2-sec', 2, 1, 'waiting'),
    ]);
    const decision = (
      id: string,
      stepId: string,
      round: number,
      hours: number,
      what: string,
    ) => ({
      id,
      request_id: 'r1',
      step_id: stepId,
      review_round: round,
      decider_ref: `user:default/${id}`,
      decision: what,
      created_at: at(hours),
    });
    await knex('api_access_decisions').insert([
      decision('d1', 's1-owner', 1, 5, 'approve'),
      decision('d2', 's1-sec', 1, 20, 'request_changes'),
    ]);

    await knex.migrate.up({ ...config, name: MIGRATION });

    const rows = await knex('api_access_review_steps')
      .orderBy('id')
      .select('id', 'pending_since');
    const opened = Object.fromEntries(
      rows.map(r => [
        r.id,
        r.pending_since ? new Date(r.pending_since).toISOString() : null,
      ]),
    );
    expect(opened).toEqual({
      // Round 1: submitted at T0; security opened by the owner's approval.
      's1-owner': at(0).toISOString(),
      's1-sec': at(5).toISOString(),
      // Round 2 opened after the request for changes (the closest on record).
      's2-owner': at(20).toISOString(),
      's2-sec': null,
    });
    await knex.migrate.latest(config);
  });
});
