/*
 * On a Group's page: the access requests waiting for this group's decision,
 * with enough context to decide in one screen.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  identityApiRef,
  useApi,
  useRouteRef,
} from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import {
  AccessRequest,
  apiAccessRequestDecidePermission,
} from '@api-access/backstage-plugin-api-access-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useAllowed } from '../../hooks/useAllowed';
import { useLiveUpdates } from '../../hooks/useLiveUpdates';
import { DecisionDialog, DecisionKind } from '../DecisionDialog';
import {
  BulkDecisionBar,
  SelectAllCell,
  SelectCell,
  useSelection,
} from '../BulkDecision';
import { requestRouteRef } from '../../routes';
import { ClassificationChip } from '../Chips';
import { formatDate } from '../../format';

const DONE: Record<DecisionKind, string> = {
  approve: 'Approved',
  reject: 'Rejected',
  request_changes: 'Sent back for changes:',
};

/** Approve, changes and reject, when the policy lets the user decide this request. */
function DecisionButtons(props: {
  request: AccessRequest;
  onDecide: (decision: DecisionKind) => void;
}) {
  const { request, onDecide } = props;
  const mayDecide = useAllowed(apiAccessRequestDecidePermission, request.id);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  if (!mayDecide) return null;
  return (
    <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
      <Button
        size="small"
        color="primary"
        variant="contained"
        onClick={() => onDecide('approve')}
        aria-label={`Approve ${request.apiRef} for ${request.consumerRef}`}
      >
        {t('reviewInbox.approve')}
      </Button>
      <Button
        size="small"
        variant="outlined"
        onClick={() => onDecide('request_changes')}
        aria-label={`Request changes to ${request.apiRef} for ${request.consumerRef}`}
      >
        {t('reviewInbox.changes')}
      </Button>
      <Button
        size="small"
        variant="outlined"
        onClick={() => onDecide('reject')}
        aria-label={`Reject ${request.apiRef} for ${request.consumerRef}`}
      >
        {t('reviewInbox.reject')}
      </Button>
    </Box>
  );
}

