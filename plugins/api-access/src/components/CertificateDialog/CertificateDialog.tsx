/*
 * Getting (or renewing) a grant's client certificate: accept the usage
 * terms, make a key and a CSR locally with openssl, paste only the CSR, and
 * get back the signed certificate and the CA certificate to copy or
 * download. The private key never reaches the browser's requests: a pasted
 * key is refused here before anything is sent.
 */
import { useEffect, useState } from 'react';
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
  IssuedCertificate,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useTermsAcceptance } from '../../hooks/useTermsAcceptance';
import { TermsAcceptance } from '../TermsAcceptance';
import { errorMessage, formatDateTime } from '../../format';

const MONOSPACE = {
  fontFamily: 'monospace',
  fontSize: '0.8rem',
};

/**
 * The openssl command that makes an EC P-256 key and a CSR. The subject does
 * not matter to api-access (it names the certificate itself), but openssl
 * reads `/` in -subj as the start of a new name part, so the entity ref's
 * slashes are escaped.
 */
export function opensslCommand(consumerRef: string): string {
  const cn = consumerRef.replace(/\//g, '\\/');
  return `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key -out client.csr -subj "/CN=${cn}"`;
}

/** Why pasted text cannot be sent as a CSR, or undefined when it can. */
export function csrProblem(text: string): string | undefined {
  if (/PRIVATE KEY/.test(text)) {
    return 'This is a private key. Never paste a private key here or anywhere else: it must stay on the machine that made it. Nothing was sent. Delete it from this field and paste only the certificate signing request (client.csr).';
  }
  const csr = text.trim();
  if (!csr) return undefined;
  if (
    !/-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+-----END (NEW )?CERTIFICATE REQUEST-----/.test(
      csr,
    )
  ) {
    return 'This is not a PEM certificate signing request: paste the whole of client.csr, from -----BEGIN CERTIFICATE REQUEST----- to -----END CERTIFICATE REQUEST-----.';
  }
  if (csr.length > 16384) {
    return 'This is too long for a certificate signing request (at most 16384 characters).';
  }
  return undefined;
}

/** An object URL for a text download, revoked when the text changes or the dialog closes. */
function useDownloadUrl(text: string | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!text || typeof URL.createObjectURL !== 'function') {
      setUrl(undefined);
      return undefined;
    }
    const created = URL.createObjectURL(
      new Blob([text], { type: 'application/x-pem-file' }),
    );
    setUrl(created);
    return () => URL.revokeObjectURL(created);
  }, [text]);
  return url;
}

function PemField(props: {
  id: string;
  label: string;
  pem: string;
  fileName: string;
}) {
  const { id, label, pem, fileName } = props;
  const url = useDownloadUrl(pem);
  const [copied, setCopied] = useState(false);
  return (
    <div style={{ marginTop: 16 }}>
      <TextField
        fullWidth
        multiline
        minRows={4}
        maxRows={10}
        variant="outlined"
        id={id}
        label={label}
        value={pem}
        InputProps={{ readOnly: true, style: MONOSPACE }}
        onFocus={e => e.target.select()}
      />
      <Button
        size="small"
        onClick={async () => {
          await navigator.clipboard?.writeText(pem);
          setCopied(true);
        }}
        aria-label={`Copy ${label.toLowerCase()}`}
      >
        {copied ? 'Copied' : 'Copy'}
      </Button>
      <Button
        size="small"
        component="a"
        href={url}
        download={fileName}
        disabled={!url}
      >
        Download {fileName}
      </Button>
    </div>
  );
}

