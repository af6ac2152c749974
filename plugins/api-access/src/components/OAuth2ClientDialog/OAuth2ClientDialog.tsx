/*
 * Getting (or rotating) a bearer-token grant's client secret (oauth2-client,
 * or another module's bearer-token type): accept the usage terms, then see
 * the client id, the secret (exactly once: api-access does not keep it), the
 * token endpoint and the scopes, each with a copy button, and curl lines that
 * fetch a token and call the API with it. A module type whose answer is not
 * such a client gets its shown-once fields as they came, each copyable.
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
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import {
  apiAccessApiRef,
  IssuedGrantCredential,
  isIssuedOAuth2Client,
  IssuedOAuth2Client,
} from '../../api/ApiAccessApi';
import { useTermsAcceptance } from '../../hooks/useTermsAcceptance';
import { TermsAcceptance } from '../TermsAcceptance';
import { errorMessage, formatDateTime } from '../../format';
import { apiAccessTranslationRef } from '../../translation';

const MONOSPACE = { fontFamily: 'monospace', fontSize: '0.8rem' };

/** A value for a POSIX shell, in single quotes. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The curl line that fetches a token with the client credentials grant
 * (RFC 6749 §4.4): the client authenticates with HTTP Basic, as registered
 * (client_secret_basic). Several scopes are one space-separated value, so
 * they are URL-encoded. The secret is read from the environment, never
 * written into the command.
 */
export function tokenCurlCommand(
  issued: Pick<IssuedOAuth2Client, 'tokenEndpoint' | 'scopes'>,
): string {
  const scope = issued.scopes.join(' ');
  let scopeArgument = '';
  if (issued.scopes.length === 1) {
    scopeArgument = ` -d scope=${shellQuote(scope)}`;
  } else if (issued.scopes.length > 1) {
    scopeArgument = ` --data-urlencode ${shellQuote(`scope=${scope}`)}`;
  }
  return `curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials${scopeArgument} ${shellQuote(
    issued.tokenEndpoint,
  )}`;
}

/** The whole example: the client id, the token request, and a call with the token. */
export function oauth2CurlExample(
  issued: Pick<IssuedOAuth2Client, 'clientId' | 'tokenEndpoint' | 'scopes'>,
): string {
  return [
    `export CLIENT_ID=${shellQuote(issued.clientId)}`,
    '# CLIENT_SECRET: read it from the storage you put it in, e.g.',
    '# export CLIENT_SECRET="$(vault kv get -field=secret kv/my-service)"',
    `TOKEN="$(${tokenCurlCommand(issued)} | jq -r .access_token)"`,
    "# API_URL: the API's address at your gateway",
    'curl -H "Authorization: Bearer $TOKEN" "$API_URL"',
  ].join('\n');
}

/** The fields every issue answer has; the rest are the type's own, shown once. */
const COMMON_FIELDS = new Set([
  'id',
  'grantId',
  'credentialType',
  'termsVersion',
  'createdAt',
  'previousValidUntil',
]);

/**
 * Whether an answer is an OAuth2 client: the oauth2-client type's, or
 * another type's with a client id, secret, token endpoint and scopes.
 */
function isClient(answer: IssuedGrantCredential): answer is IssuedOAuth2Client {
  if (isIssuedOAuth2Client(answer)) return true;
  const fields = answer as unknown as Record<string, unknown>;
  return (
    typeof fields.clientId === 'string' &&
    typeof fields.clientSecret === 'string' &&
    typeof fields.tokenEndpoint === 'string' &&
    Array.isArray(fields.scopes) &&
    fields.scopes.every(scope => typeof scope === 'string')
  );
}

/** A module type's own fields, as text (React escapes them), in the answer's order. */
function shownOnceFields(
  answer: IssuedGrantCredential,
): Array<{ name: string; value: string }> {
  return Object.entries(answer as unknown as Record<string, unknown>)
    .filter(([name, value]) => !COMMON_FIELDS.has(name) && value !== undefined)
    .map(([name, value]) => ({
      name,
      value: typeof value === 'string' ? value : JSON.stringify(value),
    }));
}

type Issued =
  | { client: IssuedOAuth2Client }
  | {
      client?: undefined;
      fields: Array<{ name: string; value: string }>;
      createdAt: string;
      previousValidUntil?: string;
    };

/** A read-only field with its own copy button. */
function CopyableField(props: {
  label: string;
  value: string;
  testId: string;
  monospace?: boolean;
}) {
  const { label, value, testId, monospace } = props;
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const [copied, setCopied] = useState(false);
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      <TextField
        fullWidth
        margin="dense"
        label={label}
        value={value}
        InputProps={{
          readOnly: true,
          style: monospace ? MONOSPACE : undefined,
        }}
        inputProps={{ 'data-testid': testId }}
        onFocus={e => e.target.select()}
      />
      <Button
        size="small"
        aria-label={t('oauth2Client.copyNamed', { name: label })}
        onClick={async () => {
          await navigator.clipboard?.writeText(value);
          setCopied(true);
        }}
      >
        {copied ? t('oauth2Client.copied') : t('oauth2Client.copy')}
      </Button>
    </div>
  );
}

