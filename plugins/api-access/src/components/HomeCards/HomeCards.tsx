/*
 * The portal's front door: two home-page cards. "Waiting for my review" lists
 * the requests a pending step of one of my groups waits on (the same list as
 * the "To review" tab), and "My access expiring soon" lists the active
 * grants I asked for that end within a few weeks, with a countdown. Both
 * reload when a live update arrives (signals). They render only their
 * content: the home page's card frame gives the title.
 */
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import {
  identityApiRef,
  useApi,
  useRouteRef,
} from '@backstage/core-plugin-api';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useLiveUpdates } from '../../hooks/useLiveUpdates';
import { requestRouteRef, rootRouteRef } from '../../routes';
import { countdown, formatDate } from '../../format';

/** The most rows a card shows; the rest are behind its link. */
export const HOME_CARD_ROWS = 5;
/** "Expiring soon" means within this many days, unless a card says otherwise. */
export const EXPIRING_WITHIN_DAYS = 30;

const short = (ref: string) => ref.replace(/^[a-z]+:(default\/)?/i, '');

/** "Waiting for my review": what my groups' pending steps wait on. */
export function ReviewQueueHomeCardContent() {
  const apiAccess = useApi(apiAccessApiRef);
  const requestLink = useRouteRef(requestRouteRef);
  const rootLink = useRouteRef(rootRouteRef);
  const queue = useAsyncRetry(
    () => apiAccess.listRequests({ view: 'reviewable' }),
    [apiAccess],
  );
  useLiveUpdates(queue.retry, update => update.kind === 'request');

  if (queue.loading && !queue.value) return <Progress />;
  if (queue.error) return <ResponseErrorPanel error={queue.error} />;
  const items = queue.value?.items ?? [];
  if (items.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        Nothing is waiting for your review.
      </Typography>
    );
  }
  const more = items.length - HOME_CARD_ROWS;
  return (
    <>
      <List dense aria-label="Requests waiting for my review">
        {items.slice(0, HOME_CARD_ROWS).map(request => (
          <ListItem key={request.id} disableGutters>
            <ListItemText
              primary={
                <Link to={requestLink({ id: encodeURIComponent(request.id) })}>
                  {short(request.apiRef)} for {short(request.consumerRef)}
                </Link>
              }
              secondary={`${request.environment} · asked by ${short(
                request.requesterRef,
              )} on ${formatDate(request.createdAt)}`}
            />
          </ListItem>
        ))}
      </List>
      <Link to={rootLink()}>
        {more > 0
          ? `${more}${queue.value?.nextCursor ? '+' : ''} more to review`
          : 'Open API access'}
      </Link>
    </>
  );
}

/** The active grants that end within `days`, soonest first. */
export function expiringSoon(
  grants: Grant[],
  days: number,
  now = Date.now(),
): Grant[] {
  const until = now + days * 24 * 60 * 60 * 1000;
  return grants
    .filter(g => g.status === 'active')
    .filter(g => {
      const at = Date.parse(g.expiresAt);
      return at > now && at <= until;
    })
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
}

/** "My access expiring soon": grants I asked for that end within `days`. */
export function ExpiringAccessHomeCardContent(props: { days?: number }) {
  const days = props.days ?? EXPIRING_WITHIN_DAYS;
  const apiAccess = useApi(apiAccessApiRef);
  const identityApi = useApi(identityApiRef);
  const requestLink = useRouteRef(requestRouteRef);
  const grants = useAsyncRetry(async () => {
    const { userEntityRef } = await identityApi.getBackstageIdentity();
    return apiAccess.listGrants({ requesterRef: userEntityRef });
  }, [apiAccess, identityApi]);
  useLiveUpdates(grants.retry);

  if (grants.loading && !grants.value) return <Progress />;
  if (grants.error) return <ResponseErrorPanel error={grants.error} />;
  const soon = expiringSoon(grants.value ?? [], days);
  if (soon.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        None of your access ends in the next {days} days.
      </Typography>
    );
  }
  return (
    <List dense aria-label="My access expiring soon">
      {soon.slice(0, HOME_CARD_ROWS).map(grant => (
        <ListItem key={grant.id} disableGutters>
          <ListItemText
            primary={
              <Link
                to={requestLink({ id: encodeURIComponent(grant.requestId) })}
              >
                {short(grant.apiRef)} for {short(grant.consumerRef)}
              </Link>
            }
            secondary={`${grant.environment} · ends ${countdown(
              grant.expiresAt,
            )} (${formatDate(grant.expiresAt)}); renew it on ${short(
              grant.consumerRef,
            )}'s page`}
          />
        </ListItem>
      ))}
    </List>
  );
}
