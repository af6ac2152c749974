/**
 * Catalog backend module that shows active api-access grants as
 * `consumesApi` / `apiConsumedBy` relations. Install with
 * `backend.add(import('@api-access/backstage-plugin-catalog-backend-module-api-access'))`.
 *
 * @packageDocumentation
 */
export { catalogModuleApiAccessGrants as default } from './module';
export { catalogModuleApiAccessGrants } from './module';
