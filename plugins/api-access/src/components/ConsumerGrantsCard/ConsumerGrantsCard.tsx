/*
 * On a Component's (or partner Group's) page: the API access it holds, each
 * grant's credential (by its public prefix) and last use, and for the
 * requester the "Get credential", "Rotate" and "Revoke" actions.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { GrantsTable } from '../GrantsTable';
import { errorMessage } from '../../format';

export function ConsumerGrantsCard() {
  const { entity } = useEntity();
  const consumerRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const apiAccess = useApi(apiAccessApiRef);
  const identityApi = useApi(identityApiRef);
  const grants = useAsyncRetry(async () => {
    const [items, me] = await Promise.all([
      apiAccess.listGrants({ consumerRef }),
      identityApi.getBackstageIdentity(),
    ]);
    return { items, me: me.userEntityRef };
  }, [apiAccess, identityApi, consumerRef]);

  let content: React.ReactNode;
  if (grants.loading && !grants.value) {
    content = <Progress />;
  } else if (grants.error) {
    content = <Alert severity="error">{errorMessage(grants.error)}</Alert>;
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
