/*
 * Grants as a table, for the consumer's page (which APIs it may call) and the
 * API's page (who may call it): plan and limits, status (a suspension with
 * its reason), provisioning, credential by prefix, last use and usage, and
 * the actions the signed-in user may take.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
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
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  CredentialTypeInfo,
  Grant,
  GrantFlag,
  GrantProvisioning,
  apiAccessGrantRevokePermission,
  apiAccessRequestCreatePermission,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useAllowed } from '../../hooks/useAllowed';
import { useCredentialTypes } from '../../hooks/useCredentialTypes';
import { CertificateDialog } from '../CertificateDialog';
import { CredentialDialog } from '../CredentialDialog';
import { OAuth2ClientDialog } from '../OAuth2ClientDialog';
import { RevokeGrantDialog } from '../RevokeGrantDialog';
import { RenewGrantDialog } from '../RenewGrantDialog';
import { ChangePlanDialog } from '../ChangePlanDialog';
import { ResumeGrantDialog, SuspendGrantDialog } from '../SuspendGrantDialog';
import { UsageDialog } from '../UsageChart';
import { usePlanText } from '../Plans';
import { StatusChip } from '../Chips';
import {
  countdown,
  errorMessage,
  formatDate,
  formatDateTime,
} from '../../format';

// Five columns, with the environment and scopes under the API (or consumer):
// seven wrapped names and headers mid-word ("pets tore") at card width.
const useStyles = makeStyles({
  head: { whiteSpace: 'nowrap' },
  party: { wordBreak: 'keep-all', minWidth: 160 },
});

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

const FLAG_LABELS: Record<GrantFlag, string> = {
  expiring: 'Expiring',
  stale: 'Stale',
  orphaned: 'Orphaned',
};

const FLAG_HELP: Record<GrantFlag, string> = {
  expiring: 'Expires soon: renew it if it is still needed',
  stale: 'Not used for a long time: revoke it if it is no longer needed',
  orphaned:
    'Its requester, consumer or API left the catalog, or the API changed owner',
};

/** The oauth2-client module's type (and its provisioner's id). */
const OAUTH2_CLIENT = 'oauth2-client';

type Presentation = CredentialTypeInfo['presentation'];

/** Until GET /credential-types answers (or when it fails): the types known by id. */
const KNOWN_PRESENTATIONS: Record<string, Presentation> = {
  'api-key': 'api-key',
  'mtls-certificate': 'client-certificate',
  [OAUTH2_CLIENT]: 'bearer-token',
};

/**
 * How a grant's credential is presented at the gateway, from the type's
 * `presentation` in GET /credential-types; by id while they load. A
 * bearer-token type (oauth2-client or another module's) gets the OAuth
 * client's words and dialog.
 */
function presentationOf(
  grant: Grant,
  types: CredentialTypeInfo[],
): Presentation | undefined {
  return (
    types.find(type => type.id === grant.credentialType)?.presentation ??
    KNOWN_PRESENTATIONS[grant.credentialType]
  );
}

/**
 * Where the registration of a bearer-token grant's client stands, from the
 * grant's provisioning tasks (the same ones the provisioning chip shows):
 * until its 'provision' task succeeded there is no client to reveal, and
 * issuing is refused. The type's own tasks are those whose provisioner id is
 * the type's id (oauth2-client's is); a module whose provisioner has another
 * id is judged by all of the grant's provision tasks.
 */
export type ClientRegistration =
  | { state: 'registered' }
  | { state: 'registering' }
  | { state: 'retrying' | 'failed'; reason?: string };

export function clientRegistration(grant: Grant): ClientRegistration {
  const tasks = grant.provisioning?.tasks ?? [];
  const provisions = tasks.filter(task => task.action === 'provision');
  const own = provisions.filter(
    task => task.provisionerId === grant.credentialType,
  );
  const relevant = own.length ? own : provisions;
  // No provisioning to wait for, or a client already issued: the backend decides.
  if (grant.credential || relevant.length === 0) return { state: 'registered' };
  if (relevant.some(task => task.status === 'succeeded')) {
    return { state: 'registered' };
  }
  const failed = relevant.find(task => task.status === 'failed');
  if (failed) return { state: 'failed', reason: failed.lastError };
  const retrying = relevant.find(
    task => task.status === 'pending' && task.attempts > 0,
  );
  if (retrying) return { state: 'retrying', reason: retrying.lastError };
  return { state: 'registering' };
}

