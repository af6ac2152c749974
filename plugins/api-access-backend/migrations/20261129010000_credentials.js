// @ts-check
/*
 * API keys. Only a SHA-256 hash and a short public prefix are kept; the
 * secret exists once, in the response that shows it to the requester.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_credentials', table => {
    table.string('id', 36).primary();
    table
      .string('grant_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_grants');
    table.string('credential_type', 32).notNullable();
    table.string('prefix', 32).notNullable().comment('public part, shown to recognise the key');
    table
      .string('secret_hash', 64)
      .notNullable()
      .unique()
      .comment('sha256 of the whole key; the key itself is never stored');
    table.string('status', 16).notNullable().comment('active, superseded or revoked');
    table.string('terms_version', 64).notNullable();
    table.string('issued_to').notNullable().comment('who accepted the terms and received it');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table
      .timestamp('valid_until', { useTz: true })
      .nullable()
      .comment('end of the rotation overlap for a superseded key');
    table.index(['grant_id', 'status'], 'api_access_credentials_grant_idx');
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table
      .timestamp('last_used_at', { useTz: true })
      .nullable()
      .comment('last successful introspection, written in batches');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropColumn('last_used_at');
  });
  await knex.schema.dropTable('api_access_credentials');
};
