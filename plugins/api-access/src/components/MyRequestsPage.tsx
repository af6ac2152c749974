/*
 * The plugin's own page: the signed-in user's requests and their status.
 */
import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  Content,
  Header,
  InfoCard,
  Page,
  Progress,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { StatusChip, errorMessage, formatDate } from './shared';

export function MyRequestsContent() {
  const apiAccess = useApi(apiAccessApiRef);
  const requests = useAsyncRetry(
    () => apiAccess.listRequests({ view: 'mine' }),
    [apiAccess],
  );
  const [actionError, setActionError] = useState<string>();

  async function withdraw(id: string) {
    setActionError(undefined);
    try {
      await apiAccess.withdraw(id);
    } catch (e) {
      setActionError(errorMessage(e));
    }
    requests.retry();
  }

  if (requests.loading && !requests.value) return <Progress />;
  if (requests.error)
    return <Alert severity="error">{errorMessage(requests.error)}</Alert>;
  if (!requests.value?.items.length) {
    return (
      <Typography variant="body2" color="textSecondary">
        You have not requested API access yet. Open an API in the catalog and
        choose "Request access".
      </Typography>
    );
  }
  return (
    <>
      {actionError && (
        <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
          {actionError}
        </Alert>
      )}
      <Table size="small" aria-label="My access requests">
        <TableHead>
          <TableRow>
            <TableCell>API</TableCell>
            <TableCell>Consumer</TableCell>
            <TableCell>Environment</TableCell>
            <TableCell>Scopes</TableCell>
            <TableCell>Submitted</TableCell>
            <TableCell>Status</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {requests.value.items.map(request => (
            <TableRow key={request.id}>
              <TableCell>
                <EntityRefLink entityRef={request.apiRef} />
              </TableCell>
              <TableCell>
                <EntityRefLink entityRef={request.consumerRef} />
              </TableCell>
              <TableCell>{request.environment}</TableCell>
              <TableCell>{request.scopes.join(', ') || 'all'}</TableCell>
              <TableCell>{formatDate(request.createdAt)}</TableCell>
              <TableCell>
                <StatusChip status={request.status} />
              </TableCell>
              <TableCell>
                {(request.status === 'in_review' ||
                  request.status === 'changes_requested') && (
                  <Button size="small" onClick={() => withdraw(request.id)}>
                    Withdraw
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}

export function MyRequestsPage() {
  return (
    <Page themeId="tool">
      <Header
        title="API access"
        subtitle="Your requests for access to APIs in the catalog"
      />
      <Content>
        <InfoCard title="My requests">
          <MyRequestsContent />
        </InfoCard>
      </Content>
    </Page>
  );
}
