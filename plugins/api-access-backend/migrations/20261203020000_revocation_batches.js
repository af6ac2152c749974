// @ts-check
/*
 * Incident revocation (issue 15, item 2): a batch that ends every active
 * grant of an API, a consumer or a requester, and what happened to each of
 * its grants, so GET /grants/revocations/:batchId can show the batch's
 * progress until every provisioner has confirmed.
 *
 *   - revocation_batches: who started it, when, the selector, the reason,
 *     how many matching grants the caller could not revoke, and when every
 *     grant had been tried (finished_at, null while it runs).
 *   - revocation_batch_items: one row per grant of a batch, written in the
 *     grant's own revocation transaction (outcome `revoked`), or after it
 *     (`already_ended`, `failed` with the error).
 *   - grants(requester_ref, status): a requester's active grants without
 *     scanning every grant (api_ref and consumer_ref have their indexes).
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_revocation_batches', table => {
    table.string('id').primary();
    table.string('started_by').notNullable();
    table.timestamp('started_at', { useTz: true }).notNullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table
      .string('selector_kind')
      .notNullable()
      .comment('apiRef, consumerRef or requesterRef');
    table.string('selector_ref').notNullable();
    table.text('reason').notNullable();
    table
      .integer('left_out')
      .notNullable()
      .defaultTo(0)
      .comment('matching grants the caller could not revoke');
    table.index(['started_by', 'started_at'], 'api_access_rev_batches_by_idx');
  });
  await knex.schema.createTable('api_access_revocation_batch_items', table => {
    table
      .string('batch_id')
      .notNullable()
      .references('id')
      .inTable('api_access_revocation_batches')
      .onDelete('CASCADE');
    table.string('grant_id').notNullable();
    table.integer('position').notNullable();
    table.string('outcome').notNullable();
    table.text('error').nullable();
    table.primary(['batch_id', 'grant_id']);
    table.index(['grant_id'], 'api_access_rev_items_grant_idx');
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table.index(['requester_ref', 'status'], 'api_access_grants_requester_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropIndex(
      ['requester_ref', 'status'],
      'api_access_grants_requester_idx',
    );
  });
  await knex.schema.dropTable('api_access_revocation_batch_items');
  await knex.schema.dropTable('api_access_revocation_batches');
};
