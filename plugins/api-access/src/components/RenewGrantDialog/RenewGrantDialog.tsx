/*
 * Renewing a grant before it expires: a new term counted from approval.
 * With unchanged terms and recent use, policy renews at once; otherwise the
 * API's owner confirms (the dialog says which happened).
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
import {
  AccessRequest,
  Grant,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { errorMessage } from '../../format';

export function RenewGrantDialog(props: {
  grant: Grant;
  onClose: (renewal?: AccessRequest) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [days, setDays] = useState('90');
  const [justification, setJustification] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function renew() {
    setBusy(true);
    setError(undefined);
    try {
      onClose(
        await apiAccess.renewGrant(grant.id, {
          durationDays: Number(days),
          justification: justification.trim() || undefined,
        }),
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
      aria-labelledby="api-access-renew-title"
    >
      <DialogTitle id="api-access-renew-title">
        Renew {grant.consumerRef}'s access to {grant.apiRef}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <Typography variant="body2" paragraph>
          Same API, environment and scopes; the new term starts when the renewal
          is approved. If the terms are no longer than before and the credential
          was used recently, it is renewed at once; otherwise the API's owners
          confirm. The credential stays the same.
        </Typography>
        <TextField
          id="api-access-renew-days"
          label="Duration (days)"
          type="number"
          value={days}
          onChange={e => setDays(e.target.value)}
          inputProps={{ min: 1 }}
          style={{ marginBottom: 16 }}
        />
        <TextField
          id="api-access-renew-justification"
          label="Why it is still needed (optional)"
          fullWidth
          multiline
          minRows={2}
          value={justification}
          onChange={e => setJustification(e.target.value)}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose()}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || !(Number(days) >= 1)}
          onClick={renew}
        >
          Renew
        </Button>
      </DialogActions>
    </Dialog>
  );
}
