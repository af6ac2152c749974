/*
 * One access request: what the request assistant noticed (risk score and
 * findings), its terms, the review plan as progress (stages, steps, who
 * decided what and when), the history from the audit chain, and the moves
 * open to the person looking at it.
 */
import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { InfoCard, Progress } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  AccessRequest,
  AuditEvent,
  ReviewStep,
  apiAccessRequestDecidePermission,
} from '@api-access/backstage-plugin-api-access-common';
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { useParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useLiveUpdates } from '../../hooks/useLiveUpdates';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useAllowed } from '../../hooks/useAllowed';
import { useCredentialTypes } from '../../hooks/useCredentialTypes';
import { DecisionDialog, DecisionKind } from '../DecisionDialog';
import { DelegateStepDialog } from '../DelegateStepDialog';
import { ResubmitDialog } from '../ResubmitDialog';
import { AssessmentSummary } from '../RequestAssistant';
import { ClassificationChip, StatusChip } from '../Chips';
import { errorMessage, formatDateTime } from '../../format';
import { apiAccessTranslationRef } from '../../translation';

const DECISION_LABEL: Record<string, string> = {
  approve: 'approved',
  reject: 'rejected',
  request_changes: 'requested changes',
};

const ACTION_LABEL: Record<string, string> = {
  'request.submitted': 'submitted the request',
  'request.auto_approved': 'approved it automatically',
  'step.approval_recorded': 'approved a step',
  'stage.opened': 'opened the next stage',
  'request.approved': 'approved the request',
  'request.rejected': 'rejected the request',
  'request.changes_requested': 'asked for changes',
  'request.resubmitted': 'resubmitted',
  'request.withdrawn': 'withdrew the request',
  'grant.created': 'created the grant',
  'step.delegated': 'delegated a step',
  'step.reminded': 'reminded the reviewers of a step',
  'step.escalated': 'escalated a step past its deadline',
};

function Term(props: { label: string; children: React.ReactNode }) {
  return (
    <TableRow>
      <TableCell
        component="th"
        scope="row"
        style={{ width: 200, verticalAlign: 'top' }}
      >
        <Typography variant="body2" color="textSecondary">
          {props.label}
        </Typography>
      </TableCell>
      <TableCell>{props.children}</TableCell>
    </TableRow>
  );
}

function StepView(props: {
  step: ReviewStep;
  request: AccessRequest;
  /** Shown to members of the step's group while it is pending. */
  onDelegate?: () => void;
}) {
  const { step, request, onDelegate } = props;
  const decisions = (request.decisions ?? []).filter(d => d.stepId === step.id);
  return (
    <Box
      border={1}
      borderColor="divider"
      borderRadius={4}
      p={1.5}
      mb={1}
      data-testid={`step-${step.name}`}
    >
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <EntityRefLink entityRef={step.reviewerRef} />
        <StatusChip status={step.status} />
        {step.quorum > 1 && (
          <Typography variant="caption">
            needs {step.quorum} approvals
          </Typography>
        )}
        {step.delegateRef && (
          <Typography variant="caption">
            delegated to <EntityRefLink entityRef={step.delegateRef} />
          </Typography>
        )}
        {step.escalatedTo && (
          <Typography variant="caption">
            escalated to <EntityRefLink entityRef={step.escalatedTo} />, who may
            decide it too
          </Typography>
        )}
        {onDelegate && (
          <Button
            size="small"
            onClick={onDelegate}
            aria-label={`Delegate the ${step.name} step`}
          >
            Delegate
          </Button>
        )}
      </Box>
      <Typography variant="caption" color="textSecondary" display="block">
        {step.reason}
      </Typography>
      {decisions.map(d => (
        <Typography variant="body2" key={d.id} style={{ marginTop: 4 }}>
          <EntityRefLink entityRef={d.deciderRef} />{' '}
          {DECISION_LABEL[d.decision]} on {formatDateTime(d.createdAt)}
          {d.comment ? `: “${d.comment}”` : ''}
          {d.narrowedScopes
            ? ` (scopes narrowed to ${d.narrowedScopes.join(', ')})`
            : ''}
          {d.narrowedDurationDays
            ? ` (shortened to ${d.narrowedDurationDays} days)`
            : ''}
          {d.narrowedPlan ? ` (on the lower plan ${d.narrowedPlan})` : ''}
        </Typography>
      ))}
    </Box>
  );
}

