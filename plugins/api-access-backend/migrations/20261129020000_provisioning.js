// @ts-check
/*
 * Provisioning tasks and revocation. A task is one action (provision, rotate,
 * revoke) of one provisioner for one grant; `task_key` makes enqueuing the
 * same action twice a no-op, and a lease lets one replica at a time run it.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_provisioning_tasks', table => {
    table.string('id', 36).primary();
    table
      .string('task_key', 255)
      .notNullable()
      .unique()
      .comment('grant, provisioner, action and credential: one task each');
    table
      .string('grant_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_grants');
    table.string('provisioner_id', 128).notNullable();
    table.string('action', 16).notNullable().comment('provision, rotate or revoke');
    table.string('credential_id', 36).nullable();
    table.text('reason').nullable().comment('the revoker\'s reason, for revoke');
    table
      .string('status', 16)
      .notNullable()
      .comment('pending, succeeded, failed (attempts used up) or cancelled');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable();
    table.timestamp('lease_until', { useTz: true }).nullable();
    table.string('lease_owner', 64).nullable();
    table.text('last_error').nullable();
    table.string('reference', 255).nullable().comment('id in the remote system');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('completed_at', { useTz: true }).nullable();
    table.index(['status', 'next_attempt_at'], 'api_access_prov_due_idx');
    table.index(['grant_id'], 'api_access_prov_grant_idx');
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table.timestamp('revoked_at', { useTz: true }).nullable();
    table.string('revoked_by').nullable();
    table.text('revocation_reason').nullable();
  });
  await knex.schema.alterTable('api_access_credentials', table => {
    table.timestamp('revoked_at', { useTz: true }).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_credentials', table => {
    table.dropColumn('revoked_at');
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropColumn('revocation_reason');
    table.dropColumn('revoked_by');
    table.dropColumn('revoked_at');
  });
  await knex.schema.dropTable('api_access_provisioning_tasks');
};
