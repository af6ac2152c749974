/*
 * The reviewer's decision: approve (optionally narrowing scopes and
 * duration, or choosing a lower plan than asked), reject, or request changes. Used from the Group inbox and the
 * request page, so a decision looks the same wherever it is made.
 */
import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import {
  AccessRequest,
  planRank,
} from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { apiAccessTranslationRef } from '../../translation';
import { usePlanText } from '../Plans';
import { ScopePicker } from '../ScopePicker';
import { errorMessage } from '../../format';

export type DecisionKind = 'approve' | 'reject' | 'request_changes';

const TITLES: Record<DecisionKind, string> = {
  approve: 'Approve',
  reject: 'Reject',
  request_changes: 'Request changes to',
};
const CONFIRM: Record<DecisionKind, string> = {
  approve: 'Confirm approval',
  reject: 'Confirm rejection',
  request_changes: 'Send back for changes',
};

export function DecisionDialog(props: {
  request: AccessRequest;
  decision: DecisionKind;
  onClose: () => void;
  onDecided: (result: AccessRequest) => void;
}) {
  const { request, decision, onClose, onDecided } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [comment, setComment] = useState('');
  const [scopes, setScopes] = useState<string[]>(request.approvedScopes);
  const [durationDays, setDurationDays] = useState(
    String(request.approvedDurationDays),
  );
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const needsComment = decision !== 'approve';
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const planText = usePlanText();

  // An approver may approve a lower plan than the one the request is on.
  const currentPlan = request.approvedPlan ?? request.requestedPlan;
  const profile = useAsync(
    async () =>
      decision === 'approve' && currentPlan
        ? apiAccess.getProfile(request.apiRef)
        : undefined,
    [apiAccess, request.apiRef, decision, currentPlan],
  );
  const plans = profile.value?.plans ?? [];
  const currentRank = currentPlan ? planRank(plans, currentPlan) : -1;
  const lowerPlans = currentRank > 0 ? plans.slice(0, currentRank) : [];
  const [planName, setPlanName] = useState(currentPlan ?? '');
  const lowerPlan = lowerPlans.find(p => p.name === planName);
  const scopeOptions = lowerPlan
    ? request.approvedScopes.filter(s => lowerPlan.scopes.includes(s))
    : request.approvedScopes;
  const maxDays = lowerPlan
    ? Math.min(request.approvedDurationDays, lowerPlan.maxDurationDays)
    : request.approvedDurationDays;

  function choosePlan(name: string) {
    setPlanName(name);
    const chosen = lowerPlans.find(p => p.name === name);
    if (chosen) {
      setScopes(current => current.filter(s => chosen.scopes.includes(s)));
      setDurationDays(current =>
        Number(current) > chosen.maxDurationDays
          ? String(chosen.maxDurationDays)
          : current,
      );
    } else {
      setScopes(request.approvedScopes);
    }
  }

  async function confirm() {
    setBusy(true);
    setError(undefined);
    // A lower plan narrows the scopes itself; send them only when the
    // approver narrowed further than the plan does.
    const narrowedScopes = !sameScopes(scopes, scopeOptions);
    const narrowedDuration =
      Number(durationDays) !== request.approvedDurationDays;
    try {
      const result = await apiAccess.decide(request.id, {
        decision,
        comment: comment.trim() || undefined,
        ...(decision === 'approve' && lowerPlan
          ? { plan: lowerPlan.name }
          : {}),
        ...(decision === 'approve' && narrowedScopes ? { scopes } : {}),
        ...(decision === 'approve' && narrowedDuration
          ? { durationDays: Number(durationDays) }
          : {}),
      });
      onDecided(result);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-decision-title"
    >
      <DialogTitle id="api-access-decision-title">
        {TITLES[decision]} access to {request.apiRef}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <Typography variant="body2" gutterBottom>
          {request.requesterRef} asks for{' '}
          {request.scopes.join(', ') || 'access'} in {request.environment} for{' '}
          {request.consumerRef}, {request.durationDays} days.
        </Typography>
        {decision === 'approve' && currentPlan && lowerPlans.length > 0 && (
          <TextField
            select
            fullWidth
            margin="normal"
            id="api-access-decision-plan"
            label={t('plans.approveOn')}
            value={planName}
            onChange={e => choosePlan(e.target.value)}
            helperText={
              lowerPlan
                ? t('plans.approveOnHelp', {
                    scopes: lowerPlan.scopes.join(', '),
                  })
                : undefined
            }
          >
            <MenuItem value={currentPlan}>
              {t('plans.asRequested', {
                plan:
                  plans.find(p => p.name === currentPlan)?.title ?? currentPlan,
              })}
            </MenuItem>
            {lowerPlans.map(plan => (
              <MenuItem key={plan.name} value={plan.name}>
                {plan.title} ({planText.limits(plan)})
              </MenuItem>
            ))}
          </TextField>
        )}
        {decision === 'approve' && scopeOptions.length > 1 && (
          <ScopePicker
            label="Approve these scopes"
            options={scopeOptions}
            value={scopes}
            onChange={setScopes}
          />
        )}
        {decision === 'approve' && (
          <TextField
            id="api-access-decision-duration"
            type="number"
            margin="normal"
            label="Approve for (days)"
            value={durationDays}
            onChange={e => setDurationDays(e.target.value)}
            inputProps={{ min: 1, max: maxDays }}
            helperText={`At most the ${maxDays} days ${
              lowerPlan ? 'the plan allows' : 'requested'
            }`}
          />
        )}
        <TextField
          fullWidth
          multiline
          minRows={3}
          margin="normal"
          id="api-access-decision-comment"
          label={needsComment ? 'Reason (required)' : 'Comment (optional)'}
          value={comment}
          onChange={e => setComment(e.target.value)}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={confirm}
          disabled={
            busy ||
            (needsComment && !comment.trim()) ||
            (decision === 'approve' &&
              scopeOptions.length > 0 &&
              scopes.length === 0)
          }
        >
          {CONFIRM[decision]}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function sameScopes(a: string[], b: string[]) {
  return a.length === b.length && a.every(scope => b.includes(scope));
}
