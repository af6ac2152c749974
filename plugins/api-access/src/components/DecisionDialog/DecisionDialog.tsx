/*
 * The reviewer's decision: approve (optionally narrowing scopes and
 * duration), reject, or request changes. Used from the Group inbox and the
 * request page, so a decision looks the same wherever it is made.
 */
import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import { AccessRequest } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
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

  async function confirm() {
    setBusy(true);
    setError(undefined);
    const narrowedScopes = !sameScopes(scopes, request.approvedScopes);
    const narrowedDuration =
      Number(durationDays) !== request.approvedDurationDays;
    try {
      const result = await apiAccess.decide(request.id, {
        decision,
        comment: comment.trim() || undefined,
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
        {decision === 'approve' && request.approvedScopes.length > 1 && (
          <ScopePicker
            label="Approve these scopes"
            options={request.approvedScopes}
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
            inputProps={{ min: 1, max: request.approvedDurationDays }}
            helperText={`At most the ${request.approvedDurationDays} days requested`}
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
              request.approvedScopes.length > 0 &&
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
