/*
 * The free-text half of a request, shared by the request form and the
 * resubmit form so both ask the same questions the same way.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import MenuItem from '@material-ui/core/MenuItem';
import ListItemText from '@material-ui/core/ListItemText';
import TextField from '@material-ui/core/TextField';
import {
  CreateAccessRequest,
  CredentialTypeInfo,
} from '@api-access/backstage-plugin-api-access-common';
import { useCredentialTypes } from '../../hooks/useCredentialTypes';

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

/**
 * How the consumer will authenticate, from the types the backend offers
 * (GET /credential-types): each with its title and description; a type that
 * cannot be requested now is shown disabled, with the reason. The current
 * value stays selectable as it was (a resubmission keeps its type).
 */
export function CredentialTypeField(props: {
  id: string;
  value: CredentialType;
  onChange: (value: CredentialType) => void;
}) {
  const { id, value, onChange } = props;
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const { types, loading, error } = useCredentialTypes();
  // Until the list is in (or when it failed), the current value is the only
  // option, so the select never holds a value it does not list.
  const options: CredentialTypeInfo[] = types.some(type => type.id === value)
    ? types
    : [
        {
          id: value,
          title: value,
          description: '',
          presentation: 'api-key',
          offered: true,
        },
        ...types,
      ];
  const chosen = options.find(type => type.id === value);
  let helperText: string = chosen?.description ?? '';
  if (error) {
    helperText = t('terms.credentialTypesFailed', { message: error.message });
  } else if (chosen && !chosen.offered && chosen.reason) {
    helperText = t('terms.credentialTypeNotOffered', { reason: chosen.reason });
  } else if (loading) {
    helperText = t('terms.credentialTypesLoading');
  }
  return (
    <TextField
      select
      fullWidth
      margin="normal"
      label={t('terms.credentialType')}
      id={id}
      value={value}
      onChange={e => onChange(e.target.value as CredentialType)}
      helperText={helperText}
      error={!!error || (!!chosen && !chosen.offered)}
      SelectProps={{
        renderValue: selected =>
          options.find(type => type.id === selected)?.title ?? String(selected),
      }}
    >
      {options.map(type => (
        <MenuItem
          key={type.id}
          value={type.id}
          disabled={!type.offered && type.id !== value}
          data-testid={`credential-type-${type.id}`}
        >
          <ListItemText
            primary={type.title}
            secondary={
              type.offered
                ? type.description
                : t('terms.credentialTypeNotOffered', {
                    reason: type.reason ?? t('terms.notOfferedNoReason'),
                  })
            }
          />
        </MenuItem>
      ))}
    </TextField>
  );
}
