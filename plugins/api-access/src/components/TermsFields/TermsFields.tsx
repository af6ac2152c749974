/*
 * The free-text half of a request, shared by the request form and the
 * resubmit form so both ask the same questions the same way.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { CreateAccessRequest } from '@api-access/backstage-plugin-api-access-common';

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
  /** Shown under each field, e.g. the request assistant's findings about it. */
  notes?: Partial<Record<keyof TermsText, React.ReactNode>>;
  /** The longest duration allowed, e.g. by the chosen plan. */
  maxDurationDays?: number;
  durationHelp?: string;
}) {
  const { idPrefix, value, onChange, notes = {} } = props;
  const { maxDurationDays, durationHelp } = props;
  const { t } = useTranslationRef(apiAccessTranslationRef);
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
        label={t('terms.useCase')}
        id={`${idPrefix}-use-case`}
        value={value.useCase}
        onChange={set('useCase')}
        helperText={t('terms.useCaseHelp')}
      />
      {notes.useCase}
      <TextField
        fullWidth
        multiline
        minRows={2}
        margin="normal"
        label={t('terms.justification')}
        id={`${idPrefix}-justification`}
        value={value.justification}
        onChange={set('justification')}
      />
      {notes.justification}
      <TextField
        fullWidth
        margin="normal"
        label={t('terms.storage')}
        id={`${idPrefix}-storage`}
        value={value.credentialStorage}
        onChange={set('credentialStorage')}
        helperText={t('terms.storageHelp')}
      />
      {notes.credentialStorage}
      <TextField
        type="number"
        margin="normal"
        label={t('terms.duration')}
        id={`${idPrefix}-duration`}
        value={value.durationDays}
        onChange={set('durationDays')}
        inputProps={{ min: 1, max: maxDurationDays }}
        helperText={durationHelp}
      />
      {notes.durationDays}
    </>
  );
}

export type CredentialType = NonNullable<CreateAccessRequest['credentialType']>;

export const CREDENTIAL_TYPES: { value: CredentialType; label: string }[] = [
  { value: 'api-key', label: 'API key' },
  { value: 'mtls-certificate', label: 'Client certificate (mTLS)' },
];

/** How the consumer will authenticate: an API key, or a client certificate from a CSR. */
export function CredentialTypeField(props: {
  id: string;
  value: CredentialType;
  onChange: (value: CredentialType) => void;
}) {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  return (
    <TextField
      select
      fullWidth
      margin="normal"
      label={t('terms.credentialType')}
      id={props.id}
      value={props.value}
      onChange={e => props.onChange(e.target.value as CredentialType)}
      helperText={t('terms.credentialTypeHelp')}
    >
      {CREDENTIAL_TYPES.map(type => (
        <MenuItem key={type.value} value={type.value}>
          {type.label}
        </MenuItem>
      ))}
    </TextField>
  );
}
