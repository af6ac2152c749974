/*
 * On a Component's (or partner Group's) page: the API access it holds, each
 * grant's credential (by its public prefix) and last use, and for the
 * requester the "Get credential", "Rotate" and "Revoke" actions. In an
 * incident, owners of the APIs it uses and admins can revoke all of its
 * access at once (owners: the grants on their APIs).
 */
import { useState } from 'react';
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import {
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApiHolder } from '@backstage/core-plugin-api';
import { catalogApiRef, useEntity } from '@backstage/plugin-catalog-react';
import {
  apiAccessAdminPermission,
  apiAccessGrantRevokePermission,
} from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { useAllowed } from '../../hooks/useAllowed';
import { useGrants } from '../../hooks/useGrants';
import { GrantsTable } from '../GrantsTable';
import { RevokeAllDialog } from '../RevokeAllDialog';

/** Whether the signed-in user's groups own one of these APIs (per the catalog). */
function useOwnsAnyApi(apiRefs: string[], refs: string[] | undefined) {
  const catalogApi = useApiHolder().get(catalogApiRef);
  const key = JSON.stringify([apiRefs, refs]);
  return useAsync(async () => {
    if (!catalogApi || !refs || apiRefs.length === 0) return false;
    const { items } = await catalogApi.getEntitiesByRefs({
      entityRefs: apiRefs,
      fields: ['relations'],
    });
    return items.some(api =>
      (api?.relations ?? []).some(
        r => r.type === RELATION_OWNED_BY && refs.includes(r.targetRef),
      ),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [catalogApi, key]).value;
}

export function ConsumerGrantsCard() {
  const { entity } = useEntity();
  const consumerRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const grants = useGrants({ consumerRef });
  const mayRevoke = useAllowed(apiAccessGrantRevokePermission);
  const isAdmin = useAllowed(apiAccessAdminPermission);
  const [revokingAll, setRevokingAll] = useState(false);
  const activeApis = [
    ...new Set(
      (grants.value?.items ?? [])
        .filter(grant => grant.status === 'active')
        .map(grant => grant.apiRef),
    ),
  ].sort();
  const ownsAnyApi = useOwnsAnyApi(activeApis, grants.value?.refs);

  let content: React.ReactNode;
  if (grants.loading && !grants.value) {
    content = <Progress />;
  } else if (grants.error) {
    content = <ResponseErrorPanel error={grants.error} />;
  } else if (!grants.value?.items.length) {
    content = (
      <Typography variant="body2" color="textSecondary">
        {t('consumerGrantsCard.empty')}
      </Typography>
    );
  } else {
    const { items, me } = grants.value;
    content = (
      <>
        {mayRevoke && (isAdmin || ownsAnyApi) && activeApis.length > 0 && (
          <Box display="flex" justifyContent="flex-end" mb={1}>
            <Button
              color="secondary"
              variant="outlined"
              onClick={() => setRevokingAll(true)}
            >
              Revoke all access…
            </Button>
          </Box>
        )}
        <GrantsTable
          grants={items}
          show="api"
          me={me}
          // The backend also lets the API's owners and admins revoke; here,
          // on the consumer's page, the requester is the one who acts.
          canManage={grant => grant.requesterRef === me}
          // Suspending and plan changes belong to the API's owners, on the
          // API's page or their Group's; admins may act from here too.
          canAdminister={() => isAdmin}
          onChanged={grants.retry}
          label={t('consumerGrantsCard.title')}
        />
        {revokingAll && (
          <RevokeAllDialog
            selector={{ consumerRef }}
            onClose={() => {
              setRevokingAll(false);
              grants.retry();
            }}
          />
        )}
      </>
    );
  }
  return <InfoCard title={t('consumerGrantsCard.title')}>{content}</InfoCard>;
}
