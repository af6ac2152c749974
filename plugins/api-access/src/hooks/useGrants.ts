/* Grants for one consumer, API or owner, with who is signed in: what the grants cards show. */
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { useLiveUpdates } from './useLiveUpdates';

export function useGrants(query: {
  consumerRef?: string;
  apiRef?: string;
  ownerRef?: string;
  requesterRef?: string;
}) {
  const apiAccess = useApi(apiAccessApiRef);
  const identityApi = useApi(identityApiRef);
  // The query by value, so a new object with the same refs does not refetch.
  const key = JSON.stringify(query);
  const grants = useAsyncRetry(async () => {
    const [items, me] = await Promise.all([
      apiAccess.listGrants(JSON.parse(key)),
      identityApi.getBackstageIdentity(),
    ]);
    return { items, me: me.userEntityRef, refs: me.ownershipEntityRefs };
  }, [apiAccess, identityApi, key]);
  // A grant was revoked, renewed or created somewhere else: reload.
  useLiveUpdates(grants.retry);
  return grants;
}
