/*
 * The usage terms and their checkbox, shared by the API key dialog and the
 * client certificate dialog: both issue a credential only under accepted terms.
 */
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import type { TermsAcceptanceState } from '../../hooks/useTermsAcceptance';
import { errorMessage } from '../../format';

export function TermsAcceptance(props: {
  acceptance: TermsAcceptanceState;
  /** A failed issue call, shown above everything. */
  error?: string;
  /** False once the credential is issued: the terms are done with. */
  show: boolean;
  /** Between the terms and the checkbox, e.g. what rotating does. */
  notice?: React.ReactNode;
}) {
  const { acceptance, error, show, notice } = props;
  const { terms, accepted, setAccepted } = acceptance;
  return (
    <>
      {error && (
        <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
          {error}
        </Alert>
      )}
      {terms.loading && <Progress />}
      {terms.error && (
        <Alert severity="error">{errorMessage(terms.error)}</Alert>
      )}
      {terms.value && show && (
        <>
          <Typography variant="subtitle2">
            Usage terms (version {terms.value.version})
          </Typography>
          <Typography
            variant="body2"
            paragraph
            style={{ whiteSpace: 'pre-wrap' }}
          >
            {terms.value.text}
          </Typography>
          {notice}
          <FormControlLabel
            control={
              <Checkbox
                checked={accepted}
                onChange={e => setAccepted(e.target.checked)}
              />
            }
            label="I accept these usage terms"
          />
        </>
      )}
    </>
  );
}
