/*
 * The fields of a request draft and the submit row, shared by the request
 * form and the resubmit form so both ask the same questions, apply the
 * assistant's fixes the same way and block submit the same way.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { FindingField } from '@api-access/backstage-plugin-api-access-common';
import type { RequestDraft } from '../../hooks/useRequestDraft';
import { FieldFindings, RiskScoreView } from '../RequestAssistant';
import { PlanPicker } from '../Plans';
import { ScopePicker } from '../ScopePicker';
import { CredentialTypeField, TermsFields } from '../TermsFields';

export function RequestDraftForm(props: {
  draft: RequestDraft;
  /** Prefix of the fields' ids, e.g. "api-access" or "api-access-resubmit". */
  idPrefix: string;
  /** Shown when the API's environments are not known yet. */
  environments: string[];
  /** Findings shown at the top: the request's own and those of fields not on the form. */
  topFields: FindingField[];
  /** Between the error and the environment, e.g. the consumer picker. */
  before?: React.ReactNode;
  /** After the terms, e.g. the note for reviewers. */
  after?: React.ReactNode;
}) {
  const { draft, idPrefix, environments, topFields, before, after } = props;
  const { values, set, findings, apply, assessment, error, offer } = draft;
  const { plans, chosenPlan, choosePlan } = draft;
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const notes = (field: FindingField) => (
    <FieldFindings findings={findings} fields={[field]} onApply={apply} />
  );
  return (
    <>
      {error && (
        <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
          {error}
        </Alert>
      )}
      <FieldFindings
        findings={findings}
        fields={topFields}
        onApply={apply}
        label="the request"
      />
      {before}
      {plans.length > 0 && (
        <PlanPicker
          plans={plans}
          value={values.plan}
          onChange={choosePlan}
          idPrefix={idPrefix}
        />
      )}
      <TextField
        select
        fullWidth
        margin="normal"
        label={t('requestForm.environment')}
        id={`${idPrefix}-environment`}
        value={values.environment}
        onChange={e => set('environment', e.target.value)}
      >
        {(offer?.environments ?? environments).map(env => (
          <MenuItem key={env} value={env}>
            {env}
          </MenuItem>
        ))}
      </TextField>
      {notes('environment')}
      {offer && offer.scopes.length > 0 && (
        <ScopePicker
          label={t('requestForm.scopes')}
          options={offer.scopes}
          value={values.scopes}
          onChange={scopes => set('scopes', scopes)}
          helperText={t('requestForm.scopesHelp')}
        />
      )}
      {notes('scopes')}
      <CredentialTypeField
        id={`${idPrefix}-credential-type`}
        value={values.credentialType}
        onChange={type => set('credentialType', type)}
      />
      <TermsFields
        idPrefix={idPrefix}
        value={values.text}
        onChange={text => set('text', text)}
        maxDurationDays={chosenPlan?.maxDurationDays}
        durationHelp={
          chosenPlan
            ? t('plans.durationOnPlan', {
                days: String(chosenPlan.maxDurationDays),
                plan: chosenPlan.title,
              })
            : undefined
        }
        notes={{
          useCase: notes('useCase'),
          justification: notes('justification'),
          credentialStorage: notes('credentialStorage'),
          durationDays: notes('durationDays'),
        }}
      />
      {after}
      {assessment && (
        <>
          <Typography variant="subtitle2" style={{ marginTop: 16 }}>
            {t('requestForm.risk')}
          </Typography>
          <RiskScoreView risk={assessment.risk} />
        </>
      )}
    </>
  );
}

/** Findings of one field of the draft, for fields a form adds itself. */
export function DraftFieldFindings(props: {
  draft: RequestDraft;
  field: FindingField;
}) {
  return (
    <FieldFindings
      findings={props.draft.findings}
      fields={[props.field]}
      onApply={props.draft.apply}
    />
  );
}

/** What is still needed or must be fixed first, then Cancel and Submit. */
export function RequestDraftActions(props: {
  draft: RequestDraft;
  submitLabel: string;
  onCancel: () => void;
  onSubmit: () => void;
}) {
  const { draft, submitLabel, onCancel, onSubmit } = props;
  const { missing, blockers } = draft;
  const { t } = useTranslationRef(apiAccessTranslationRef);
  return (
    <>
      {missing.length > 0 && (
        <Typography
          variant="caption"
          color="textSecondary"
          style={{ marginRight: 'auto', paddingLeft: 16 }}
        >
          {t('requestForm.stillNeeded', { fields: missing.join(', ') })}
        </Typography>
      )}
      {missing.length === 0 && blockers.length > 0 && (
        <Typography
          variant="caption"
          color="error"
          style={{ marginRight: 'auto', paddingLeft: 16 }}
          data-testid="api-access-submit-blocked"
        >
          {t('requestForm.fixFirst', { message: blockers[0].message })}
          {blockers.length > 1
            ? t('requestForm.andMore', { more: String(blockers.length - 1) })
            : ''}
        </Typography>
      )}
      <Button onClick={onCancel}>{t('requestForm.cancel')}</Button>
      <Button
        color="primary"
        variant="contained"
        onClick={onSubmit}
        disabled={!draft.ready}
      >
        {submitLabel}
      </Button>
    </>
  );
}