export function OAuth2ClientDialog(props: {
  grant: Grant;
  onClose: (issued: boolean) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const acceptance = useTermsAcceptance();
  const { terms, accepted } = acceptance;
  const [answer, setAnswer] = useState<Issued>();
  const [error, setError] = useState<string>();
  const [issuing, setIssuing] = useState(false);
  const [exampleCopied, setExampleCopied] = useState(false);
  const rotating = !!grant.credential;

  async function issue() {
    setError(undefined);
    setIssuing(true);
    try {
      const issuedNow = await apiAccess.issueCredential(
        grant.id,
        terms.value!.version,
      );
      if (issuedNow.credentialType !== grant.credentialType) {
        // Another type's answer (a key where a client was expected): say so
        // rather than show half a dialog.
        setError(t('oauth2Client.notAClient'));
        return;
      }
      setAnswer(
        isClient(issuedNow)
          ? { client: issuedNow }
          : {
              fields: shownOnceFields(issuedNow),
              createdAt: issuedNow.createdAt,
              previousValidUntil: issuedNow.previousValidUntil,
            },
      );
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setIssuing(false);
    }
  }

  const issued = answer?.client;
  const example = issued ? oauth2CurlExample(issued) : '';
  return (
    <Dialog
      open
      onClose={() => onClose(!!answer)}
      fullWidth
      maxWidth="md"
      aria-labelledby="api-access-oauth2-client-title"
    >
      <DialogTitle id="api-access-oauth2-client-title">
        {rotating
          ? t('oauth2Client.rotateTitle', { api: grant.apiRef })
          : t('oauth2Client.getTitle', { api: grant.apiRef })}
      </DialogTitle>
      <DialogContent>
        <TermsAcceptance
          acceptance={acceptance}
          error={error}
          show={!answer}
          notice={
            rotating && (
              <Alert severity="info" style={{ marginBottom: 8 }}>
                {t('oauth2Client.rotateNotice', {
                  clientId: grant.credential!.prefix,
                })}
              </Alert>
            )
          }
        />
        {issued && (
          <>
            <Alert
              severity="warning"
              style={{ marginBottom: 16 }}
              data-testid="oauth2-client-warning"
            >
              {t('oauth2Client.onceWarning')}
            </Alert>
            <CopyableField
              label={t('oauth2Client.clientId')}
              value={issued.clientId}
              testId="oauth2-client-id"
            />
            <CopyableField
              label={t('oauth2Client.clientSecret')}
              value={issued.clientSecret}
              testId="oauth2-client-secret"
              monospace
            />
            <CopyableField
              label={t('oauth2Client.tokenEndpoint')}
              value={issued.tokenEndpoint}
              testId="oauth2-token-endpoint"
            />
            <Typography
              variant="body2"
              style={{ marginTop: 8 }}
              data-testid="oauth2-scopes"
            >
              {issued.scopes.length
                ? t('oauth2Client.scopes', { scopes: issued.scopes.join(' ') })
                : t('oauth2Client.noScopes')}
            </Typography>
            {issued.audience && (
              <Typography variant="body2" data-testid="oauth2-audience">
                {t('oauth2Client.audience', { audience: issued.audience })}
              </Typography>
            )}
            <Typography variant="subtitle2" style={{ marginTop: 16 }}>
              {t('oauth2Client.exampleTitle')}
            </Typography>
            <Typography variant="body2" color="textSecondary">
              {t('oauth2Client.exampleHelp')}
            </Typography>
            <pre
              style={{ ...MONOSPACE, whiteSpace: 'pre-wrap', margin: 0 }}
              data-testid="oauth2-curl-example"
            >
              {example}
            </pre>
            <Button
              size="small"
              onClick={async () => {
                await navigator.clipboard?.writeText(example);
                setExampleCopied(true);
              }}
            >
              {exampleCopied
                ? t('oauth2Client.copied')
                : t('oauth2Client.copyExample')}
            </Button>
            <Typography variant="caption" color="textSecondary" display="block">
              {t('oauth2Client.issuedAt', {
                when: formatDateTime(issued.createdAt),
              })}
              {issued.previousValidUntil
                ? t('oauth2Client.previousUntil', {
                    when: formatDateTime(issued.previousValidUntil),
                  })
                : ''}
            </Typography>
          </>
        )}
        {answer && !answer.client && (
          <>
            <Alert
              severity="warning"
              style={{ marginBottom: 16 }}
              data-testid="oauth2-client-warning"
            >
              {t('oauth2Client.onceWarning')}
            </Alert>
            {answer.fields.map(field => (
              <CopyableField
                key={field.name}
                label={field.name}
                value={field.value}
                testId={`credential-field-${field.name}`}
                monospace
              />
            ))}
            <Typography variant="caption" color="textSecondary" display="block">
              {t('oauth2Client.issuedAt', {
                when: formatDateTime(answer.createdAt),
              })}
              {answer.previousValidUntil
                ? t('oauth2Client.previousUntil', {
                    when: formatDateTime(answer.previousValidUntil),
                  })
                : ''}
            </Typography>
          </>
        )}
      </DialogContent>
      <DialogActions>
        {answer ? (
          <Button
            color="primary"
            variant="contained"
            onClick={() => onClose(true)}
          >
            {t('oauth2Client.done')}
          </Button>
        ) : (
          <>
            <Button onClick={() => onClose(false)}>
              {t('oauth2Client.cancel')}
            </Button>
            <Button
              color="primary"
              variant="contained"
              disabled={!accepted || !terms.value || issuing}
              onClick={issue}
            >
              {rotating
                ? t('oauth2Client.rotateAndShow')
                : t('oauth2Client.show')}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
