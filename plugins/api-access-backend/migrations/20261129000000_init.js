// @ts-check
/*
 * The request / review / grant tables. Rows are never deleted by the workflow:
 * a rejected request or an expired grant keeps its whole history.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_requests', table => {
    table.string('id', 36).primary();
    table.string('api_ref').notNullable();
    table.string('consumer_ref').notNullable();
    table.string('consumer_kind', 16).notNullable();
    table.string('requester_ref').notNullable();
    table.string('owner_ref').notNullable();
    table.string('environment', 64).notNullable();
    table.text('scopes').notNullable().comment('JSON array of scope names');
    table.string('credential_type', 32).notNullable();
    table.text('use_case').notNullable();
    table.text('justification').notNullable();
    table.text('credential_storage').notNullable();
    table.integer('duration_days').notNullable();
    table.string('classification_level', 64).notNullable();
    table.string('classification_source').notNullable();
    table
      .text('plan')
      .notNullable()
      .comment(
        'JSON review plan as computed at submission; config changes never rewrite it',
      );
    table.integer('review_round').notNullable().defaultTo(1);
    table.string('status', 32).notNullable();
    table
      .integer('version')
      .notNullable()
      .defaultTo(1)
      .comment('optimistic concurrency: every transition bumps it');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(
      ['requester_ref', 'created_at'],
      'api_access_requests_requester_idx',
    );
    table.index(['api_ref'], 'api_access_requests_api_idx');
  });

  await knex.schema.createTable('api_access_review_steps', table => {
    table.string('id', 36).primary();
    table
      .string('request_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_requests');
    table.integer('stage_index').notNullable();
    table.string('stage_name', 64).notNullable();
    table.integer('step_index').notNullable();
    table.string('reviewer_ref').notNullable();
    table.integer('quorum').notNullable();
    table.text('reason').notNullable();
    table.string('status', 16).notNullable();
    table.unique(['request_id', 'stage_index', 'step_index']);
    table.index(
      ['reviewer_ref', 'status'],
      'api_access_review_steps_reviewer_idx',
    );
  });

  await knex.schema.createTable('api_access_decisions', table => {
    table.string('id', 36).primary();
    table
      .string('request_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_requests');
    table
      .string('step_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_review_steps');
    table.integer('review_round').notNullable();
    table.string('decider_ref').notNullable();
    table.string('decision', 32).notNullable();
    table.text('comment');
    table.timestamp('created_at', { useTz: true }).notNullable();
    // One person decides at most one step of a request per review round,
    // enforced by the database as well as by the workflow.
    table.unique(['request_id', 'review_round', 'decider_ref']);
  });

  await knex.schema.createTable('api_access_grants', table => {
    table.string('id', 36).primary();
    table
      .string('request_id', 36)
      .notNullable()
      .unique()
      .references('id')
      .inTable('api_access_requests');
    table.string('api_ref').notNullable();
    table.string('consumer_ref').notNullable();
    table.string('requester_ref').notNullable();
    table.string('environment', 64).notNullable();
    table
      .text('scopes')
      .notNullable()
      .comment('JSON array of approved scope names');
    table.string('credential_type', 32).notNullable();
    table.string('status', 32).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.index(['consumer_ref'], 'api_access_grants_consumer_idx');
    table.index(['api_ref'], 'api_access_grants_api_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_grants');
  await knex.schema.dropTable('api_access_decisions');
  await knex.schema.dropTable('api_access_review_steps');
  await knex.schema.dropTable('api_access_requests');
};
