/*
 * The request form. Everything the catalog knows (owner, classification,
 * scopes, environments, the requester's components) is offered, not typed.
 * The request assistant checks the draft as the requester types and shows
 * its findings under the fields they are about, with one-click fixes.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { useEffect, useState } from 'react';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { parseEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { humanizeEntityRef } from '@backstage/plugin-catalog-react';
import {
  AccessRequest,
  ApiAccessProfile,
  ReviewPlan,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useConsumerOptions } from '../../hooks/useConsumerOptions';
import { useRequestDraft } from '../../hooks/useRequestDraft';
import {
  DraftFieldFindings,
  RequestDraftActions,
  RequestDraftForm,
} from '../RequestDraftForm';
import { errorMessage } from '../../format';

function describePlan(plan: ReviewPlan | undefined): string {
  if (!plan) {
    return 'Choose a consumer and an environment to see the review plan.';
  }
  if (plan.autoApproved) {
    return 'Approved automatically by policy.';
  }
  return plan.stages
    .map(
      (stage, i) =>
        `${i + 1}. ${stage.name}: ${stage.steps
          .map(step =>
            humanizeEntityRef(parseEntityRef(step.reviewerRef), {
              defaultKind: 'group',
            }),
          )
          .join(' and ')}`,
    )
    .join('  ');
}

export function RequestAccessDialog(props: {
  open: boolean;
  profile: ApiAccessProfile;
  onClose: () => void;
  onSubmitted: (request: AccessRequest) => void;
}) {
  const { open, profile, onClose, onSubmitted } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const consumers = useConsumerOptions();
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const draft = useRequestDraft({
    apiRef: profile.apiRef,
    offer: profile,
    initial: {
      consumerRef: '',
      environment: profile.environments[0] ?? '',
      scopes: [],
      credentialType: 'api-key',
      text: {
        useCase: '',
        justification: '',
        credentialStorage: '',
        durationDays: '90',
      },
      comment: '',
      plan: '',
    },
    active: open,
  });
  const { consumerRef, environment, scopes } = draft.values;
  const planName = draft.chosenPlan?.name;
  const { set } = draft;
  const [plan, setPlan] = useState<ReviewPlan>();

  useEffect(() => {
    if (!consumerRef && consumers.value?.length === 1) {
      set('consumerRef', consumers.value[0].ref);
    }
  }, [consumers.value, consumerRef, set]);

  // Who will review, before anything is submitted.
  useEffect(() => {
    if (!open || !consumerRef || !environment) {
      setPlan(undefined);
      return undefined;
    }
    let cancelled = false;
    apiAccess
      .previewPlan({
        apiRef: profile.apiRef,
        consumerRef,
        environment,
        scopes,
        ...(planName ? { plan: planName } : {}),
      })
      .then(result => !cancelled && setPlan(result))
      .catch(() => !cancelled && setPlan(undefined));
    return () => {
      cancelled = true;
    };
  }, [
    apiAccess,
    open,
    profile.apiRef,
    consumerRef,
    environment,
    scopes,
    planName,
  ]);

  async function submit() {
    const created = await draft.submit(terms =>
      apiAccess.createRequest({ apiRef: profile.apiRef, ...terms }),
    );
    if (created) onSubmitted(created);
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-request-title"
    >
      <DialogTitle id="api-access-request-title">
        {t('requestForm.title', { api: profile.title })}
      </DialogTitle>
      <DialogContent>
        <RequestDraftForm
          draft={draft}
          idPrefix="api-access"
          environments={profile.environments}
          topFields={['request', 'apiRef']}
          before={
            <>
              {consumers.error && (
                <Alert severity="error">{errorMessage(consumers.error)}</Alert>
              )}
              <TextField
                select
                fullWidth
                margin="normal"
                label={t('requestForm.consumer')}
                id="api-access-consumer"
                value={consumerRef}
                onChange={e => set('consumerRef', e.target.value)}
                helperText={
                  consumers.value?.length === 0
                    ? t('requestForm.noConsumers')
                    : t('requestForm.consumerHelp')
                }
              >
                {(consumers.value ?? []).map(option => (
                  <MenuItem key={option.ref} value={option.ref}>
                    {option.label}
                  </MenuItem>
                ))}
              </TextField>
              <DraftFieldFindings draft={draft} field="consumerRef" />
            </>
          }
        />
        <Typography variant="subtitle2" style={{ marginTop: 16 }}>
          {t('requestForm.whoWillReview')}
        </Typography>
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="api-access-plan"
        >
          {describePlan(plan)}
        </Typography>
      </DialogContent>
      <DialogActions>
        <RequestDraftActions
          draft={draft}
          submitLabel={t('requestForm.submit')}
          onCancel={onClose}
          onSubmit={submit}
        />
      </DialogActions>
    </Dialog>
  );
}
