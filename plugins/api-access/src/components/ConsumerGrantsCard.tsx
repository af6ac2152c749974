/*
 * On a Component's (or partner Group's) page: the API access it holds.
 */
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { StatusChip, errorMessage, formatDate } from './shared';

export function ConsumerGrantsCard() {
  const { entity } = useEntity();
  const consumerRef = stringifyEntityRef(entity);
  const apiAccess = useApi(apiAccessApiRef);
  const grants = useAsync(
    () => apiAccess.listGrants({ consumerRef }),
    [apiAccess, consumerRef],
  );

  let content: React.ReactNode;
  if (grants.loading) {
    content = <Progress />;
  } else if (grants.error) {
    content = <Alert severity="error">{errorMessage(grants.error)}</Alert>;
  } else if (!grants.value?.length) {
    content = (
      <Typography variant="body2" color="textSecondary">
        This component holds no API access yet. Request it from the API's page.
      </Typography>
    );
  } else {
    content = (
      <Table size="small" aria-label="API access held">
        <TableHead>
          <TableRow>
            <TableCell>API</TableCell>
            <TableCell>Environment</TableCell>
            <TableCell>Scopes</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Expires</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {grants.value.map(grant => (
            <TableRow key={grant.id}>
              <TableCell>
                <EntityRefLink entityRef={grant.apiRef} />
              </TableCell>
              <TableCell>{grant.environment}</TableCell>
              <TableCell>{grant.scopes.join(', ') || 'all'}</TableCell>
              <TableCell>
                <StatusChip status={grant.status} />
              </TableCell>
              <TableCell>{formatDate(grant.expiresAt)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }
  return <InfoCard title="API access held">{content}</InfoCard>;
}
