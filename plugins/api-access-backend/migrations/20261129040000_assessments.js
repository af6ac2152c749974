// @ts-check
/*
 * The request assistant's findings and risk score, one row per request and
 * review round, written in the transaction that submits or resubmits the
 * request. Findings never hold a requester's text: a request whose text looks
 * like a secret is refused before anything is written.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('api_access_assessments', table => {
    table.string('id', 36).primary();
    table
      .string('request_id', 36)
      .notNullable()
      .references('id')
      .inTable('api_access_requests');
    table.integer('review_round').notNullable();
    table
      .integer('risk_score')
      .notNullable()
      .comment('0-100, as routing rules (minRiskScore) saw it');
    table.text('risk').notNullable().comment('JSON { score, reasons }');
    table
      .text('findings')
      .notNullable()
      .comment('JSON array of findings (built-in and module assessors)');
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.unique(['request_id', 'review_round']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('api_access_assessments');
};
