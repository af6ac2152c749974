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
    table
      .text('approved_scopes')
      .notNullable()
      .comment('JSON array: the requested scopes, narrowed by reviewers');
    table
      .integer('approved_duration_days')
      .notNullable()
      .comment('the requested duration, shortened by reviewers');
    table.string('classification_level', 64).notNullable();
    table.string('classification_source').notNullable();
    table
      .text('plan')
      .notNullable()
      .comment(
        'JSON review plan as computed at submission; config changes never rewrite it',
      );
    table.integer('review_round').notNullable().defaultTo(1);
    table.string('auto_approve_rule').nullable();
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
    table
      .integer('review_round')
      .notNullable()
      .comment('a resubmission starts a new round of steps');
    table.integer('stage_index').notNullable();
    table.string('stage_name', 128).notNullable();
    table.integer('step_index').notNullable();
    table.string('step_name', 64).notNullable();
    table.string('reviewer_ref').notNullable();
    table.integer('quorum').notNullable();
    table.text('reason').notNullable();
    table.text('rules').notNullable().comment('JSON array of routing rule names');
    table.string('status', 16).notNullable();
    table.unique(['request_id', 'review_round', 'stage_index', 'step_index']);
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
    table.text('narrowed_scopes').comment('JSON array, when the reviewer narrowed the scopes');
    table.integer('narrowed_duration_days');
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

  // Append-only history. Each event's hash covers the previous event's hash,
  // so editing or deleting a row breaks the chain at that row.
  await knex.schema.createTable('api_access_audit_events', table => {
    table.bigInteger('seq').primary().comment('position in the chain, from 1');
    table.string('id', 36).notNullable().unique();
    table.string('subject_type', 16).notNullable().comment('request or grant');
    table.string('subject_id', 36).notNullable();
    table.string('request_id', 36).nullable();
    table.string('action', 64).notNullable();
    table.string('actor_ref').notNullable();
    table
      .string('occurred_at', 32)
      .notNullable()
      .comment('ISO 8601 text, hashed exactly as stored');
    table.string('from_status', 32).nullable();
    table.string('to_status', 32).nullable();
    table.text('details').notNullable().comment('JSON, hashed exactly as stored');
    table.string('prev_hash', 64).notNullable();
    table.string('hash', 64).notNullable();
    table.index(['subject_id'], 'api_access_audit_subject_idx');
    table.index(['request_id'], 'api_access_audit_request_idx');
  });
  // One row: the end of the chain. Appends lock it, so concurrent
  // transactions extend the chain one after the other, never fork it.
  await knex.schema.createTable('api_access_audit_head', table => {
    table.integer('id').primary();
    table.bigInteger('seq').notNullable();
    table.string('hash', 64).notNullable();
  });
  await knex('api_access_audit_head').insert({ id: 1, seq: 0, hash: '0'.repeat(64) });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_audit_head');
  await knex.schema.dropTable('api_access_audit_events');
  await knex.schema.dropTable('api_access_grants');
  await knex.schema.dropTable('api_access_decisions');
  await knex.schema.dropTable('api_access_review_steps');
  await knex.schema.dropTable('api_access_requests');
};
