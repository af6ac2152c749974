/*
 * The free-text half of a request, shared by the request form and the
 * resubmit form so both ask the same questions the same way.
 */
import TextField from '@material-ui/core/TextField';

export interface TermsText {
  useCase: string;
  justification: string;
  credentialStorage: string;
  /** Kept as typed; the forms convert it when they submit. */
  durationDays: string;
}

export function TermsFields(props: {
  idPrefix: string;
  value: TermsText;
  onChange: (value: TermsText) => void;
}) {
  const { idPrefix, value, onChange } = props;
  const set =
    (key: keyof TermsText) => (e: React.ChangeEvent<HTMLInputElement>) =>
      onChange({ ...value, [key]: e.target.value });
  return (
    <>
      <TextField
        fullWidth
        multiline
        minRows={2}
        margin="normal"
        label="Use case"
        id={`${idPrefix}-use-case`}
        value={value.useCase}
        onChange={set('useCase')}
        helperText="What will the consumer do with this API?"
      />
      <TextField
        fullWidth
        multiline
        minRows={2}
        margin="normal"
        label="Business justification"
        id={`${idPrefix}-justification`}
        value={value.justification}
        onChange={set('justification')}
      />
      <TextField
        fullWidth
        margin="normal"
        label="Credential storage and rotation"
        id={`${idPrefix}-storage`}
        value={value.credentialStorage}
        onChange={set('credentialStorage')}
        helperText="Where the credential will live and how it is rotated, e.g. Vault kv/my-service, rotated monthly"
      />
      <TextField
        type="number"
        margin="normal"
        label="Duration (days)"
        id={`${idPrefix}-duration`}
        value={value.durationDays}
        onChange={set('durationDays')}
        inputProps={{ min: 1 }}
      />
    </>
  );
}