interface CredentialWords {
  /** "API key aak_x…", "certificate 4f1c…", "OAuth client c-1", or "none yet". */
  credential(grant: Grant): string;
  /** Under a bearer-token grant whose client is not registered yet; else undefined. */
  registration(grant: Grant): string | undefined;
  /** The issue button's label and its accessible name. */
  issueAction(grant: Grant): { label: string; name: string };
}

function useCredentialWords(types: CredentialTypeInfo[]): CredentialWords {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const bearer = (grant: Grant) =>
    presentationOf(grant, types) === 'bearer-token';
  const credential = (grant: Grant): string => {
    if (!grant.credential) return t('grantsTable.credentialNone');
    const prefix = grant.credential.prefix;
    if (bearer(grant)) {
      return t('grantsTable.credentialOAuth2Client', { clientId: prefix });
    }
    switch (grant.credentialType) {
      case 'api-key':
        return t('grantsTable.credentialApiKey', { prefix });
      case 'mtls-certificate':
        return t('grantsTable.credentialCertificate', { prefix });
      default:
        return t('grantsTable.credentialOther', {
          type: grant.credentialType,
          prefix,
        });
    }
  };
  const registration = (grant: Grant): string | undefined => {
    if (!bearer(grant)) return undefined;
    if (grant.status !== 'active') return undefined;
    const state = clientRegistration(grant);
    switch (state.state) {
      case 'registered':
        return undefined;
      case 'registering':
        return t('grantsTable.oauth2Registering');
      case 'retrying':
        return state.reason
          ? t('grantsTable.oauth2RegisteringRetry', { reason: state.reason })
          : t('grantsTable.oauth2Registering');
      default:
        return state.reason
          ? t('grantsTable.oauth2RegistrationFailed', { reason: state.reason })
          : t('grantsTable.oauth2RegistrationFailedNoReason');
    }
  };
  const issueAction = (grant: Grant): { label: string; name: string } => {
    const again = !!grant.credential;
    const api = grant.apiRef;
    switch (presentationOf(grant, types)) {
      case 'client-certificate':
        return {
          label: again
            ? t('grantsTable.renewCertificate')
            : t('grantsTable.getCertificate'),
          name: `${again ? 'Renew' : 'Get'} certificate for ${api}`,
        };
      case 'bearer-token':
        return again
          ? {
              label: t('grantsTable.rotateClient'),
              name: t('grantsTable.rotateClientFor', { api }),
            }
          : {
              label: t('grantsTable.getClientSecret'),
              name: t('grantsTable.getClientSecretFor', { api }),
            };
      default:
        return {
          label: again
            ? t('grantsTable.rotate')
            : t('grantsTable.getCredential'),
          name: `${again ? 'Rotate' : 'Get'} credential for ${api}`,
        };
    }
  };
  return { credential, registration, issueAction };
}

