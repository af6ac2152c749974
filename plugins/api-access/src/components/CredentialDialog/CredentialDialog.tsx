/*
 * Getting (or rotating) a grant's API key: accept the usage terms, then see
 * the key exactly once, with a copy button and a plain warning.
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
  Grant,
  IssuedCredential,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef, isIssuedOAuth2Client } from '../../api/ApiAccessApi';
import { useTermsAcceptance } from '../../hooks/useTermsAcceptance';
import { TermsAcceptance } from '../TermsAcceptance';
import { errorMessage, formatDateTime } from '../../format';

export function CredentialDialog(props: {
  grant: Grant;
  onClose: (issued: boolean) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const acceptance = useTermsAcceptance();
  const { terms, accepted } = acceptance;
  const [issued, setIssued] = useState<IssuedCredential>();
  const [error, setError] = useState<string>();
  const [copied, setCopied] = useState(false);
  const rotating = !!grant.credential;

  async function issue() {
    setError(undefined);
    try {
      const answer = await apiAccess.issueCredential(
        grant.id,
        terms.value!.version,
      );
      if (isIssuedOAuth2Client(answer)) {
        // Not a key: the grant is an OAuth2 client's, shown by its own dialog.
        setError('The backend answered with an OAuth client, not an API key.');
        return;
      }
      setIssued(answer);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <Dialog
      open
      onClose={() => onClose(!!issued)}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-credential-title"
    >
      <DialogTitle id="api-access-credential-title">
        {rotating ? 'Rotate the API key' : 'Get the API key'} for {grant.apiRef}
      </DialogTitle>
      <DialogContent>
        <TermsAcceptance
          acceptance={acceptance}
          error={error}
          show={!issued}
          notice={
            rotating && (
              <Alert severity="info" style={{ marginBottom: 8 }}>
                The current key ({grant.credential!.prefix}…) keeps working only
                for the configured overlap after you rotate.
              </Alert>
            )
          }
        />
        {issued && (
          <>
            <Alert severity="warning" style={{ marginBottom: 16 }}>
              Copy this key into the storage your request named, now. You will
              not see it again.
            </Alert>
            <TextField
              fullWidth
              id="api-access-issued-key"
              label="API key"
              value={issued.secret}
              InputProps={{ readOnly: true }}
              onFocus={e => e.target.select()}
            />
            <Typography variant="caption" color="textSecondary" display="block">
              Issued {formatDateTime(issued.createdAt)}
              {issued.previousValidUntil
                ? `; the previous key stops working ${formatDateTime(
                    issued.previousValidUntil,
                  )}`
                : ''}
            </Typography>
          </>
        )}
      </DialogContent>
      <DialogActions>
        {issued ? (
          <>
            <Button
              onClick={async () => {
                await navigator.clipboard?.writeText(issued.secret);
                setCopied(true);
              }}
            >
              {copied ? 'Copied' : 'Copy'}
            </Button>
            <Button
              color="primary"
              variant="contained"
              onClick={() => onClose(true)}
            >
              Done
            </Button>
          </>
        ) : (
          <>
            <Button onClick={() => onClose(false)}>Cancel</Button>
            <Button
              color="primary"
              variant="contained"
              disabled={!accepted || !terms.value}
              onClick={issue}
            >
              {rotating ? 'Rotate and show the new key' : 'Show my key'}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
