/*
 * The "API access" tab of Component, API and Group pages: the same grants and
 * reviews as the overview cards, one above the other at the page's full
 * width, where the grants table has room for its columns.
 */
import Grid from '@material-ui/core/Grid';
import { Entity } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { EXTERNAL_GROUP_TYPES } from '@api-access/backstage-plugin-api-access-common';
import { AccessReviewCard } from '../AccessReviewCard';
import { ApiAccessCard } from '../ApiAccessCard';
import { ApiGrantsCard } from '../ApiGrantsCard';
import { ConsumerGrantsCard } from '../ConsumerGrantsCard';
import { OwnerGrantsCard } from '../OwnerGrantsCard';
import { ReviewInboxCard } from '../ReviewInboxCard';

export { hasApiAccessContent } from './hasApiAccessContent';

const kindOf = (entity: Entity) => entity.kind.toLocaleLowerCase('en-US');

function sectionsOf(entity: Entity): JSX.Element[] {
  switch (kindOf(entity)) {
    case 'api':
      return [<ApiAccessCard key="api" />, <ApiGrantsCard key="grants" />];
    case 'component':
      return [<ConsumerGrantsCard key="grants" />];
    case 'group':
      return [
        <ReviewInboxCard key="inbox" />,
        <AccessReviewCard key="reviews" />,
        <OwnerGrantsCard key="owner" />,
        ...(EXTERNAL_GROUP_TYPES.includes(String(entity.spec?.type))
          ? [<ConsumerGrantsCard key="held" />]
          : []),
      ];
    default:
      return [];
  }
}

export function EntityApiAccessContent() {
  const { entity } = useEntity();
  return (
    <Grid container spacing={3} alignItems="stretch">
      {sectionsOf(entity).map(section => (
        <Grid item xs={12} key={section.key}>
          {section}
        </Grid>
      ))}
    </Grid>
  );
}
