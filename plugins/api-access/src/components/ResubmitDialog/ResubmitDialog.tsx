/*
 * The requester's answer to "changes requested": the same terms, editable,
 * with a note for the reviewers. The API and consumer stay as they were.
 * The request assistant checks the edited terms as in the request form.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import { useApi } from '@backstage/core-plugin-api';
import { AccessRequest } from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useRequestDraft } from '../../hooks/useRequestDraft';
import {
  DraftFieldFindings,
  RequestDraftActions,
  RequestDraftForm,
} from '../RequestDraftForm';

export function ResubmitDialog(props: {
  request: AccessRequest;
  onClose: () => void;
  onResubmitted: (request: AccessRequest) => void;
}) {
  const { request, onClose, onResubmitted } = props;
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const apiAccess = useApi(apiAccessApiRef);
  const profile = useAsync(
    () => apiAccess.getProfile(request.apiRef),
    [apiAccess, request.apiRef],
  );
  const draft = useRequestDraft({
    apiRef: request.apiRef,
    offer: profile.value,
    requestId: request.id,
    initial: {
      consumerRef: request.consumerRef,
      environment: request.environment,
      scopes: request.scopes,
      // Kept as requested, whichever type it is (a module's too).
      credentialType: request.credentialType,
      text: {
        useCase: request.useCase,
        justification: request.justification,
        credentialStorage: request.credentialStorage,
        durationDays: String(request.durationDays),
      },
      comment: '',
      plan: request.requestedPlan ?? '',
    },
    active: true,
  });
  const { comment } = draft.values;

  async function submit() {
    const resubmitted = await draft.submit(terms =>
      apiAccess.resubmit(request.id, {
        ...terms,
        comment: comment.trim() || undefined,
      }),
    );
    if (resubmitted) onResubmitted(resubmitted);
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
        {t('requestForm.resubmitTitle')}
      </DialogTitle>
      <DialogContent>
        <RequestDraftForm
          draft={draft}
          idPrefix="api-access-resubmit"
          environments={[request.environment]}
          topFields={['request', 'apiRef', 'consumerRef']}
          after={
            <>
              <TextField
                fullWidth
                multiline
                minRows={2}
                margin="normal"
                id="api-access-resubmit-comment"
                label={t('requestForm.resubmitComment')}
                value={comment}
                onChange={e => draft.set('comment', e.target.value)}
              />
              <DraftFieldFindings draft={draft} field="comment" />
            </>
          }
        />
      </DialogContent>
      <DialogActions>
        <RequestDraftActions
          draft={draft}
          submitLabel={t('requestForm.resubmit')}
          onCancel={onClose}
          onSubmit={submit}
        />
      </DialogActions>
    </Dialog>
  );
}