export function GrantsTable(props: {
  grants: Grant[];
  /** Which party to show per row: the API (on a consumer's page) or the consumer (on an API's page). */
  show: 'api' | 'consumer';
  me: string;
  /** Whether the signed-in user may revoke this grant (the backend checks again). */
  canManage: (grant: Grant) => boolean;
  /**
   * Whether the signed-in user owns the grant's API (or is an admin): they
   * may suspend, resume and change the plan (the backend checks again).
   */
  canAdminister?: (grant: Grant) => boolean;
  onChanged: () => void;
  label: string;
}) {
  const { grants, show, me, canManage, onChanged, label } = props;
  const { canAdminister = () => false } = props;
  const [suspending, setSuspending] = useState<Grant>();
  const [resuming, setResuming] = useState<Grant>();
  const [changingPlan, setChangingPlan] = useState<Grant>();
  const [usageOf, setUsageOf] = useState<Grant>();
  const planText = usePlanText();
  const apiAccess = useApi(apiAccessApiRef);
  const [credentialFor, setCredentialFor] = useState<Grant>();
  const [revoking, setRevoking] = useState<Grant>();
  const [renewing, setRenewing] = useState<Grant>();
  const [error, setError] = useState<string>();
  const classes = useStyles();
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const { types } = useCredentialTypes();
  const words = useCredentialWords(types);
  // Revoking and retrying a provisioning need the revoke permission; a
  // renewal is a new request.
  const mayRevoke = useAllowed(apiAccessGrantRevokePermission);
  const mayRenew = useAllowed(apiAccessRequestCreatePermission);

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
            <TableCell className={classes.head}>
              {show === 'api'
                ? t('grantsTable.api')
                : t('grantsTable.consumer')}
            </TableCell>
            <TableCell className={classes.head}>
              {t('grantsTable.status')}
            </TableCell>
            <TableCell className={classes.head}>
              {t('grantsTable.expires')}
            </TableCell>
            <TableCell className={classes.head}>
              {t('grantsTable.credential')}
            </TableCell>
            <TableCell className={classes.head}>
              {t('grantsTable.actions')}
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {grants.map(grant => {
            const active = grant.status === 'active';
            const mine = grant.requesterRef === me;
            const manage = mayRevoke && canManage(grant);
            const administer = mayRevoke && canAdminister(grant);
            const suspended = grant.status === 'suspended';
            const who = `${grant.consumerRef}'s access to ${grant.apiRef} in ${grant.environment}`;
            // A bearer-token grant's client not registered yet: nothing to reveal.
            const registering = words.registration(grant);
            const issue = words.issueAction(grant);
            return (
              <TableRow key={grant.id}>
                <TableCell className={classes.party}>
                  <EntityRefLink
                    entityRef={
                      show === 'api' ? grant.apiRef : grant.consumerRef
                    }
                  />
                  <Typography
                    variant="caption"
                    color="textSecondary"
                    display="block"
                  >
                    {grant.environment} ·{' '}
                    <span>
                      {grant.scopes.length
                        ? grant.scopes.join(', ')
                        : t('grantsTable.allScopes')}
                    </span>
                  </Typography>
                  {grant.plan && (
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                      data-testid={`grant-plan-${grant.id}`}
                    >
                      {t('plans.planLine', { plan: grant.plan.title })} ·{' '}
                      {planText.limits(grant.plan)}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>
                  <StatusChip
                    status={grant.status}
                    title={suspended ? grant.suspension?.reason : undefined}
                  />
                  {(grant.flags ?? []).map(flag => (
                    <Tooltip key={flag} title={FLAG_HELP[flag]}>
                      <Chip
                        size="small"
                        variant="outlined"
                        label={FLAG_LABELS[flag]}
                        style={{ marginLeft: 4 }}
                        aria-label={`flag ${flag}`}
                      />
                    </Tooltip>
                  ))}
                  {grant.orphanReason && (
                    <Typography variant="caption" display="block">
                      {grant.orphanReason}
                    </Typography>
                  )}
                  {grant.provisioning && (
                    <ProvisioningChip provisioning={grant.provisioning} />
                  )}
                  {suspended && grant.suspension && (
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      {t('grantActions.suspendedBy', {
                        by: grant.suspension.by,
                        when: formatDateTime(grant.suspension.at),
                        reason: grant.suspension.reason,
                      })}
                    </Typography>
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
                <TableCell>
                  <Typography variant="body2">
                    {formatDate(grant.expiresAt)}
                  </Typography>
                  {active && (
                    <Typography
                      variant="caption"
                      color={
                        grant.flags?.includes('expiring')
                          ? 'error'
                          : 'textSecondary'
                      }
                      display="block"
                    >
                      {countdown(grant.expiresAt)}
                    </Typography>
                  )}
                </TableCell>
                <TableCell>
                  <Typography variant="body2">
                    {words.credential(grant)}
                  </Typography>
                  {registering && (
                    <Typography
                      variant="caption"
                      color={
                        clientRegistration(grant).state === 'registering'
                          ? 'textSecondary'
                          : 'error'
                      }
                      display="block"
                      data-testid={`oauth2-registration-${grant.id}`}
                    >
                      {registering}
                    </Typography>
                  )}
                  <Typography
                    variant="caption"
                    color="textSecondary"
                    display="block"
                  >
                    {grant.lastUsedAt
                      ? t('grantsTable.lastUsed', {
                          when: formatDateTime(grant.lastUsedAt),
                        })
                      : t('grantsTable.neverUsed')}
                  </Typography>
                </TableCell>
                <TableCell>
                  {mine && active && (
                    <Button
                      size="small"
                      color="primary"
                      onClick={() => setCredentialFor(grant)}
                      aria-label={issue.name}
                      disabled={!!registering}
                    >
                      {issue.label}
                    </Button>
                  )}
                  {mayRenew && mine && active && !grant.renewalRequestId && (
                    <Button
                      size="small"
                      onClick={() => setRenewing(grant)}
                      aria-label={`Renew ${grant.consumerRef}'s access to ${grant.apiRef} in ${grant.environment}`}
                    >
                      {t('grantsTable.renew')}
                    </Button>
                  )}
                  {grant.renewalRequestId && (
                    <Typography variant="caption" display="block">
                      {t('grantsTable.renewalInReview')}
                    </Typography>
                  )}
                  {manage && (active || suspended) && (
                    <Button
                      size="small"
                      color="secondary"
                      onClick={() => setRevoking(grant)}
                      aria-label={`Revoke ${grant.consumerRef}'s access to ${grant.apiRef} in ${grant.environment}`}
                    >
                      {t('grantsTable.revoke')}
                    </Button>
                  )}
                  {administer && active && (
                    <Button
                      size="small"
                      onClick={() => setSuspending(grant)}
                      aria-label={`Suspend ${who}`}
                    >
                      {t('grantActions.suspend')}
                    </Button>
                  )}
                  {administer && suspended && (
                    <Button
                      size="small"
                      color="primary"
                      onClick={() => setResuming(grant)}
                      aria-label={`Resume ${who}`}
                    >
                      {t('grantActions.resume')}
                    </Button>
                  )}
                  {administer && grant.plan && (active || suspended) && (
                    <Button
                      size="small"
                      onClick={() => setChangingPlan(grant)}
                      aria-label={`Change the plan of ${who}`}
                    >
                      {t('grantActions.changePlan')}
                    </Button>
                  )}
                  <Button
                    size="small"
                    onClick={() => setUsageOf(grant)}
                    aria-label={`Usage of ${who}`}
                  >
                    {t('grantActions.usage')}
                  </Button>
                  {manage && grant.provisioning?.state === 'failed' && (
                    <Button size="small" onClick={() => retry(grant)}>
                      {t('grantsTable.retryProvisioning')}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {credentialFor && (
        <IssueDialog
          grant={credentialFor}
          presentation={presentationOf(credentialFor, types)}
          onClose={issued => {
            setCredentialFor(undefined);
            if (issued) onChanged();
          }}
        />
      )}
      {renewing && (
        <RenewGrantDialog
          grant={renewing}
          onClose={renewal => {
            setRenewing(undefined);
            if (renewal) onChanged();
          }}
        />
      )}
      {suspending && (
        <SuspendGrantDialog
          grant={suspending}
          onClose={done => {
            setSuspending(undefined);
            if (done) onChanged();
          }}
        />
      )}
      {resuming && (
        <ResumeGrantDialog
          grant={resuming}
          onClose={done => {
            setResuming(undefined);
            if (done) onChanged();
          }}
        />
      )}
      {changingPlan && (
        <ChangePlanDialog
          grant={changingPlan}
          onClose={done => {
            setChangingPlan(undefined);
            if (done) onChanged();
          }}
        />
      )}
      {usageOf && (
        <UsageDialog grant={usageOf} onClose={() => setUsageOf(undefined)} />
      )}
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

/** The dialog that issues the grant's credential, by its type's presentation. */
function IssueDialog(props: {
  grant: Grant;
  presentation: Presentation | undefined;
  onClose: (issued: boolean) => void;
}) {
  const { grant, onClose } = props;
  switch (props.presentation) {
    case 'client-certificate':
      return <CertificateDialog grant={grant} onClose={onClose} />;
    case 'bearer-token':
      return <OAuth2ClientDialog grant={grant} onClose={onClose} />;
    default:
      return <CredentialDialog grant={grant} onClose={onClose} />;
  }
}
