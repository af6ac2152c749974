/*
 * Grants as a table, for the consumer's page (which APIs it may call) and the
 * API's page (who may call it): status, provisioning, credential by prefix,
 * last use, and the actions the signed-in user may take.
 */
import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Grant, GrantProvisioning } from '@internal/plugin-api-access-common';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { CertificateDialog } from './CertificateDialog';
import { CredentialDialog } from './CredentialDialog';
import { RevokeGrantDialog } from './RevokeGrantDialog';
import { StatusChip, errorMessage, formatDate, formatDateTime } from './shared';

const PROVISIONING_LABELS: Record<GrantProvisioning['state'], string> = {
  pending: 'Provisioning',
  retrying: 'Provisioning retrying',
  failed: 'Provisioning failed',
  done: 'Provisioned',
};

function ProvisioningChip({
  provisioning,
}: {
  provisioning: GrantProvisioning;
}) {
  const lastError = provisioning.tasks.find(t => t.lastError)?.lastError;
  const next = provisioning.tasks.find(t => t.nextAttemptAt)?.nextAttemptAt;
  const detail = provisioning.tasks
    .map(
      t =>
        `${t.provisionerId} ${t.action}: ${t.status}${
          t.attempts ? ` after ${t.attempts} attempt(s)` : ''
        }`,
    )
    .join('; ');
  const chip = (
    <Chip
      size="small"
      variant="outlined"
      label={PROVISIONING_LABELS[provisioning.state]}
      color={provisioning.state === 'failed' ? 'secondary' : 'default'}
      aria-label={`provisioning ${provisioning.state}`}
    />
  );
  return (
    <>
      <Tooltip title={detail}>{chip}</Tooltip>
      {provisioning.state !== 'done' && lastError && (
        <Typography variant="caption" color="error" display="block">
          {lastError}
          {provisioning.state === 'retrying' && next
            ? ` (next attempt ${formatDateTime(next)})`
            : ''}
        </Typography>
      )}
    </>
  );
}

function credentialText(grant: Grant) {
  if (!grant.credential) return 'none yet';
  return grant.credentialType === 'mtls-certificate'
    ? `certificate ${grant.credential.prefix}`
    : `API key ${grant.credential.prefix}…`;
}

export function GrantsTable(props: {
  grants: Grant[];
  /** Which party to show per row: the API (on a consumer's page) or the consumer (on an API's page). */
  show: 'api' | 'consumer';
  me: string;
  /** Whether the signed-in user may revoke this grant (the backend checks again). */
  canManage: (grant: Grant) => boolean;
  onChanged: () => void;
  label: string;
}) {
  const { grants, show, me, canManage, onChanged, label } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [credentialFor, setCredentialFor] = useState<Grant>();
  const [revoking, setRevoking] = useState<Grant>();
  const [error, setError] = useState<string>();

  async function retry(grant: Grant) {
    setError(undefined);
    try {
      await apiAccess.retryProvisioning(grant.id);
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <>
      {error && (
        <Alert severity="error" role="alert">
          {error}
        </Alert>
      )}
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            <TableCell>{show === 'api' ? 'API' : 'Consumer'}</TableCell>
            <TableCell>Environment</TableCell>
            <TableCell>Scopes</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell>Credential</TableCell>
            <TableCell>Actions</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {grants.map(grant => {
            const active = grant.status === 'active';
            const mine = grant.requesterRef === me;
            const manage = canManage(grant);
            return (
              <TableRow key={grant.id}>
                <TableCell>
                  <EntityRefLink
                    entityRef={
                      show === 'api' ? grant.apiRef : grant.consumerRef
                    }
                  />
                </TableCell>
                <TableCell>{grant.environment}</TableCell>
                <TableCell>{grant.scopes.join(', ') || 'all'}</TableCell>
                <TableCell>
                  <StatusChip status={grant.status} />
                  {grant.provisioning && (
                    <ProvisioningChip provisioning={grant.provisioning} />
                  )}
                  {grant.revokedAt && (
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      by {grant.revokedBy} on {formatDateTime(grant.revokedAt)}:{' '}
                      {grant.revocationReason}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>{formatDate(grant.expiresAt)}</TableCell>
                <TableCell>
                  <Typography variant="body2">
                    {credentialText(grant)}
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
                </TableCell>
                <TableCell>
                  {mine &&
                    active &&
                    (grant.credentialType === 'mtls-certificate' ? (
                      <Button
                        size="small"
                        color="primary"
                        onClick={() => setCredentialFor(grant)}
                        aria-label={`${
                          grant.credential ? 'Renew' : 'Get'
                        } certificate for ${grant.apiRef}`}
                      >
                        {grant.credential
                          ? 'Renew certificate'
                          : 'Get certificate'}
                      </Button>
                    ) : (
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
                    ))}
                  {manage && active && (
                    <Button
                      size="small"
                      color="secondary"
                      onClick={() => setRevoking(grant)}
                      aria-label={`Revoke ${grant.consumerRef}'s access to ${grant.apiRef} in ${grant.environment}`}
                    >
                      Revoke
                    </Button>
                  )}
                  {manage && grant.provisioning?.state === 'failed' && (
                    <Button size="small" onClick={() => retry(grant)}>
                      Retry provisioning
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {credentialFor &&
        (credentialFor.credentialType === 'mtls-certificate' ? (
          <CertificateDialog
            grant={credentialFor}
            onClose={issued => {
              setCredentialFor(undefined);
              if (issued) onChanged();
            }}
          />
        ) : (
          <CredentialDialog
            grant={credentialFor}
            onClose={issued => {
              setCredentialFor(undefined);
              if (issued) onChanged();
            }}
          />
        ))}
      {revoking && (
        <RevokeGrantDialog
          grant={revoking}
          onClose={revoked => {
            setRevoking(undefined);
            if (revoked) onChanged();
          }}
        />
      )}
    </>
  );
}
