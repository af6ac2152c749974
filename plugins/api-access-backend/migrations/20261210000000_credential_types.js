// @ts-check
/*
 * Credential types from backend modules (issue 13): a credential's public
 * identity (api_access_credentials.prefix) is a key prefix, a certificate
 * serial, or an identity provider's client id, which can be a 36-character
 * UUID or longer. Widening a varchar is an in-place change on PostgreSQL
 * (no table rewrite); SQLite does not enforce lengths.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_access_credentials', table => {
    table.string('prefix', 255).notNullable().alter();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_credentials', table => {
    table.string('prefix', 32).notNullable().alter();
  });
};
