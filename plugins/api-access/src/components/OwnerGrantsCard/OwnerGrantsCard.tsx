/*
 * On a Group's page, for the owners of APIs: the access to their APIs that
 * needs a look — expiring, stale, orphaned, suspended, or a revocation that
 * failed at a provisioner — with revoke, suspend, plan changes and usage at
 * hand. Quiet when all is well.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { useState } from 'react';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  Grant,
  apiAccessAdminPermission,
} from '@api-access/backstage-plugin-api-access-common';
import { useAllowed } from '../../hooks/useAllowed';
import { useGrants } from '../../hooks/useGrants';
import { GrantsTable } from '../GrantsTable';

export function needsAttention(grant: Grant): boolean {
  return (
    grant.status === 'revocation_failed' ||
    grant.status === 'suspended' ||
    grant.provisioning?.state === 'failed' ||
    (grant.status === 'active' && (grant.flags ?? []).length > 0)
  );
}

export function OwnerGrantsCard() {
  const { entity } = useEntity();
  const ownerRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const [showAll, setShowAll] = useState(false);
  const grants = useGrants({ ownerRef });
  const isAdmin = useAllowed(apiAccessAdminPermission);

  let content: React.ReactNode;
  if (grants.loading && !grants.value) {
    content = <Progress />;
  } else if (grants.error) {
    content = <ResponseErrorPanel error={grants.error} />;
  } else {
    const { items, me, refs } = grants.value!;
    const shown = showAll ? items : items.filter(needsAttention);
    const member = refs.includes(ownerRef);
    content = (
      <>
        <FormControlLabel
          control={
            <Switch
              checked={showAll}
              onChange={e => setShowAll(e.target.checked)}
              color="primary"
            />
          }
          label={t('ownerGrantsCard.showAll', { total: String(items.length) })}
        />
        {shown.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            {items.length === 0
              ? t('ownerGrantsCard.empty')
              : t('ownerGrantsCard.allWell')}
          </Typography>
        ) : (
          <GrantsTable
            grants={shown}
            show="consumer"
            me={me}
            canManage={grant => member || grant.requesterRef === me}
            canAdminister={() => member || isAdmin}
            onChanged={grants.retry}
            label={t('ownerGrantsCard.tableLabel')}
          />
        )}
      </>
    );
  }
  return <InfoCard title={t('ownerGrantsCard.title')}>{content}</InfoCard>;
}
