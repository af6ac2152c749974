// @ts-check
/*
 * At most one open manual access review per owner. A manual campaign's
 * period is `manual:<ISO time>`, so the (owner_ref, period) key never matched
 * between two POST /access-reviews/run racing for the same owner, and both
 * opened a campaign. A partial unique index on owner_ref over the open manual
 * campaigns makes the database refuse the second one; the store inserts with
 * ON CONFLICT DO NOTHING and answers the campaign that is already open.
 *
 * Duplicates that already exist are closed first: per owner the oldest open
 * manual campaign stays open (the one its notification announced), the later
 * ones are closed as of now. Their items and answers stay as they are.
 *
 * PostgreSQL and SQLite both have partial indexes; other clients (MySQL has
 * none) keep only the (owner_ref, period) key.
 */

const TABLE = 'api_access_reviews';
const INDEX = 'api_access_reviews_one_open_manual_uq';

/** @param {import('knex').Knex} knex */
function supportsPartialIndexes(knex) {
  const client = String(knex.client.config.client);
  return ['pg', 'postgres', 'postgresql', 'sqlite3', 'better-sqlite3'].includes(
    client,
  );
}

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  if (!supportsPartialIndexes(knex)) return;
  /** @type {Array<{ id: string, owner_ref: string }>} */
  const open = await knex(TABLE)
    .where({ trigger: 'manual', status: 'open' })
    .orderBy('owner_ref')
    .orderBy('created_at')
    .orderBy('id')
    .select('id', 'owner_ref');
  const seen = new Set();
  const duplicates = [];
  for (const row of open) {
    if (seen.has(row.owner_ref)) duplicates.push(row.id);
    else seen.add(row.owner_ref);
  }
  for (let i = 0; i < duplicates.length; i += 200) {
    await knex(TABLE)
      .whereIn('id', duplicates.slice(i, i + 200))
      .update({ status: 'closed', closed_at: new Date() });
  }
  await knex.raw(
    `CREATE UNIQUE INDEX ${INDEX} ON ${TABLE} (owner_ref) WHERE "trigger" = 'manual' AND status = 'open'`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (!supportsPartialIndexes(knex)) return;
  await knex.raw(`DROP INDEX IF EXISTS ${INDEX}`);
};
