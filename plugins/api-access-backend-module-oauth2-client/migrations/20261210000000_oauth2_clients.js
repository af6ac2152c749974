// @ts-check
/*
 * The OAuth2 clients this module registered at the identity provider, one
 * row per client (a rotation registers a new one). Run by the module, with
 * its own migrations table, before the api-access plugin's migrations on a
 * fresh database: hence no foreign key to api_access_grants, only an index.
 * The registration access token is sealed (AES-256-GCM, see SecretBox); the
 * client secret has no column, it is read from the provider when shown once.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_oauth2_clients', table => {
    table.string('id', 36).primary();
    table.string('grant_id', 36).notNullable();
    table
      .string('credential_id', 36)
      .nullable()
      .unique()
      .comment('the api_access_credentials row once issued');
    table.string('issuer', 255).notNullable();
    table
      .string('client_id', 255)
      .nullable()
      .comment('null until the provider answered the registration');
    table.string('registration_client_uri', 1000).nullable();
    table
      .text('registration_access_token')
      .nullable()
      .comment('sealed: v1.<keyId>.<iv>.<ct>.<tag>, never clear');
    table.string('rat_key_id', 64).nullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('registering, registered, issued, retiring, deleted, orphaned');
    table.text('scopes').notNullable().comment('JSON array');
    table.string('audience', 255).notNullable();
    table
      .string('metadata_hash', 64)
      .nullable()
      .comment('sha256 of the last metadata sent, to skip needless updates');
    table.string('task_id', 36).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.timestamp('deleted_at', { useTz: true }).nullable();
    table.string('last_error', 500).nullable();
    table.unique(['issuer', 'client_id'], {
      indexName: 'api_access_oauth2_clients_client_uq',
    });
    table.index(['grant_id'], 'api_access_oauth2_clients_grant_idx');
    table.index(['rat_key_id'], 'api_access_oauth2_clients_key_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_oauth2_clients');
};
