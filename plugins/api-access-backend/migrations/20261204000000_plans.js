// @ts-check
/*
 * Plans, quotas and suspension (issue 14).
 *
 *   - requests: the plan asked for (plan_name: `plan` is the review plan), and the plan a grant will carry (an
 *     approver may choose a lower one). Null when the API offers no plans.
 *   - grants: the plan and its limits as granted (a snapshot, so the
 *     gateway's hot path reads them with the key and never asks the
 *     catalog), and the suspension: while suspended_at is set the status is
 *     `suspended` and the credential is refused.
 *   - decisions: the plan an approver approved, when lower than asked.
 *   - usage: calls and refusals per grant per UTC day, counted from the
 *     decisions api-access makes. Replicas add their counts with an atomic
 *     upsert (count = count + n), so two replicas never lose a count.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_access_requests', table => {
    // `plan` already holds the review plan (JSON): these are the API plan's names.
    table.string('plan_name', 32).nullable();
    table.string('approved_plan_name', 32).nullable();
  });
  await knex.schema.alterTable('api_access_decisions', table => {
    table.string('narrowed_plan', 32).nullable();
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table.string('plan', 32).nullable();
    table.string('plan_title', 100).nullable();
    table.integer('rate_limit_requests').nullable();
    table.integer('rate_limit_seconds').nullable();
    table.bigInteger('quota_requests').nullable();
    table.string('quota_period', 8).nullable().comment('day or month');
    table.timestamp('suspended_at', { useTz: true }).nullable();
    table.string('suspended_by').nullable();
    table.text('suspension_reason').nullable();
  });
  await knex.schema.createTable('api_access_usage', table => {
    table
      .string('grant_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_grants')
      .onDelete('CASCADE');
    table.string('day', 10).notNullable().comment('UTC date, YYYY-MM-DD');
    table.bigInteger('calls').notNullable().defaultTo(0);
    table.bigInteger('refused').notNullable().defaultTo(0);
    table.primary(['grant_id', 'day']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_usage');
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropColumn('plan');
    table.dropColumn('plan_title');
    table.dropColumn('rate_limit_requests');
    table.dropColumn('rate_limit_seconds');
    table.dropColumn('quota_requests');
    table.dropColumn('quota_period');
    table.dropColumn('suspended_at');
    table.dropColumn('suspended_by');
    table.dropColumn('suspension_reason');
  });
  await knex.schema.alterTable('api_access_decisions', table => {
    table.dropColumn('narrowed_plan');
  });
  await knex.schema.alterTable('api_access_requests', table => {
    table.dropColumn('plan_name');
    table.dropColumn('approved_plan_name');
  });
};
