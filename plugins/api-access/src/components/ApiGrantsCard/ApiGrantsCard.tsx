/*
 * On an API's page: who holds access to it, in which environment, with which
 * scopes, and when each credential was last used. The API's owners (and
 * admins, whom the backend knows) can revoke from here, one grant or, in an
 * incident, all of them at once.
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
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  apiAccessAdminPermission,
  apiAccessGrantRevokePermission,
} from '@api-access/backstage-plugin-api-access-common';
import { useAllowed } from '../../hooks/useAllowed';
import { useGrants } from '../../hooks/useGrants';
import { GrantsTable } from '../GrantsTable';
import { RevokeAllDialog } from '../RevokeAllDialog';

export function ApiGrantsCard() {
  const { entity } = useEntity();
  const apiRef = stringifyEntityRef(entity);
  const owners = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const grants = useGrants({ apiRef });
  const mayRevoke = useAllowed(apiAccessGrantRevokePermission);
  const isAdmin = useAllowed(apiAccessAdminPermission);
  const [revokingAll, setRevokingAll] = useState(false);

  let content: React.ReactNode;
  if (grants.loading && !grants.value) {
    content = <Progress />;
  } else if (grants.error) {
    content = <ResponseErrorPanel error={grants.error} />;
  } else if (!grants.value?.items.length) {
    content = (
      <Typography variant="body2" color="textSecondary">
        {t('apiGrantsCard.empty')}
      </Typography>
    );
  } else {
    const { items, me, refs } = grants.value;
    const ownsApi = owners.some(ref => refs.includes(ref));
    const anyActive = items.some(
      grant => grant.status === 'active' || grant.status === 'suspended',
    );
    content = (
      <>
        {mayRevoke && (ownsApi || isAdmin) && anyActive && (
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
          show="consumer"
          me={me}
          canManage={grant => ownsApi || grant.requesterRef === me}
          canAdminister={() => ownsApi || isAdmin}
          onChanged={grants.retry}
          label={t('apiGrantsCard.title')}
        />
        {revokingAll && (
          <RevokeAllDialog
            selector={{ apiRef }}
            onClose={() => {
              setRevokingAll(false);
              grants.retry();
            }}
          />
        )}
      </>
    );
  }
  return <InfoCard title={t('apiGrantsCard.title')}>{content}</InfoCard>;
}