function Timeline(props: { events: AuditEvent[] }) {
  return (
    <Table size="small" aria-label="Request history">
      <TableBody>
        {props.events.map(event => (
          <TableRow key={event.id}>
            <TableCell style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>
              {formatDateTime(event.occurredAt)}
            </TableCell>
            <TableCell>
              {event.actorRef.includes(':') ? (
                <EntityRefLink entityRef={event.actorRef} />
              ) : (
                event.actorRef
              )}{' '}
              {ACTION_LABEL[event.action] ?? event.action}
              {event.details.stage ? ` (${String(event.details.stage)})` : ''}
              {event.toStatus && event.fromStatus
                ? ` — ${event.fromStatus} → ${event.toStatus}`
                : ''}
              {event.details.comment ? (
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  “{String(event.details.comment)}”
                </Typography>
              ) : null}
              {event.details.rule ? (
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  rule: {String(event.details.rule)}
                </Typography>
              ) : null}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** A credential type by its title from the backend; its id until then (or if unknown). */
function CredentialTypeTitle(props: { id: string }) {
  const { types } = useCredentialTypes();
  const type = types.find(candidate => candidate.id === props.id);
  return (
    <span data-testid="request-credential-type">{type?.title ?? props.id}</span>
  );
}

export function RequestPage() {
  const { id = '' } = useParams();
  const apiAccess = useApi(apiAccessApiRef);
  const identityApi = useApi(identityApiRef);
  const [deciding, setDeciding] = useState<DecisionKind>();
  const [resubmitting, setResubmitting] = useState(false);
  const [delegating, setDelegating] = useState<ReviewStep>();
  const [actionError, setActionError] = useState<string>();
  const mayDecide = useAllowed(apiAccessRequestDecidePermission, id);
  const { t } = useTranslationRef(apiAccessTranslationRef);

  const data = useAsyncRetry(async () => {
    const [request, history, me] = await Promise.all([
      apiAccess.getRequest(id),
      apiAccess.getHistory(id),
      identityApi.getBackstageIdentity(),
    ]);
    return { request, history, me };
  }, [apiAccess, identityApi, id]);
  // Someone else decided, or the requester resubmitted: reload this request.
  useLiveUpdates(data.retry, update => update.id === id);

  if (data.loading && !data.value) return <Progress />;
  if (data.error)
    return <Alert severity="error">{errorMessage(data.error)}</Alert>;
  const { request, history, me } = data.value!;
  const steps = request.steps ?? [];
  const stages = Array.from(new Set(steps.map(s => s.stageIndex))).map(index =>
    steps.filter(s => s.stageIndex === index),
  );
  const isRequester = me.userEntityRef === request.requesterRef;
  const decidedThisRound = (request.decisions ?? []).some(
    d => d.round === request.reviewRound && d.deciderRef === me.userEntityRef,
  );
  // The backend says when the caller reviews the open step yet may not
  // decide it (their own team's access, or another step they decided).
  const canDecide =
    mayDecide &&
    request.status === 'in_review' &&
    !isRequester &&
    !decidedThisRound &&
    !request.viewerConflict &&
    steps.some(
      s =>
        s.status === 'pending' &&
        (me.ownershipEntityRefs.includes(s.reviewerRef) ||
          (!!s.escalatedTo && me.ownershipEntityRefs.includes(s.escalatedTo))),
    );
  const canDelegate = (step: ReviewStep) =>
    request.status === 'in_review' &&
    !isRequester &&
    request.viewerConflict?.reason !== 'consumer_owner' &&
    step.status === 'pending' &&
    step.reviewerRef.startsWith('group:') &&
    me.ownershipEntityRefs.includes(step.reviewerRef);
  const open =
    request.status === 'in_review' || request.status === 'changes_requested';
  const narrowed =
    request.approvedDurationDays !== request.durationDays ||
    request.approvedScopes.length !== request.scopes.length;

  async function withdraw() {
    setActionError(undefined);
    try {
      await apiAccess.withdraw(request.id);
    } catch (e) {
      setActionError(errorMessage(e));
    }
    data.retry();
  }

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        {actionError && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {actionError}
          </Alert>
        )}
        {request.viewerConflict && (
          <Alert
            severity="info"
            style={{ marginBottom: 16 }}
            data-testid="viewer-conflict"
          >
            You review this stage, but you cannot decide this request:{' '}
            {request.viewerConflict.message}. Another member of the reviewing
            group decides it.
          </Alert>
        )}
        {request.status === 'changes_requested' && isRequester && (
          <Alert severity="warning" style={{ marginBottom: 16 }}>
            A reviewer asked for changes. Edit the request and resubmit it;
            approvals already given stay if the access terms do not change.
          </Alert>
        )}
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <Typography variant="h5" component="h2">
            <EntityRefLink entityRef={request.apiRef} /> for{' '}
            <EntityRefLink entityRef={request.consumerRef} />
          </Typography>
          <StatusChip status={request.status} />
          <Box flexGrow={1} />
          {canDecide && (
            <>
              <Button
                variant="contained"
                color="primary"
                onClick={() => setDeciding('approve')}
              >
                Approve
              </Button>
              <Button
                variant="outlined"
                onClick={() => setDeciding('request_changes')}
              >
                Request changes
              </Button>
              <Button variant="outlined" onClick={() => setDeciding('reject')}>
                Reject
              </Button>
            </>
          )}
          {isRequester && request.status === 'changes_requested' && (
            <Button
              variant="contained"
              color="primary"
              onClick={() => setResubmitting(true)}
            >
              Edit and resubmit
            </Button>
          )}
          {isRequester && open && (
            <Button variant="outlined" onClick={withdraw}>
              Withdraw
            </Button>
          )}
        </Box>
      </Grid>
      {request.assessment && (
        <Grid item xs={12}>
          <InfoCard
            title="Request assistant"
            subheader="Checked when the request was submitted: the risk score and what a reviewer may want to look at."
          >
            <AssessmentSummary assessment={request.assessment} />
          </InfoCard>
        </Grid>
      )}
      <Grid item xs={12} md={6}>
        <InfoCard title="Terms">
          <Table size="small" aria-label="Request terms">
            <TableBody>
              <Term label="Requested by">
                <EntityRefLink entityRef={request.requesterRef} /> on{' '}
                {formatDateTime(request.createdAt)}
              </Term>
              <Term label="Consumer">
                <EntityRefLink entityRef={request.consumerRef} />
                {request.consumerKind === 'external' ? ' (external party)' : ''}
              </Term>
              <Term label="Classification">
                <ClassificationChip level={request.classification.level} />{' '}
                <Typography variant="caption" color="textSecondary">
                  from {request.classification.source}
                </Typography>
              </Term>
              {request.requestedPlan && (
                <Term label={t('plans.requested')}>
                  {request.requestedPlan}
                </Term>
              )}
              {request.approvedPlan &&
                request.approvedPlan !== request.requestedPlan && (
                  <Term label={t('plans.approved')}>
                    {request.approvedPlan}
                  </Term>
                )}
              <Term label="Environment">{request.environment}</Term>
              <Term label="Scopes">
                {request.scopes.join(', ') || 'none (all or nothing)'}
              </Term>
              <Term label="Duration">{request.durationDays} days</Term>
              <Term label="Credential type">
                <CredentialTypeTitle id={request.credentialType} />
              </Term>
              {narrowed && (
                <Term label="Approved terms">
                  {request.approvedScopes.join(', ') || 'no scopes'},{' '}
                  {request.approvedDurationDays} days
                </Term>
              )}
              <Term label="Use case">{request.useCase}</Term>
              <Term label="Justification">{request.justification}</Term>
              <Term label="Credential storage">
                {request.credentialStorage}
              </Term>
            </TableBody>
          </Table>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard
          title={`Review plan${
            request.reviewRound > 1 ? ` (round ${request.reviewRound})` : ''
          }`}
        >
          {request.renewal && (
            <Alert
              severity="info"
              style={{ marginBottom: 8 }}
              data-testid="renewal-rule"
            >
              Renewal of an existing grant, planned by the rule “
              {request.renewal.rule}”: {request.renewal.reason}.
              {request.renewal.lastReviewedAt &&
                ` Last reviewed by people on ${request.renewal.lastReviewedAt.slice(
                  0,
                  10,
                )}.`}
            </Alert>
          )}
          {request.autoApproveRule && (
            <Alert severity="info">
              Approved automatically by the policy rule “
              {request.autoApproveRule}”.
            </Alert>
          )}
          {stages.map((stage, index) => (
            <Box
              key={stage[0].stageIndex}
              mb={2}
              data-testid={`stage-${index}`}
            >
              <Typography variant="subtitle2">
                {index + 1}. {stage[0].stageName}
                {stage.length > 1 ? ' (in parallel)' : ''}
              </Typography>
              {stage.map(step => (
                <StepView
                  key={step.id}
                  step={step}
                  request={request}
                  onDelegate={
                    canDelegate(step) ? () => setDelegating(step) : undefined
                  }
                />
              ))}
            </Box>
          ))}
        </InfoCard>
        <Box mt={3}>
          <InfoCard title="History">
            <Timeline events={history} />
          </InfoCard>
        </Box>
      </Grid>
      {deciding && (
        <DecisionDialog
          request={request}
          decision={deciding}
          onClose={() => setDeciding(undefined)}
          onDecided={() => {
            setDeciding(undefined);
            data.retry();
          }}
        />
      )}
      {delegating && (
        <DelegateStepDialog
          request={request}
          step={delegating}
          userEntityRef={me.userEntityRef}
          onClose={() => setDelegating(undefined)}
          onDelegated={() => {
            setDelegating(undefined);
            data.retry();
          }}
        />
      )}
      {resubmitting && (
        <ResubmitDialog
          request={request}
          onClose={() => setResubmitting(false)}
          onResubmitted={() => {
            setResubmitting(false);
            data.retry();
          }}
        />
      )}
    </Grid>
  );
}
