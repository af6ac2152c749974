/*
 * On a Component's (or partner Group's) page: the API access it holds, each
 * grant's credential (by its public prefix) and last use, and for the
 * requester the "Get credential" / "Rotate" action.
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
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { Grant } from '@internal/plugin-api-access-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { CredentialDialog } from './CredentialDialog';
import { StatusChip, errorMessage, formatDate, formatDateTime } from './shared';

export function ConsumerGrantsCard() {
  const { entity } = useEntity();
  const consumerRef = stringifyEntityRef(entity);
  const apiAccess = useApi(apiAccessApiRef);
  const identityApi = useApi(identityApiRef);
  const [credentialFor, setCredentialFor] = useState<Grant>();
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
        This component holds no API access yet. Request it from the API's page.
      </Typography>
    );
  } else {
    const { items, me } = grants.value;
    content = (
      <Table size="small" aria-label="API access held">
        <TableHead>
          <TableRow>
            <TableCell>API</TableCell>
            <TableCell>Environment</TableCell>
            <TableCell>Scopes</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell>Credential</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map(grant => (
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
              <TableCell>
                <Typography variant="body2">
                  {grant.credential
                    ? `API key ${grant.credential.prefix}…`
                    : 'none yet'}
                </Typography>
                <Typography
                  variant="caption"
                  color="textSecondary"
                  display="block"
                >
                  {grant.lastUsedAt
                    ? `last used ${formatDateTime(grant.lastUsedAt)}`
                    : 'never used'}
                </Typography>
                {grant.requesterRef === me && grant.status === 'active' && (
                  <Button
                    size="small"
                    color="primary"
                    onClick={() => setCredentialFor(grant)}
                    aria-label={`${
                      grant.credential ? 'Rotate' : 'Get'
                    } credential for ${grant.apiRef}`}
                  >
                    {grant.credential ? 'Rotate' : 'Get credential'}
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }
  return (
    <InfoCard title="API access held">
      {content}
      {credentialFor && (
        <CredentialDialog
          grant={credentialFor}
          onClose={issued => {
            setCredentialFor(undefined);
            if (issued) grants.retry();
          }}
        />
      )}
    </InfoCard>
  );
}
