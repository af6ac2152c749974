/*
 * Revoking a grant: a reason is required (it goes to the history and to the
 * people told), and the dialog says plainly what happens to the credential.
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
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { errorMessage } from '../../format';

export function RevokeGrantDialog(props: {
  grant: Grant;
  onClose: (revoked?: Grant) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function revoke() {
    setBusy(true);
    setError(undefined);
    try {
      onClose(await apiAccess.revokeGrant(grant.id, reason));
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
      aria-labelledby="api-access-revoke-title"
    >
      <DialogTitle id="api-access-revoke-title">
        Revoke {grant.consumerRef}'s access to {grant.apiRef}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <Typography variant="body2" paragraph>
          The {grant.environment} credential stops working at the gateway at
          once, and every provisioner is told to remove it. The grant and its
          history stay on record. This cannot be undone: access needs a new
          request.
        </Typography>
        <TextField
          id="api-access-revoke-reason"
          label="Reason"
          required
          fullWidth
          multiline
          minRows={2}
          value={reason}
          onChange={e => setReason(e.target.value)}
          helperText="Recorded in the history and sent to the requester and the API's owners"
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose()}>Cancel</Button>
        <Button
          color="secondary"
          variant="contained"
          disabled={busy || reason.trim().length < 3}
          onClick={revoke}
        >
          Revoke access
        </Button>
      </DialogActions>
    </Dialog>
  );
}
