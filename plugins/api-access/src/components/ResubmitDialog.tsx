/*
 * The requester's answer to "changes requested": the same terms, editable,
 * with a note for the reviewers. The API and consumer stay as they were.
 * The request assistant checks the edited terms as in the request form.
 */
import { useMemo, useState } from 'react';
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
import {
  AccessRequest,
  Finding,
  FindingSuggestion,
} from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { ScopePicker } from './ScopePicker';
import {
  CredentialType,
  CredentialTypeField,
  TermsFields,
  TermsText,
} from './TermsFields';
import {
  FieldFindings,
  RiskScoreView,
  findingsOfError,
  useDraftAssessment,
  visibleFindings,
} from './RequestAssistant';
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
  const [credentialType, setCredentialType] = useState<CredentialType>(
    request.credentialType === 'mtls-certificate'
      ? 'mtls-certificate'
      : 'api-key',
  );
  const [text, setText] = useState<TermsText>({
    useCase: request.useCase,
    justification: request.justification,
    credentialStorage: request.credentialStorage,
    durationDays: String(request.durationDays),
  });
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [refused, setRefused] = useState<{
    key: string;
    findings: Finding[];
  }>();

  const draft = useMemo(
    () => ({
      apiRef: request.apiRef,
      consumerRef: request.consumerRef,
      requestId: request.id,
      environment,
      scopes,
      credentialType,
      useCase: text.useCase,
      justification: text.justification,
      credentialStorage: text.credentialStorage,
      durationDays:
        text.durationDays.trim() && Number.isFinite(Number(text.durationDays))
          ? Number(text.durationDays)
          : undefined,
      comment,
    }),
    [request, environment, scopes, credentialType, text, comment],
  );
  const draftKey = JSON.stringify(draft);
  const assessment = useDraftAssessment(draft);
  const findings = visibleFindings(
    assessment?.findings,
    refused?.key === draftKey ? refused.findings : undefined,
  );
  const blockers = findings.filter(f => f.severity === 'blocker');

  function apply(suggestion: FindingSuggestion) {
    if (suggestion.field === 'scopes') {
      setScopes(suggestion.value);
    } else if (suggestion.field === 'durationDays') {
      setText(t => ({ ...t, durationDays: String(suggestion.value) }));
    } else {
      setEnvironment(suggestion.value);
    }
  }
  const notes = (field: Finding['field']) => (
    <FieldFindings findings={findings} fields={[field]} onApply={apply} />
  );

  async function submit() {
    setError(undefined);
    try {
      onResubmitted(
        await apiAccess.resubmit(request.id, {
          consumerRef: request.consumerRef,
          environment,
          scopes,
          credentialType,
          useCase: text.useCase,
          justification: text.justification,
          credentialStorage: text.credentialStorage,
          durationDays: Number(text.durationDays),
          comment: comment.trim() || undefined,
        }),
      );
    } catch (e) {
      const refusedWith = findingsOfError(e);
      if (refusedWith) {
        setRefused({ key: draftKey, findings: refusedWith });
        setError(
          'The request assistant found a problem to fix before submitting: see below.',
        );
      } else {
        setError(errorMessage(e));
      }
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
        <FieldFindings
          findings={findings}
          fields={['request', 'apiRef', 'consumerRef']}
          onApply={apply}
          label="the request"
        />
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
        {notes('environment')}
        {(profile.value?.scopes.length ?? 0) > 0 && (
          <ScopePicker
            label="Scopes"
            options={profile.value!.scopes}
            value={scopes}
            onChange={setScopes}
          />
        )}
        {notes('scopes')}
        <CredentialTypeField
          id="api-access-resubmit-credential-type"
          value={credentialType}
          onChange={setCredentialType}
        />
        <TermsFields
          idPrefix="api-access-resubmit"
          value={text}
          onChange={setText}
          notes={{
            useCase: notes('useCase'),
            justification: notes('justification'),
            credentialStorage: notes('credentialStorage'),
            durationDays: notes('durationDays'),
          }}
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
        {notes('comment')}
        {assessment && (
          <>
            <Typography variant="subtitle2" style={{ marginTop: 16 }}>
              Risk
            </Typography>
            <RiskScoreView risk={assessment.risk} />
          </>
        )}
      </DialogContent>
      <DialogActions>
        {blockers.length > 0 && (
          <Typography
            variant="caption"
            color="error"
            style={{ marginRight: 'auto', paddingLeft: 16 }}
            data-testid="api-access-submit-blocked"
          >
            Fix first: {blockers[0].message}
            {blockers.length > 1 ? ` (and ${blockers.length - 1} more)` : ''}
          </Typography>
        )}
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={submit}
          disabled={blockers.length > 0}
        >
          Resubmit
        </Button>
      </DialogActions>
    </Dialog>
  );
}
