/*
 * The requester's answer to "changes requested": the same terms, editable,
 * with a note for the reviewers. The API and consumer stay as they were.
 */
import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import { AccessRequest } from '@internal/plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { ScopePicker } from './ScopePicker';
import { TermsFields, TermsText } from './TermsFields';
import { errorMessage } from './shared';

export function ResubmitDialog(props: {
  request: AccessRequest;
  onClose: () => void;
  onResubmitted: (request: AccessRequest) => void;
}) {
  const { request, onClose, onResubmitted } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const profile = useAsync(
    () => apiAccess.getProfile(request.apiRef),
    [apiAccess, request.apiRef],
  );
  const [environment, setEnvironment] = useState(request.environment);
  const [scopes, setScopes] = useState(request.scopes);
  const [text, setText] = useState<TermsText>({
    useCase: request.useCase,
    justification: request.justification,
    credentialStorage: request.credentialStorage,
    durationDays: String(request.durationDays),
  });
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();

  async function submit() {
    setError(undefined);
    try {
      onResubmitted(
        await apiAccess.resubmit(request.id, {
          consumerRef: request.consumerRef,
          environment,
          scopes,
          useCase: text.useCase,
          justification: text.justification,
          credentialStorage: text.credentialStorage,
          durationDays: Number(text.durationDays),
          comment: comment.trim() || undefined,
        }),
      );
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-resubmit-title"
    >
      <DialogTitle id="api-access-resubmit-title">
        Edit and resubmit
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <TextField
          select
          fullWidth
          margin="normal"
          id="api-access-resubmit-environment"
          label="Environment"
          value={environment}
          onChange={e => setEnvironment(e.target.value)}
        >
          {(profile.value?.environments ?? [request.environment]).map(env => (
            <MenuItem key={env} value={env}>
              {env}
            </MenuItem>
          ))}
        </TextField>
        {(profile.value?.scopes.length ?? 0) > 0 && (
          <ScopePicker
            label="Scopes"
            options={profile.value!.scopes}
            value={scopes}
            onChange={setScopes}
          />
        )}
        <TermsFields
          idPrefix="api-access-resubmit"
          value={text}
          onChange={setText}
        />
        <TextField
          fullWidth
          multiline
          minRows={2}
          margin="normal"
          id="api-access-resubmit-comment"
          label="What changed (for the reviewers)"
          value={comment}
          onChange={e => setComment(e.target.value)}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button color="primary" variant="contained" onClick={submit}>
          Resubmit
        </Button>
      </DialogActions>
    </Dialog>
  );
}
