/*
 * The revocation-batches migration on both databases: its tables take a
 * batch and its items (cascading with the batch), the requester index
 * exists, and down removes all of it again.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { RevocationBatchStore } from './RevocationBatchStore';

const databases = createTestDatabases();
const MIGRATION = '20261203020000_revocation_batches.js';
const config = {
  directory: resolvePackagePath(
    '@api-access/backstage-plugin-api-access-backend',
    'migrations',
  ),
  tableName: 'api_access_knex_migrations',
};

describe.each(databases.eachSupportedId())('migration %p', databaseId => {
  it('stores a batch and its items, and down drops both tables', async () => {
    const knex: Knex = await databases.init(databaseId);
    await knex.migrate.latest(config);
    const store = new RevocationBatchStore(knex);
    await store.insertBatch(knex, {
      id: 'b-1',
      startedBy: 'user:default/owner.one',
      startedAt: new Date('2026-12-03T10:00:00Z'),
      selector: { consumerRef: 'component:default/a' },
      reason: 'Key leaked.',
      leftOut: 2,
    });
    await store.addItem(knex, 'b-1', {
      grantId: 'g-2',
      position: 1,
      outcome: 'already_ended',
    });
    await store.addItem(knex, 'b-1', {
      grantId: 'g-1',
      position: 0,
      outcome: 'revoked',
    });
    await store.finish(knex, 'b-1', new Date('2026-12-03T10:00:01Z'));
    expect(await store.getBatch(knex, 'b-1')).toEqual({
      id: 'b-1',
      startedBy: 'user:default/owner.one',
      startedAt: '2026-12-03T10:00:00.000Z',
      finishedAt: '2026-12-03T10:00:01.000Z',
      selector: { consumerRef: 'component:default/a' },
      reason: 'Key leaked.',
      leftOut: 2,
    });
    expect(await store.items(knex, 'b-1')).toEqual([
      { grantId: 'g-1', outcome: 'revoked', error: undefined },
      { grantId: 'g-2', outcome: 'already_ended', error: undefined },
    ]);
    while (
      (await knex.migrate.list(config))[0].some(
        (m: { name: string }) => m.name >= MIGRATION,
      )
    ) {
      await knex.migrate.down(config);
    }
    expect(await knex.schema.hasTable('api_access_revocation_batches')).toBe(
      false,
    );
    expect(
      await knex.schema.hasTable('api_access_revocation_batch_items'),
    ).toBe(false);
    await knex.migrate.latest(config);
    expect(await knex.schema.hasTable('api_access_revocation_batches')).toBe(
      true,
    );
  });
});
