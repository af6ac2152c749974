/*
 * The list-indexes migration on both databases: existing grants get their
 * request's owner in grants.owner_ref, and down removes the column again.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';

const databases = createTestDatabases();
const MIGRATION = '20261202030000_list_indexes.js';
const config = {
  directory: resolvePackagePath(
    '@api-access/backstage-plugin-api-access-backend',
    'migrations',
  ),
  tableName: 'api_access_knex_migrations',
};

describe.each(databases.eachSupportedId())('migration %p', databaseId => {
  it('backfills grants.owner_ref from the request, and down drops it', async () => {
    const knex: Knex = await databases.init(databaseId);
    await knex.migrate.latest(config);
    while (
      (await knex.migrate.list(config))[0].some(
        (m: { name: string }) => m.name >= MIGRATION,
      )
    ) {
      await knex.migrate.down(config);
    }
    expect(await knex.schema.hasColumn('api_access_grants', 'owner_ref')).toBe(
      false,
    );
    // A grant written before the migration (the helper's owner_ref is new).
    const id = `g-${Math.random().toString(36).slice(2)}`;
    await knex('api_access_requests').insert({
      id: `r-${id}`,
      api_ref: 'api:default/pets',
      consumer_ref: 'component:default/a',
      consumer_kind: 'internal',
      requester_ref: 'user:default/requester',
      owner_ref: 'group:default/team-c',
      environment: 'sandbox',
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
      plan: '{"stages":[],"autoApproved":true}',
      review_round: 1,
      status: 'approved',
      version: 1,
      created_at: new Date(),
      updated_at: new Date(),
    });
    await knex('api_access_grants').insert({
      id,
      request_id: `r-${id}`,
      api_ref: 'api:default/pets',
      consumer_ref: 'component:default/a',
      requester_ref: 'user:default/requester',
      environment: 'sandbox',
      scopes: '[]',
      credential_type: 'api-key',
      status: 'active',
      created_at: new Date(),
      expires_at: new Date(),
    });

    await knex.migrate.up(config);
    const row = await knex('api_access_grants').where({ id }).first();
    expect(row.owner_ref).toBe('group:default/team-c');
    // New grants through the test helper carry it too.
    const later = await insertApprovedGrant(knex, {
      createdAt: new Date(),
      expiresAt: new Date(),
    });
    expect(
      (await knex('api_access_grants').where({ id: later }).first()).owner_ref,
    ).toBe('group:default/team-c');

    await knex.migrate.down(config);
    expect(await knex.schema.hasColumn('api_access_grants', 'owner_ref')).toBe(
      false,
    );
    expect(await knex('api_access_grants').where({ id }).first()).toBeTruthy();
  });
});
