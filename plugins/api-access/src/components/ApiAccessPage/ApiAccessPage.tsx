/*
 * The plugin's own page: "My requests" and "To review" with status filters,
 * one request's page at requests/:id, and an incident revocation's
 * progress at revocations/:batchId.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import MenuItem from '@material-ui/core/MenuItem';
import Tab from '@material-ui/core/Tab';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Tabs from '@material-ui/core/Tabs';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import {
  Content,
  Header,
  InfoCard,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { AccessRequestStatus } from '@api-access/backstage-plugin-api-access-common';
import { Route, Routes } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useLiveUpdates } from '../../hooks/useLiveUpdates';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { requestRouteRef } from '../../routes';
import { RequestPage } from '../RequestPage';
import { RevocationPage } from '../RevocationPage';
import {
  BulkDecisionBar,
  SelectAllCell,
  SelectCell,
  useSelection,
} from '../BulkDecision';
import { ReviewTimesPanel } from '../ReviewTimesPanel';
import { ClassificationChip, StatusChip } from '../Chips';
import { formatDate } from '../../format';

const STATUSES: Array<[AccessRequestStatus | '', string]> = [
  ['in_review', 'In review'],
  ['changes_requested', 'Changes requested'],
  ['approved', 'Approved'],
  ['rejected', 'Rejected'],
  ['withdrawn', 'Withdrawn'],
];

export function RequestList(props: { view: 'mine' | 'reviewable' }) {
  const { view } = props;
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const apiAccess = useApi(apiAccessApiRef);
  const requestLink = useRouteRef(requestRouteRef);
  const [status, setStatus] = useState<AccessRequestStatus | ''>('');
  const requests = useAsyncRetry(
    () => apiAccess.listRequests({ view, status: status || undefined }),
    [apiAccess, view, status],
  );
  useLiveUpdates(requests.retry, update => update.kind === 'request');
  // Reviewers may decide many requests in review at once.
  const items = requests.value?.items;
  const decidable = useMemo(
    () =>
      view === 'reviewable'
        ? (items ?? []).filter(r => r.status === 'in_review')
        : [],
    [items, view],
  );
  const decidableIds = useMemo(() => decidable.map(r => r.id), [decidable]);
  const selection = useSelection(decidableIds);
  const selectable = decidableIds.length > 0;

  let body: React.ReactNode;
  if (requests.loading && !requests.value) {
    body = <Progress />;
  } else if (requests.error) {
    body = <ResponseErrorPanel error={requests.error} />;
  } else if (!requests.value?.items.length) {
    body = (
      <Typography variant="body2" color="textSecondary">
        {view === 'mine'
          ? t('requestList.emptyMine')
          : t('requestList.emptyReviewable')}
      </Typography>
    );
  } else {
    body = (
      <>
        <Table
          size="small"
          aria-label={
            view === 'mine'
              ? t('requestList.mineLabel')
              : t('requestList.reviewableLabel')
          }
        >
          <TableHead>
            <TableRow>
              {selectable && (
                <SelectAllCell ids={decidableIds} selection={selection} />
              )}
              <TableCell>{t('requestList.api')}</TableCell>
              <TableCell>{t('requestList.consumer')}</TableCell>
              {view === 'reviewable' && (
                <TableCell>{t('requestList.requestedBy')}</TableCell>
              )}
              <TableCell>{t('requestList.environment')}</TableCell>
              <TableCell>{t('requestList.scopes')}</TableCell>
              <TableCell>{t('requestList.submitted')}</TableCell>
              <TableCell>{t('requestList.status')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {requests.value.items.map(request => (
              <TableRow key={request.id}>
                {selectable &&
                  (request.status === 'in_review' ? (
                    <SelectCell request={request} selection={selection} />
                  ) : (
                    <TableCell padding="checkbox" />
                  ))}
                <TableCell>
                  <Link
                    to={requestLink({ id: encodeURIComponent(request.id) })}
                  >
                    {request.apiRef.replace(/^api:(default\/)?/, '')}
                  </Link>{' '}
                  <ClassificationChip level={request.classification.level} />
                </TableCell>
                <TableCell>
                  <EntityRefLink entityRef={request.consumerRef} />
                </TableCell>
                {view === 'reviewable' && (
                  <TableCell>
                    <EntityRefLink entityRef={request.requesterRef} />
                  </TableCell>
                )}
                <TableCell>{request.environment}</TableCell>
                <TableCell>
                  {request.scopes.join(', ') || t('requestList.allScopes')}
                </TableCell>
                <TableCell>{formatDate(request.createdAt)}</TableCell>
                <TableCell>
                  <StatusChip status={request.status} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </>
    );
  }
  return (
    <>
      <Box mb={2}>
        <TextField
          select
          id={`api-access-status-${view}`}
          label={t('requestList.status')}
          value={status}
          onChange={e => setStatus(e.target.value as AccessRequestStatus | '')}
          style={{ minWidth: 220 }}
        >
          <MenuItem value="">{t('requestList.anyStatus')}</MenuItem>
          {STATUSES.map(([value, label]) => (
            <MenuItem key={value || 'any'} value={value}>
              {label}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {/* Outside the list: an open bulk dialog outlives the rows it decided. */}
      {view === 'reviewable' && (
        <BulkDecisionBar
          requests={decidable}
          selection={selection}
          onDecided={requests.retry}
        />
      )}
      {body}
    </>
  );
}

function Overview() {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const [tab, setTab] = useState(0);
  return (
    <InfoCard>
      <Tabs
        value={tab}
        onChange={(_e, value) => setTab(value)}
        aria-label={t('page.tabsLabel')}
        indicatorColor="primary"
      >
        <Tab label={t('page.myRequests')} />
        <Tab label={t('page.toReview')} />
        <Tab label={t('page.reviewTimes')} />
      </Tabs>
      <Box mt={2}>
        {tab === 0 && <RequestList view="mine" />}
        {tab === 1 && <RequestList view="reviewable" />}
        {tab === 2 && <ReviewTimesPanel />}
      </Box>
    </InfoCard>
  );
}

export function ApiAccessPage() {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  return (
    <Page themeId="tool">
      <Header title={t('page.title')} subtitle={t('page.subtitle')} />
      <Content>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/requests/:id" element={<RequestPage />} />
          <Route path="/revocations/:batchId" element={<RevocationPage />} />
        </Routes>
      </Content>
    </Page>
  );
}
