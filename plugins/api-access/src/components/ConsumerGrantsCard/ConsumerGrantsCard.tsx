/*
 * On a Component's (or partner Group's) page: the API access it holds, each
 * grant's credential (by its public prefix) and last use, and for the
 * requester the "Get credential", "Rotate" and "Revoke" actions.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import Typography from '@material-ui/core/Typography';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { useGrants } from '../../hooks/useGrants';
import { GrantsTable } from '../GrantsTable';

export function ConsumerGrantsCard() {
  const { entity } = useEntity();
  const consumerRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const grants = useGrants({ consumerRef });

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
      <GrantsTable
        grants={items}
        show="api"
        me={me}
        // The backend also lets the API's owners and admins revoke; here,
        // on the consumer's page, the requester is the one who acts.
        canManage={grant => grant.requesterRef === me}
        onChanged={grants.retry}
        label={t('consumerGrantsCard.title')}
      />
    );
  }
  return <InfoCard title={t('consumerGrantsCard.title')}>{content}</InfoCard>;
}
