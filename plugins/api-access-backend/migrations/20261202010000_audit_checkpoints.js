// @ts-check
/*
 * Signed checkpoints of the audit chain: after a verification that held, the
 * position and hash it reached, with an HMAC over both keyed by
 * apiAccess.audit.checkpointSecret (or one derived from the backend secret).
 * The next verification checks the signatures and rehashes only what came
 * after the last checkpoint.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_audit_checkpoints', table => {
    table
      .bigInteger('seq')
      .primary()
      .comment('the last event the verification reached');
    table.string('hash', 64).notNullable().comment("that event's hash");
    table
      .string('signature', 64)
      .notNullable()
      .comment('HMAC-SHA256 of seq and hash, hex');
    table.timestamp('created_at', { useTz: true }).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_audit_checkpoints');
};
