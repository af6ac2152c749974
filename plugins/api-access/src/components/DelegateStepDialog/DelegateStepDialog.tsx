/*
 * A reviewer hands a pending step to another member of the step's group.
 * The members come from the catalog (users whose memberOf is the group),
 * less the reviewer, the requester and the current delegate; the backend
 * checks all of it again. The rest of the group may still decide the step.
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
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  AccessRequest,
  ReviewStep,
} from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { errorMessage } from '../../format';

export function DelegateStepDialog(props: {
  request: AccessRequest;
  step: ReviewStep;
  /** The signed-in reviewer. */
  userEntityRef: string;
  onClose: () => void;
  onDelegated: (result: AccessRequest) => void;
}) {
  const { request, step, userEntityRef, onClose, onDelegated } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const catalogApi = useApi(catalogApiRef);
  const [to, setTo] = useState('');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const members = useAsync(async () => {
    const { items } = await catalogApi.getEntities({
      filter: { kind: 'User', 'relations.memberOf': step.reviewerRef },
      fields: [
        'kind',
        'metadata.name',
        'metadata.namespace',
        'spec.profile.displayName',
      ],
    });
    return items
      .map(entity => ({
        ref: stringifyEntityRef(entity),
        name:
          ((entity.spec?.profile as { displayName?: string } | undefined)
            ?.displayName as string | undefined) ?? entity.metadata.name,
      }))
      .filter(
        member =>
          member.ref !== userEntityRef &&
          member.ref !== request.requesterRef &&
          member.ref !== step.delegateRef,
      )
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [catalogApi, step.reviewerRef]);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      const result = await apiAccess.delegateStep(request.id, step.id, {
        to,
        comment: comment.trim() || undefined,
      });
      onDelegated(result);
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
      aria-labelledby="api-access-delegate-title"
    >
      <DialogTitle id="api-access-delegate-title">
        Delegate the {step.name} review
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2" paragraph>
          The member you choose is notified and shown on the step. Everyone in{' '}
          {step.reviewerRef} can still decide it.
        </Typography>
        {members.loading && <Progress />}
        {members.error && (
          <Alert severity="error">{errorMessage(members.error)}</Alert>
        )}
        {members.value && members.value.length === 0 && (
          <Alert severity="info">
            Nobody else in {step.reviewerRef} can take this step.
          </Alert>
        )}
        {members.value && members.value.length > 0 && (
          <TextField
            select
            fullWidth
            margin="normal"
            id="api-access-delegate-to"
            label="Delegate to"
            value={to}
            onChange={e => setTo(e.target.value)}
          >
            {members.value.map(member => (
              <MenuItem key={member.ref} value={member.ref}>
                {member.name} ({member.ref})
              </MenuItem>
            ))}
          </TextField>
        )}
        <TextField
          fullWidth
          multiline
          margin="normal"
          id="api-access-delegate-comment"
          label="Comment (optional)"
          value={comment}
          onChange={e => setComment(e.target.value)}
          inputProps={{ maxLength: 2000 }}
        />
        {error && (
          <Alert severity="error" role="alert">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={!to || busy}
          onClick={confirm}
        >
          Delegate
        </Button>
      </DialogActions>
    </Dialog>
  );
}
