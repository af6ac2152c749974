/*
 * The catalog metadata keys api-access reads. Owners and classification come
 * from the catalog, so these keys are the whole contract with catalog authors.
 */
import { Entity } from '@backstage/catalog-model';

/** Label with the data classification of an API, System or Domain. */
export const API_ACCESS_CLASSIFICATION_LABEL = 'api-access/data-classification';
/** Annotation listing grantable scopes, comma separated. Overrides the OpenAPI definition. */
export const API_ACCESS_SCOPES_ANNOTATION = 'api-access/scopes';
/** Annotation listing environments access can be requested for, comma separated. */
export const API_ACCESS_ENVIRONMENTS_ANNOTATION = 'api-access/environments';
/** Annotation that opts an API out of access requests when set to "false". */
export const API_ACCESS_ENABLED_ANNOTATION = 'api-access/enabled';

/** Group types that mark a consumer as an external party. */
export const EXTERNAL_GROUP_TYPES: readonly string[] = ['partner', 'vendor'];

/** True when access to this entity can be requested through api-access. */
export function isApiAccessAvailable(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'api' &&
    entity.metadata.annotations?.[API_ACCESS_ENABLED_ANNOTATION] !== 'false'
  );
}

/** Splits a comma (or newline) separated annotation value into trimmed, unique items. */
export function parseListAnnotation(value: string | undefined): string[] {
  if (!value) {
    return [];
  }
  const items = value
    .split(/[,\n]/)
    .map(item => item.trim())
    .filter(item => item.length > 0);
  return Array.from(new Set(items));
}
