// @ts-check
/*
 * Client certificates (`mtls-certificate` credentials) live in
 * api_access_credentials like API keys: prefix = the serial (hex),
 * secret_hash = SHA-256 of the certificate's DER (a fingerprint; the
 * certificate is public and the requester's private key never reaches us).
 * `revoked_at` comes from 20261129020000_provisioning; this adds what the
 * CRL needs on top of it.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_access_credentials', table => {
    table
      .timestamp('not_after', { useTz: true })
      .nullable()
      .comment(
        'mtls-certificate: end of the certificate validity; expired certificates leave the CRL',
      );
    table.index(
      ['credential_type', 'status'],
      'api_access_credentials_type_status_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_credentials', table => {
    table.dropIndex(
      ['credential_type', 'status'],
      'api_access_credentials_type_status_idx',
    );
    table.dropColumn('not_after');
  });
};
