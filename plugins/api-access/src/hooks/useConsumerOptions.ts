/* Whom a request can be for: the consumers the signed-in user may request access for. */
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  humanizeEntityRef,
} from '@backstage/plugin-catalog-react';
import { EXTERNAL_GROUP_TYPES } from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';

/** Components the signed-in user's groups own, and partner groups they belong to. */
export function useConsumerOptions() {
  const catalogApi = useApi(catalogApiRef);
  const identityApi = useApi(identityApiRef);
  return useAsync(async () => {
    const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
    const [components, groups] = await Promise.all([
      catalogApi.getEntities({
        filter: { kind: 'component', 'relations.ownedBy': ownershipEntityRefs },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'relations',
        ],
      }),
      catalogApi.getEntitiesByRefs({
        entityRefs: ownershipEntityRefs.filter(ref => ref.startsWith('group:')),
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'spec.type',
          'spec.profile.displayName',
        ],
      }),
    ]);
    const partners = groups.items.filter(
      (group): group is Entity =>
        !!group && EXTERNAL_GROUP_TYPES.includes(String(group.spec?.type)),
    );
    return [...components.items, ...partners].map(entity => ({
      ref: stringifyEntityRef(entity),
      label:
        entity.kind === 'Group'
          ? `${
              (entity.spec?.profile as { displayName?: string } | undefined)
                ?.displayName ??
              entity.metadata.title ??
              entity.metadata.name
            } (external ${entity.spec?.type})`
          : entity.metadata.title ??
            humanizeEntityRef(entity, { defaultKind: 'component' }),
    }));
  }, [catalogApi, identityApi]);
}
