// @ts-check
/*
 * The grant lifecycle: marks for work done once (reminders, notices),
 * renewal requests linked to the grant they extend, and orphaned access.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_lifecycle_marks', table => {
    table.string('subject_id', 64).notNullable();
    table
      .string('kind', 128)
      .notNullable()
      .comment('what was done once, e.g. reminder:14 or stale-notice:<epoch>');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.primary(['subject_id', 'kind']);
  });
  await knex.schema.alterTable('api_access_requests', table => {
    table
      .string('renewal_of_grant_id', 36)
      .nullable()
      .comment('set on a renewal: the grant an approval extends');
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table
      .text('orphan_reason')
      .nullable()
      .comment('why the grant lost its requester, consumer or owner; null when not orphaned');
    table.timestamp('renewed_at', { useTz: true }).nullable();
    table.integer('renewals').notNullable().defaultTo(0);
    table.index(['status', 'expires_at'], 'api_access_grants_expiry_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropIndex(['status', 'expires_at'], 'api_access_grants_expiry_idx');
    table.dropColumn('renewals');
    table.dropColumn('renewed_at');
    table.dropColumn('orphan_reason');
  });
  await knex.schema.alterTable('api_access_requests', table => {
    table.dropColumn('renewal_of_grant_id');
  });
  await knex.schema.dropTable('api_access_lifecycle_marks');
};
