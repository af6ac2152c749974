/*
 * The plugin's own page: "My requests" and "To review" with status filters,
 * and one request's page at requests/:id.
 */
import { useState } from 'react';
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
import Alert from '@material-ui/lab/Alert';
import {
  Content,
  Header,
  InfoCard,
  Link,
  Page,
  Progress,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { AccessRequestStatus } from '@api-access/backstage-plugin-api-access-common';
import { Route, Routes } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { requestRouteRef } from '../../routes';
import { RequestPage } from '../RequestPage';
import { ReviewTimesPanel } from '../ReviewTimesPanel';
import { ClassificationChip, StatusChip } from '../Chips';
import { errorMessage, formatDate } from '../../format';

const STATUSES: Array<[AccessRequestStatus | '', string]> = [
  ['', 'Any status'],
  ['in_review', 'In review'],
  ['changes_requested', 'Changes requested'],
  ['approved', 'Approved'],
  ['rejected', 'Rejected'],
  ['withdrawn', 'Withdrawn'],
];

export function RequestList(props: { view: 'mine' | 'reviewable' }) {
  const { view } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const requestLink = useRouteRef(requestRouteRef);
  const [status, setStatus] = useState<AccessRequestStatus | ''>('');
  const requests = useAsync(
    () => apiAccess.listRequests({ view, status: status || undefined }),
    [apiAccess, view, status],
  );

  let body: React.ReactNode;
  if (requests.loading) {
    body = <Progress />;
  } else if (requests.error) {
    body = <Alert severity="error">{errorMessage(requests.error)}</Alert>;
  } else if (!requests.value?.items.length) {
    body = (
      <Typography variant="body2" color="textSecondary">
        {view === 'mine'
          ? 'No requests here. Open an API in the catalog and choose "Request access".'
          : 'Nothing is waiting for your decision.'}
      </Typography>
    );
  } else {
    body = (
      <Table
        size="small"
        aria-label={
          view === 'mine' ? 'My access requests' : 'Requests to review'
        }
      >
        <TableHead>
          <TableRow>
            <TableCell>API</TableCell>
            <TableCell>Consumer</TableCell>
            {view === 'reviewable' && <TableCell>Requested by</TableCell>}
            <TableCell>Environment</TableCell>
            <TableCell>Scopes</TableCell>
            <TableCell>Submitted</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {requests.value.items.map(request => (
            <TableRow key={request.id}>
              <TableCell>
                <Link to={requestLink({ id: encodeURIComponent(request.id) })}>
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
              <TableCell>{request.scopes.join(', ') || 'all'}</TableCell>
              <TableCell>{formatDate(request.createdAt)}</TableCell>
              <TableCell>
                <StatusChip status={request.status} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }
  return (
    <>
      <Box mb={2}>
        <TextField
          select
          id={`api-access-status-${view}`}
          label="Status"
          value={status}
          onChange={e => setStatus(e.target.value as AccessRequestStatus | '')}
          style={{ minWidth: 220 }}
        >
          {STATUSES.map(([value, label]) => (
            <MenuItem key={value || 'any'} value={value}>
              {label}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {body}
    </>
  );
}

function Overview() {
  const [tab, setTab] = useState(0);
  return (
    <InfoCard>
      <Tabs
        value={tab}
        onChange={(_e, value) => setTab(value)}
        aria-label="Access requests"
        indicatorColor="primary"
      >
        <Tab label="My requests" />
        <Tab label="To review" />
        <Tab label="Review times" />
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
  return (
    <Page themeId="tool">
      <Header
        title="API access"
        subtitle="Requests for access to APIs in the catalog"
      />
      <Content>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/requests/:id" element={<RequestPage />} />
        </Routes>
      </Content>
    </Page>
  );
}
