/*
 * On an API's page: who holds access to it, in which environment, with which
 * scopes, and when each credential was last used. The API's owners (and
 * admins, whom the backend knows) can revoke from here.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
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
import { useGrants } from '../../hooks/useGrants';
import { GrantsTable } from '../GrantsTable';

export function ApiGrantsCard() {
  const { entity } = useEntity();
  const apiRef = stringifyEntityRef(entity);
  const owners = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const grants = useGrants({ apiRef });

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
    content = (
      <GrantsTable
        grants={items}
        show="consumer"
        me={me}
        canManage={grant => ownsApi || grant.requesterRef === me}
        onChanged={grants.retry}
        label={t('apiGrantsCard.title')}
      />
    );
  }
  return <InfoCard title={t('apiGrantsCard.title')}>{content}</InfoCard>;
}
