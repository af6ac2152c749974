/*
 * Suspending and resuming a grant (the API's owners and admins): a pause,
 * not a revocation. The credential is refused at once and works again on
 * resume; the grant and its history stay. A reason is required to suspend.
 */
import { useState } from 'react';
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { apiAccessTranslationRef } from '../../translation';
import { errorMessage, formatDateTime } from '../../format';

export function SuspendGrantDialog(props: {
  grant: Grant;
  onClose: (suspended?: Grant) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function suspend() {
    setBusy(true);
    setError(undefined);
    try {
      onClose(await apiAccess.suspendGrant(grant.id, reason.trim()));
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={() => onClose()}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-suspend-title"
    >
      <DialogTitle id="api-access-suspend-title">
        {t('grantActions.suspendTitle', {
          consumer: grant.consumerRef,
          api: grant.apiRef,
        })}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <Typography variant="body2" paragraph>
          {t('grantActions.suspendExplained', {
            environment: grant.environment,
          })}
        </Typography>
        <TextField
          id="api-access-suspend-reason"
          label={t('grantActions.reason')}
          required
          fullWidth
          multiline
          minRows={2}
          value={reason}
          onChange={e => setReason(e.target.value)}
          helperText={t('grantActions.reasonHelp')}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose()}>{t('grantActions.cancel')}</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={busy || reason.trim().length < 3}
          onClick={suspend}
        >
          {t('grantActions.confirmSuspend')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function ResumeGrantDialog(props: {
  grant: Grant;
  onClose: (resumed?: Grant) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function resume() {
    setBusy(true);
    setError(undefined);
    try {
      onClose(
        await apiAccess.resumeGrant(grant.id, comment.trim() || undefined),
      );
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={() => onClose()}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-resume-title"
    >
      <DialogTitle id="api-access-resume-title">
        {t('grantActions.resumeTitle', {
          consumer: grant.consumerRef,
          api: grant.apiRef,
        })}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        {grant.suspension && (
          <Typography variant="body2" paragraph>
            {t('grantActions.resumeExplained', {
              when: formatDateTime(grant.suspension.at),
              by: grant.suspension.by,
              reason: grant.suspension.reason,
            })}
          </Typography>
        )}
        <TextField
          id="api-access-resume-comment"
          label={t('grantActions.comment')}
          fullWidth
          multiline
          minRows={2}
          value={comment}
          onChange={e => setComment(e.target.value)}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose()}>{t('grantActions.cancel')}</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy}
          onClick={resume}
        >
          {t('grantActions.confirmResume')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