export function ReviewInboxCard() {
  const { entity } = useEntity();
  const groupRef = stringifyEntityRef(entity);
  const apiAccess = useApi(apiAccessApiRef);
  const requestLink = useRouteRef(requestRouteRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const identityApi = useApi(identityApiRef);
  const [deciding, setDeciding] = useState<{
    request: AccessRequest;
    decision: DecisionKind;
  }>();
  const [notice, setNotice] = useState<string>();

  const inbox = useAsyncRetry(async () => {
    const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
    const isMember = ownershipEntityRefs.includes(groupRef);
    if (!isMember) {
      return { isMember, items: [] as AccessRequest[] };
    }
    const page = await apiAccess.listRequests({
      view: 'reviewable',
      reviewerRef: groupRef,
    });
    return { isMember, items: page.items };
  }, [apiAccess, identityApi, groupRef]);

  // A request arrived or a teammate decided one: reload the inbox.
  useLiveUpdates(inbox.retry, update => update.kind === 'request');
  const items = inbox.value?.items;
  const ids = useMemo(() => (items ?? []).map(r => r.id), [items]);
  const selection = useSelection(ids);

  let content: React.ReactNode;
  if (inbox.loading && !inbox.value) {
    content = <Progress />;
  } else if (inbox.error) {
    content = <ResponseErrorPanel error={inbox.error} />;
  } else if (inbox.value && !inbox.value.isMember) {
    content = (
      <Typography variant="body2" color="textSecondary">
        {t('reviewInbox.notMember')}
      </Typography>
    );
  } else if (inbox.value?.items.length === 0) {
    content = (
      <Typography variant="body2" color="textSecondary">
        {t('reviewInbox.empty')}
      </Typography>
    );
  } else {
    content = (
      <>
        <Table size="small" aria-label={t('reviewInbox.tableLabel')}>
          <TableHead>
            <TableRow>
              <SelectAllCell ids={ids} selection={selection} />
              <TableCell>{t('reviewInbox.request')}</TableCell>
              <TableCell>{t('reviewInbox.access')}</TableCell>
              <TableCell>{t('reviewInbox.why')}</TableCell>
              <TableCell align="right">Decision</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {inbox.value!.items.map(request => (
              <TableRow
                key={request.id}
                data-testid={`review-${request.id}`}
                style={{ verticalAlign: 'top' }}
              >
                <SelectCell request={request} selection={selection} />
                <TableCell style={{ minWidth: 180 }}>
                  <EntityRefLink entityRef={request.apiRef} />{' '}
                  <ClassificationChip level={request.classification.level} />
                  <Typography
                    variant="body2"
                    component="div"
                    style={{ marginTop: 4 }}
                  >
                    for <EntityRefLink entityRef={request.consumerRef} />
                    {request.consumerKind === 'external' && (
                      <Typography
                        variant="caption"
                        color="secondary"
                        component="span"
                      >
                        {' '}
                        {t('reviewInbox.externalParty')}
                      </Typography>
                    )}
                  </Typography>
                  <Typography
                    variant="caption"
                    color="textSecondary"
                    component="div"
                  >
                    by <EntityRefLink entityRef={request.requesterRef} /> on{' '}
                    {formatDate(request.createdAt)}
                  </Typography>
                  <Typography variant="caption" component="div">
                    <Link
                      to={requestLink({ id: encodeURIComponent(request.id) })}
                    >
                      {t('reviewInbox.openRequest')}
                    </Link>
                  </Typography>
                </TableCell>
                <TableCell style={{ minWidth: 120 }}>
                  <Typography variant="body2">{request.environment}</Typography>
                  {request.requestedPlan && (
                    <Typography variant="caption" display="block">
                      {t('plans.planLine', { plan: request.requestedPlan })}
                      {request.approvedPlan &&
                      request.approvedPlan !== request.requestedPlan
                        ? `, ${t('plans.approvedLower', {
                            plan: request.approvedPlan,
                          })}`
                        : ''}
                    </Typography>
                  )}
                  <Typography variant="caption" display="block">
                    {request.scopes.join(', ') || 'no scopes'}
                  </Typography>
                  <Typography
                    variant="caption"
                    display="block"
                    color="textSecondary"
                  >
                    {request.durationDays} days
                  </Typography>
                </TableCell>
                <TableCell>
                  <Typography variant="body2">{request.useCase}</Typography>
                  <Typography
                    variant="caption"
                    display="block"
                    color="textSecondary"
                  >
                    {request.justification}
                  </Typography>
                  <Typography
                    variant="caption"
                    display="block"
                    color="textSecondary"
                  >
                    Storage: {request.credentialStorage}
                  </Typography>
                </TableCell>
                <TableCell
                  align="right"
                  style={{ whiteSpace: 'nowrap', minWidth: 120 }}
                >
                  <DecisionButtons
                    request={request}
                    onDecide={decision => setDeciding({ request, decision })}
                  />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </>
    );
  }

  return (
    <InfoCard title={t('reviewInbox.title')}>
      {notice && (
        <Alert
          severity="success"
          onClose={() => setNotice(undefined)}
          style={{ marginBottom: 16 }}
        >
          {notice}
        </Alert>
      )}
      {/* Outside the list: an open bulk dialog outlives the rows it decided. */}
      <BulkDecisionBar
        requests={items ?? []}
        selection={selection}
        onDecided={inbox.retry}
      />
      {content}
      {deciding && (
        <DecisionDialog
          request={deciding.request}
          decision={deciding.decision}
          onClose={() => setDeciding(undefined)}
          onDecided={result => {
            setNotice(
              `${DONE[deciding.decision]} ${deciding.request.apiRef} for ${
                deciding.request.consumerRef
              } (now ${result.status.replace('_', ' ')}).`,
            );
            setDeciding(undefined);
            inbox.retry();
          }}
        />
      )}
    </InfoCard>
  );
}
