// @ts-check
/*
 * Periodic access reviews: a campaign per owning group and period, listing
 * the grants on its APIs, each answered keep or revoke. The unique
 * (owner_ref, period) key makes a campaign's creation happen once however
 * many replicas or ticks try; the (review_id, grant_id) key lists a grant
 * once per campaign.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_reviews', table => {
    table.string('id', 36).primary();
    table
      .string('owner_ref', 255)
      .notNullable()
      .comment("the owning group or user, from the grants' requests");
    table
      .string('period', 64)
      .notNullable()
      .comment("the period's first day (YYYY-MM-DD), or manual:<ISO time>");
    table.string('trigger', 16).notNullable().comment('scheduled or manual');
    table.string('started_by', 255).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('due_at', { useTz: true }).notNullable();
    table.string('status', 16).notNullable().comment('open or closed');
    table.timestamp('closed_at', { useTz: true }).nullable();
    table
      .string('escalated_to', 255)
      .nullable()
      .comment('set when unanswered items were escalated at the due date');
    table.timestamp('escalated_at', { useTz: true }).nullable();
    table.unique(['owner_ref', 'period'], {
      indexName: 'api_access_reviews_owner_period_uq',
    });
    table.index(['status', 'due_at'], 'api_access_reviews_due_idx');
  });
  await knex.schema.createTable('api_access_review_items', table => {
    table
      .string('review_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_reviews');
    table
      .string('grant_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_grants');
    table
      .string('decision', 16)
      .nullable()
      .comment('keep or revoke; null until answered');
    table.text('comment').nullable();
    table.string('decided_by', 255).nullable();
    table.timestamp('decided_at', { useTz: true }).nullable();
    table.primary(['review_id', 'grant_id']);
    table.index(['grant_id'], 'api_access_review_items_grant_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_review_items');
  await knex.schema.dropTable('api_access_reviews');
};
