// @ts-check
/*
 * Indexes for the lists people page through, found by `yarn bench:lists`
 * (10k against 1M requests): every page of grants looked up open renewals by
 * renewal_of_grant_id, which had no index, so each page scanned the whole
 * requests table; the grants of an API or a consumer were fetched whole and
 * sorted for each page; the grants of an owner joined every request.
 *
 *   - requests(renewal_of_grant_id): the open renewals of a page of grants.
 *   - grants(api_ref, created_at, id), grants(consumer_ref, created_at, id):
 *     a page is the next 51 entries of the index, newest first. They replace
 *     the single-column api_ref and consumer_ref indexes they start with.
 *   - grants.owner_ref, with (owner_ref, created_at, id): the owner the
 *     grant's request was routed to (requests.owner_ref, copied when the grant
 *     is created and here for existing grants), so the grants of an owner are
 *     a range of one index instead of a join with every request.
 *   - grants(created_at, id): pages of all grants (admins) newest first.
 *
 *   - review_steps(escalated_to, status): with (reviewer_ref, status), the
 *     reviewer inbox starts from a group's pending steps (AccessStore's
 *     listRequests), not from every request.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_access_requests', table => {
    table.index(['renewal_of_grant_id'], 'api_access_requests_renewal_idx');
  });
  await knex.schema.alterTable('api_access_review_steps', table => {
    table.index(
      ['escalated_to', 'status'],
      'api_access_review_steps_escalated_idx',
    );
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table
      .string('owner_ref')
      .nullable()
      .comment(
        "the owner the grant's request was routed to (requests.owner_ref)",
      );
  });
  await knex('api_access_grants').update({
    owner_ref: knex('api_access_requests')
      .select('owner_ref')
      .where('api_access_requests.id', knex.ref('api_access_grants.request_id')),
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropIndex(['api_ref'], 'api_access_grants_api_idx');
    table.dropIndex(['consumer_ref'], 'api_access_grants_consumer_idx');
    table.index(
      ['api_ref', 'created_at', 'id'],
      'api_access_grants_api_created_idx',
    );
    table.index(
      ['consumer_ref', 'created_at', 'id'],
      'api_access_grants_consumer_created_idx',
    );
    table.index(
      ['owner_ref', 'created_at', 'id'],
      'api_access_grants_owner_created_idx',
    );
    table.index(['created_at', 'id'], 'api_access_grants_created_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropIndex(['created_at', 'id'], 'api_access_grants_created_idx');
    table.dropIndex(
      ['owner_ref', 'created_at', 'id'],
      'api_access_grants_owner_created_idx',
    );
    table.dropIndex(
      ['consumer_ref', 'created_at', 'id'],
      'api_access_grants_consumer_created_idx',
    );
    table.dropIndex(
      ['api_ref', 'created_at', 'id'],
      'api_access_grants_api_created_idx',
    );
    table.index(['consumer_ref'], 'api_access_grants_consumer_idx');
    table.index(['api_ref'], 'api_access_grants_api_idx');
  });
  await knex.schema.alterTable('api_access_grants', table => {
    table.dropColumn('owner_ref');
  });
  await knex.schema.alterTable('api_access_review_steps', table => {
    table.dropIndex(
      ['escalated_to', 'status'],
      'api_access_review_steps_escalated_idx',
    );
  });
  await knex.schema.alterTable('api_access_requests', table => {
    table.dropIndex(['renewal_of_grant_id'], 'api_access_requests_renewal_idx');
  });
};