export function CertificateDialog(props: {
  grant: Grant;
  onClose: (issued: boolean) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const acceptance = useTermsAcceptance();
  const { terms, accepted } = acceptance;
  const [csr, setCsr] = useState('');
  const [checked, setChecked] = useState(false);
  const [sending, setSending] = useState(false);
  const [issued, setIssued] = useState<IssuedCertificate>();
  const [error, setError] = useState<string>();
  const [commandCopied, setCommandCopied] = useState(false);
  const renewing = !!grant.credential;
  const command = opensslCommand(grant.consumerRef);
  const pastedKey = /PRIVATE KEY/.test(csr);
  const problem = csrProblem(csr);
  const shownProblem = pastedKey || checked ? problem : undefined;

  async function issue() {
    setChecked(true);
    setError(undefined);
    // Checked again on click: nothing that looks like a key is ever sent.
    if (csrProblem(csr) || !terms.value) return;
    setSending(true);
    try {
      setIssued(
        await apiAccess.issueCertificate(
          grant.id,
          csr.trim(),
          terms.value.version,
        ),
      );
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSending(false);
    }
  }

  return (
    <Dialog
      open
      onClose={() => onClose(!!issued)}
      fullWidth
      maxWidth="md"
      aria-labelledby="api-access-certificate-title"
    >
      <DialogTitle id="api-access-certificate-title">
        {renewing ? 'Renew the client certificate' : 'Get a client certificate'}{' '}
        for {grant.apiRef}
      </DialogTitle>
      <DialogContent>
        <TermsAcceptance acceptance={acceptance} error={error} show={!issued} />
        {terms.value && !issued && (
          <>
            <Typography variant="subtitle2" style={{ marginTop: 16 }}>
              1. Make a private key and a certificate signing request
            </Typography>
            <Typography variant="body2" paragraph>
              The private key stays with you: make it on the machine that will
              call the API, keep it there, and never paste or send it anywhere.
              api-access only needs the certificate signing request (CSR), which
              holds the public key. Run:
            </Typography>
            <pre
              style={{
                ...MONOSPACE,
                whiteSpace: 'pre-wrap',
                wordBreak: 'break-all',
                padding: 8,
                margin: 0,
                background: 'rgba(127, 127, 127, 0.12)',
                borderRadius: 4,
              }}
            >
              {command}
            </pre>
            <Button
              size="small"
              onClick={async () => {
                await navigator.clipboard?.writeText(command);
                setCommandCopied(true);
              }}
            >
              {commandCopied ? 'Copied' : 'Copy command'}
            </Button>
            <Typography variant="body2" color="textSecondary">
              This writes client.key (the private key: keep it) and client.csr
              (the request: paste it below). The certificate is named after{' '}
              {grant.consumerRef} whatever the request says.
            </Typography>
            <Typography variant="subtitle2" style={{ marginTop: 16 }}>
              2. Paste the certificate signing request
            </Typography>
            {pastedKey && (
              <Alert severity="error" role="alert" style={{ marginTop: 8 }}>
                {problem}
              </Alert>
            )}
            <TextField
              fullWidth
              multiline
              minRows={6}
              maxRows={14}
              variant="outlined"
              margin="normal"
              id="api-access-csr"
              label="Certificate signing request (client.csr)"
              placeholder={
                '-----BEGIN CERTIFICATE REQUEST-----\n...\n-----END CERTIFICATE REQUEST-----'
              }
              value={csr}
              onChange={e => {
                setCsr(e.target.value);
                setChecked(false);
              }}
              onBlur={() => setChecked(true)}
              error={!!shownProblem}
              helperText={
                shownProblem && !pastedKey
                  ? shownProblem
                  : 'Only the request: it starts with -----BEGIN CERTIFICATE REQUEST-----'
              }
              inputProps={{ spellCheck: false, style: MONOSPACE }}
            />
            {renewing && (
              <Alert severity="info">
                The current certificate (serial {grant.credential!.prefix})
                keeps working only for the configured overlap after you renew;
                then it is put on the revocation list.
              </Alert>
            )}
          </>
        )}
        {issued && (
          <>
            <Alert severity="success" style={{ marginBottom: 8 }}>
              Certificate issued. Install it with client.key, the private key
              you made with the request; the certificate itself is not secret.
            </Alert>
            {issued.previousValidUntil && (
              <Alert severity="info" style={{ marginBottom: 8 }}>
                The previous certificate keeps working until{' '}
                {formatDateTime(issued.previousValidUntil)}; then it is put on
                the revocation list. Replace it before then.
              </Alert>
            )}
            <Typography variant="body2" component="div">
              <div>
                Serial: <span style={MONOSPACE}>{issued.serial}</span>
              </div>
              <div>
                Fingerprint (SHA-256):{' '}
                <span style={{ ...MONOSPACE, wordBreak: 'break-all' }}>
                  {issued.fingerprint}
                </span>
              </div>
              <div>
                Valid from {formatDateTime(issued.notBefore)} until{' '}
                {formatDateTime(issued.notAfter)}
              </div>
            </Typography>
            <PemField
              id="api-access-issued-certificate"
              label="Client certificate"
              pem={issued.certificate}
              fileName="client.crt"
            />
            <PemField
              id="api-access-ca-certificate"
              label="CA certificate"
              pem={issued.caCertificate}
              fileName="api-access-ca.crt"
            />
            <Typography
              variant="caption"
              color="textSecondary"
              display="block"
              style={{ marginTop: 8 }}
            >
              Issued {formatDateTime(issued.createdAt)} under usage terms
              version {issued.termsVersion}. The certificate never outlives the
              grant.
            </Typography>
          </>
        )}
      </DialogContent>
      <DialogActions>
        {issued ? (
          <Button
            color="primary"
            variant="contained"
            onClick={() => onClose(true)}
          >
            Done
          </Button>
        ) : (
          <>
            <Button onClick={() => onClose(false)}>Cancel</Button>
            <Button
              color="primary"
              variant="contained"
              disabled={
                !accepted || !terms.value || !csr.trim() || pastedKey || sending
              }
              onClick={issue}
            >
              {renewing ? 'Renew certificate' : 'Get certificate'}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
