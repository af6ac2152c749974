/*
 * The one-open-manual-review migration on both databases: duplicates that
 * racing POST /access-reviews/run left behind are closed (the oldest stays
 * open), and afterwards the database refuses a second open manual campaign
 * of an owner while closed and scheduled ones stay free.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';

const databases = createTestDatabases();
const MIGRATION = '20261202020000_one_open_manual_review.js';
const config = {
  directory: resolvePackagePath(
    '@api-access/backstage-plugin-api-access-backend',
    'migrations',
  ),
  tableName: 'api_access_knex_migrations',
};
const T0 = new Date('2031-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const A = 'group:default/team-a';
const B = 'group:default/team-b';

const review = (
  id: string,
  ownerRef: string,
  ms: number,
  extra: { trigger?: string; status?: string } = {},
) => ({
  id,
  owner_ref: ownerRef,
  period: extra.trigger === 'scheduled' ? '2031-01-01' : `manual:${ms}`,
  trigger: extra.trigger ?? 'manual',
  started_by: 'user:default/admin',
  created_at: at(ms),
  due_at: at(ms + 14 * 86_400_000),
  status: extra.status ?? 'open',
  closed_at: extra.status === 'closed' ? at(ms) : null,
});

describe.each(databases.eachSupportedId())('migration %p', databaseId => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.migrate.latest(config);
    while (
      (await knex.migrate.list(config))[0].some(
        (m: { name: string }) => m.name >= MIGRATION,
      )
    ) {
      await knex.migrate.down(config);
    }
  });

  it('closes duplicate open manual campaigns, then allows one per owner', async () => {
    await knex('api_access_reviews').insert([
      review('a2', A, 2),
      review('a1', A, 1),
      review('a3', A, 3),
      review('a-closed', A, 0, { status: 'closed' }),
      review('a-scheduled', A, 0, { trigger: 'scheduled' }),
      review('b1', B, 5),
    ]);
    await knex.migrate.up(config);

    const rows = await knex('api_access_reviews')
      .orderBy('id')
      .select('id', 'status', 'closed_at');
    expect(Object.fromEntries(rows.map(r => [r.id, r.status]))).toEqual({
      a1: 'open',
      a2: 'closed',
      a3: 'closed',
      'a-closed': 'closed',
      'a-scheduled': 'open',
      b1: 'open',
    });
    expect(rows.find(r => r.id === 'a2')!.closed_at).not.toBeNull();

    // Matched on the message, not with toThrow: when another test file ran
    // first in this worker, better-sqlite3 builds its errors from that file's
    // Error, which jest's toThrow does not recognise as an error.
    await expect(
      knex('api_access_reviews').insert(review('a4', A, 4)),
    ).rejects.toHaveProperty('message', expect.stringMatching(/unique/i));
    await knex('api_access_reviews').insert([
      review('a5', A, 5, { status: 'closed' }),
      review('c1', 'group:default/team-c', 6),
    ]);
    // Closing the open one frees the owner for the next.
    await knex('api_access_reviews')
      .where({ id: 'a1' })
      .update({ status: 'closed', closed_at: at(7) });
    await knex('api_access_reviews').insert(review('a6', A, 8));
  });
});
