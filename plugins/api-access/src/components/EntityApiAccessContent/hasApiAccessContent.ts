/* Which pages get the "API access" tab; apart from the tab so a filter does not load the cards. */
import { Entity } from '@backstage/catalog-model';
import { isApiAccessAvailable } from '@api-access/backstage-plugin-api-access-common';

const kindOf = (entity: Entity) => entity.kind.toLocaleLowerCase('en-US');

/** Whether an entity's page gets the tab: APIs that offer access, components and groups. */
export function hasApiAccessContent(entity: Entity): boolean {
  return (
    isApiAccessAvailable(entity) ||
    kindOf(entity) === 'component' ||
    kindOf(entity) === 'group'
  );
}
