// @ts-check
/*
 * Review deadlines: when each step opened (deadlines and time-to-decision
 * count from it), the group member a step was delegated to, and the group it
 * was escalated to, whose members may then decide it. Reminders and
 * escalations done once are marks in api_access_lifecycle_marks.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_access_review_steps', table => {
    table
      .timestamp('pending_since', { useTz: true })
      .nullable()
      .comment('when the step became pending in its round; null while waiting');
    table
      .string('delegate_ref')
      .nullable()
      .comment('user ref of the group member the step was delegated to');
    table
      .string('escalated_to')
      .nullable()
      .comment(
        'group ref the step was escalated to; its members may decide it',
      );
    table.index(
      ['status', 'pending_since'],
      'api_access_review_steps_pending_idx',
    );
  });
  await knex.schema.alterTable('api_access_decisions', table => {
    table.index(['step_id'], 'api_access_decisions_step_idx');
    table.index(['created_at'], 'api_access_decisions_created_idx');
  });

  // Steps opened before this migration: the last decision of an earlier
  // stage of the same round opened them; a first stage opened at submission
  // (round 1) or at the resubmission, which came after the previous round's
  // last decision (the closest time on record, so a little early).
  await knex.raw(`
    UPDATE api_access_review_steps
    SET pending_since = COALESCE(
      (SELECT MAX(d.created_at)
         FROM api_access_decisions d
         JOIN api_access_review_steps p ON p.id = d.step_id
        WHERE p.request_id = api_access_review_steps.request_id
          AND p.review_round = api_access_review_steps.review_round
          AND p.stage_index < api_access_review_steps.stage_index),
      (SELECT MAX(d.created_at)
         FROM api_access_decisions d
        WHERE d.request_id = api_access_review_steps.request_id
          AND d.review_round < api_access_review_steps.review_round),
      (SELECT r.created_at
         FROM api_access_requests r
        WHERE r.id = api_access_review_steps.request_id)
    )
    WHERE status <> 'waiting'
  `);
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_decisions', table => {
    table.dropIndex(['created_at'], 'api_access_decisions_created_idx');
    table.dropIndex(['step_id'], 'api_access_decisions_step_idx');
  });
  await knex.schema.alterTable('api_access_review_steps', table => {
    table.dropIndex(
      ['status', 'pending_since'],
      'api_access_review_steps_pending_idx',
    );
    table.dropColumn('escalated_to');
    table.dropColumn('delegate_ref');
    table.dropColumn('pending_since');
  });
};
