/*
 * Scopes read out of an API definition: the function lives in -common, where
 * the catalog module's check of an API's plans reads scopes the same way.
 */
export { scopesFromDefinition } from '@api-access/backstage-plugin-api-access-common';
