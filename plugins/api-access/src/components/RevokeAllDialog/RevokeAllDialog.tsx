/*
 * Incident revocation: a reason, then the dry run ("These N grants will
 * end", and how many matching grants are on APIs the caller does not own),
 * then the confirmation, which opens the batch's progress page.
 */
import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useNavigate } from 'react-router-dom';
import type {
  IncidentRevocationResult,
  RevocationSelector,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { revocationRouteRef } from '../../routes';
import { errorMessage, formatDate } from '../../format';

const short = (ref: string) => ref.replace(/^[a-z]+:(default\/)?/i, '');

export function RevokeAllDialog(props: {
  /** One of apiRef or consumerRef: whose grants end. */
  selector: RevocationSelector;
  onClose: () => void;
}) {
  const { selector, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const progressLink = useRouteRef(revocationRouteRef);
  const navigate = useNavigate();
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<IncidentRevocationResult>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const subject = selector.apiRef ?? selector.consumerRef ?? '';
  // The other side of each grant: the consumer on an API's page, and so on.
  const other = selector.apiRef ? 'consumerRef' : 'apiRef';

  async function run(dryRun: boolean) {
    setBusy(true);
    setError(undefined);
    try {
      const result = await apiAccess.revokeGrantsInBulk({
        ...selector,
        reason,
        dryRun,
      });
      if (dryRun) {
        setPreview(result);
        setBusy(false);
      } else if (result.batchId) {
        navigate(progressLink({ batchId: encodeURIComponent(result.batchId) }));
        onClose();
      }
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  const count = preview?.grants.length ?? 0;
  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="md"
      aria-labelledby="api-access-revoke-all-title"
    >
      <DialogTitle id="api-access-revoke-all-title">
        Revoke all access {selector.apiRef ? 'to' : 'of'} {short(subject)}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        {!preview ? (
          <>
            <Typography variant="body2" paragraph>
              Every active grant {selector.apiRef ? 'to' : 'of'} {subject} that
              you may revoke ends: its credentials stop working at the gateway
              at once, and every provisioner is told to remove them. First you
              see which grants end; nothing changes until you confirm.
            </Typography>
            <TextField
              id="api-access-revoke-all-reason"
              label="Reason"
              required
              fullWidth
              multiline
              minRows={2}
              value={reason}
              onChange={e => setReason(e.target.value)}
              helperText="Recorded in each grant's history and the batch's, and sent to the requesters and the APIs' owners"
            />
          </>
        ) : (
          <>
            <Typography variant="subtitle1" component="p" paragraph>
              {count === 0
                ? 'No active grant you may revoke matches.'
                : `These ${count} grant${count === 1 ? '' : 's'} will end`}
            </Typography>
            {preview.leftOut > 0 && (
              <Alert severity="info" style={{ marginBottom: 16 }}>
                {preview.leftOut} more active grant
                {preview.leftOut === 1 ? ' is' : 's are'} on APIs you do not
                own; {preview.leftOut === 1 ? 'it stays' : 'they stay'}. Their
                owners or an api-access admin can revoke them.
              </Alert>
            )}
            {count > 0 && (
              <Table size="small" aria-label="Grants that will end">
                <TableHead>
                  <TableRow>
                    <TableCell>
                      {other === 'apiRef' ? 'API' : 'Consumer'}
                    </TableCell>
                    <TableCell>Requester</TableCell>
                    <TableCell>Environment</TableCell>
                    <TableCell>Expires</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {preview.grants.map(grant => (
                    <TableRow key={grant.id}>
                      <TableCell>{short(grant[other])}</TableCell>
                      <TableCell>{short(grant.requesterRef)}</TableCell>
                      <TableCell>{grant.environment}</TableCell>
                      <TableCell>{formatDate(grant.expiresAt)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        {!preview ? (
          <Button
            color="primary"
            variant="contained"
            disabled={busy || reason.trim().length < 3}
            onClick={() => run(true)}
          >
            Show what ends
          </Button>
        ) : (
          <>
            <Button disabled={busy} onClick={() => setPreview(undefined)}>
              Back
            </Button>
            <Button
              color="secondary"
              variant="contained"
              disabled={busy || count === 0}
              onClick={() => run(false)}
            >
              Revoke {count} grant{count === 1 ? '' : 's'}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
