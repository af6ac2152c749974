// @ts-check
/*
 * Conflict of interest: the owners of a request's consumer when it was
 * submitted, so that nobody in the consumer's team decides its access even
 * when the catalog cannot be asked. The backend also asks the catalog for the
 * current owners and refuses anyone in either list.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.alterTable('api_access_requests', table => {
    table
      .text('consumer_owner_refs')
      .nullable()
      .comment(
        "JSON array: the consumer's owners at submission (a partner or vendor group owns itself)",
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('api_access_requests', table => {
    table.dropColumn('consumer_owner_refs');
  });
};
