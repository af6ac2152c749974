/*
 * The request form. Everything the catalog knows (owner, classification,
 * scopes, environments, the requester's components) is offered, not typed.
 * The request assistant checks the draft as the requester types and shows
 * its findings under the fields they are about, with one-click fixes.
 */
import { useEffect, useMemo, useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import {
  catalogApiRef,
  humanizeEntityRef,
} from '@backstage/plugin-catalog-react';
import {
  AccessRequest,
  ApiAccessProfile,
  EXTERNAL_GROUP_TYPES,
  Finding,
  FindingSuggestion,
  ReviewPlan,
} from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { ScopePicker } from './ScopePicker';
import {
  CredentialType,
  CredentialTypeField,
  TermsFields,
  TermsText,
} from './TermsFields';
import {
  FieldFindings,
  RiskScoreView,
  findingsOfError,
  useDraftAssessment,
  visibleFindings,
} from './RequestAssistant';
import { errorMessage } from './shared';

/** Components the signed-in user's groups own, and partner groups they belong to. */
function useConsumerOptions() {
  const catalogApi = useApi(catalogApiRef);
  const identityApi = useApi(identityApiRef);
  return useAsync(async () => {
    const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
    const [components, groups] = await Promise.all([
      catalogApi.getEntities({
        filter: { kind: 'component', 'relations.ownedBy': ownershipEntityRefs },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'relations',
        ],
      }),
      catalogApi.getEntitiesByRefs({
        entityRefs: ownershipEntityRefs.filter(ref => ref.startsWith('group:')),
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'spec.type',
          'spec.profile.displayName',
        ],
      }),
    ]);
    const partners = groups.items.filter(
      (group): group is Entity =>
        !!group && EXTERNAL_GROUP_TYPES.includes(String(group.spec?.type)),
    );
    return [...components.items, ...partners].map(entity => ({
      ref: stringifyEntityRef(entity),
      label:
        entity.kind === 'Group'
          ? `${
              (entity.spec?.profile as { displayName?: string } | undefined)
                ?.displayName ??
              entity.metadata.title ??
              entity.metadata.name
            } (external ${entity.spec?.type})`
          : entity.metadata.title ??
            humanizeEntityRef(entity, { defaultKind: 'component' }),
    }));
  }, [catalogApi, identityApi]);
}

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
  const [consumerRef, setConsumerRef] = useState('');
  const [environment, setEnvironment] = useState(profile.environments[0] ?? '');
  const [scopes, setScopes] = useState<string[]>([]);
  const [credentialType, setCredentialType] =
    useState<CredentialType>('api-key');
  const [text, setText] = useState<TermsText>({
    useCase: '',
    justification: '',
    credentialStorage: '',
    durationDays: '90',
  });
  const { useCase, justification, credentialStorage, durationDays } = text;
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();
  const [plan, setPlan] = useState<ReviewPlan>();
  // Blockers a refused submission returned, for the draft it was refused for.
  const [refused, setRefused] = useState<{
    key: string;
    findings: Finding[];
  }>();

  useEffect(() => {
    if (!consumerRef && consumers.value?.length === 1) {
      setConsumerRef(consumers.value[0].ref);
    }
  }, [consumers.value, consumerRef]);

  // Who will review, before anything is submitted.
  useEffect(() => {
    if (!open || !consumerRef || !environment) {
      setPlan(undefined);
      return undefined;
    }
    let cancelled = false;
    apiAccess
      .previewPlan({ apiRef: profile.apiRef, consumerRef, environment, scopes })
      .then(result => !cancelled && setPlan(result))
      .catch(() => !cancelled && setPlan(undefined));
    return () => {
      cancelled = true;
    };
  }, [apiAccess, open, profile.apiRef, consumerRef, environment, scopes]);

  const missing = useMemo(() => {
    const fields: string[] = [];
    if (!consumerRef) fields.push('consumer');
    if (profile.scopes.length > 0 && scopes.length === 0) fields.push('scopes');
    if (!useCase.trim()) fields.push('use case');
    if (!justification.trim()) fields.push('justification');
    if (!credentialStorage.trim()) fields.push('credential storage');
    if (!(Number(durationDays) >= 1)) fields.push('duration');
    return fields;
  }, [
    consumerRef,
    profile.scopes,
    scopes,
    useCase,
    justification,
    credentialStorage,
    durationDays,
  ]);

  const draft = useMemo(
    () => ({
      apiRef: profile.apiRef,
      consumerRef,
      environment,
      scopes,
      credentialType,
      useCase,
      justification,
      credentialStorage,
      durationDays:
        durationDays.trim() && Number.isFinite(Number(durationDays))
          ? Number(durationDays)
          : undefined,
    }),
    [
      profile.apiRef,
      consumerRef,
      environment,
      scopes,
      credentialType,
      useCase,
      justification,
      credentialStorage,
      durationDays,
    ],
  );
  const draftKey = JSON.stringify(draft);
  const assessment = useDraftAssessment(open ? draft : undefined);
  const findings = visibleFindings(
    assessment?.findings,
    refused?.key === draftKey ? refused.findings : undefined,
  );
  const blockers = findings.filter(f => f.severity === 'blocker');

  function apply(suggestion: FindingSuggestion) {
    if (suggestion.field === 'scopes') {
      setScopes(suggestion.value.filter(s => profile.scopes.includes(s)));
    } else if (suggestion.field === 'durationDays') {
      setText(t => ({ ...t, durationDays: String(suggestion.value) }));
    } else if (profile.environments.includes(suggestion.value)) {
      setEnvironment(suggestion.value);
    }
  }
  const notes = (field: Finding['field']) => (
    <FieldFindings findings={findings} fields={[field]} onApply={apply} />
  );

  async function submit() {
    setSubmitting(true);
    setError(undefined);
    try {
      const created = await apiAccess.createRequest({
        apiRef: profile.apiRef,
        consumerRef,
        environment,
        scopes,
        credentialType,
        useCase,
        justification,
        credentialStorage,
        durationDays: Number(durationDays),
      });
      onSubmitted(created);
    } catch (e) {
      const refusedWith = findingsOfError(e);
      if (refusedWith) {
        setRefused({ key: draftKey, findings: refusedWith });
        setError(
          'The request assistant found a problem to fix before submitting: see below.',
        );
      } else {
        setError(errorMessage(e));
      }
    } finally {
      setSubmitting(false);
    }
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
        Request access to {profile.title}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        {consumers.error && (
          <Alert severity="error">{errorMessage(consumers.error)}</Alert>
        )}
        <FieldFindings
          findings={findings}
          fields={['request', 'apiRef']}
          onApply={apply}
          label="the request"
        />
        <TextField
          select
          fullWidth
          margin="normal"
          label="Consumer"
          id="api-access-consumer"
          value={consumerRef}
          onChange={e => setConsumerRef(e.target.value)}
          helperText={
            consumers.value?.length === 0
              ? 'None of your groups owns a component; ask your team to register one in the catalog.'
              : 'The component (or partner) that will hold the credential'
          }
        >
          {(consumers.value ?? []).map(option => (
            <MenuItem key={option.ref} value={option.ref}>
              {option.label}
            </MenuItem>
          ))}
        </TextField>
        {notes('consumerRef')}
        <TextField
          select
          fullWidth
          margin="normal"
          label="Environment"
          id="api-access-environment"
          value={environment}
          onChange={e => setEnvironment(e.target.value)}
        >
          {profile.environments.map(env => (
            <MenuItem key={env} value={env}>
              {env}
            </MenuItem>
          ))}
        </TextField>
        {notes('environment')}
        {profile.scopes.length > 0 && (
          <ScopePicker
            label="Scopes"
            options={profile.scopes}
            value={scopes}
            onChange={setScopes}
            helperText="Ask for the least you need."
          />
        )}
        {notes('scopes')}
        <CredentialTypeField
          id="api-access-credential-type"
          value={credentialType}
          onChange={setCredentialType}
        />
        <TermsFields
          idPrefix="api-access"
          value={text}
          onChange={setText}
          notes={{
            useCase: notes('useCase'),
            justification: notes('justification'),
            credentialStorage: notes('credentialStorage'),
            durationDays: notes('durationDays'),
          }}
        />
        {assessment && (
          <>
            <Typography variant="subtitle2" style={{ marginTop: 16 }}>
              Risk
            </Typography>
            <RiskScoreView risk={assessment.risk} />
          </>
        )}
        <Typography variant="subtitle2" style={{ marginTop: 16 }}>
          Who will review
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
        {missing.length > 0 && (
          <Typography
            variant="caption"
            color="textSecondary"
            style={{ marginRight: 'auto', paddingLeft: 16 }}
          >
            Still needed: {missing.join(', ')}
          </Typography>
        )}
        {missing.length === 0 && blockers.length > 0 && (
          <Typography
            variant="caption"
            color="error"
            style={{ marginRight: 'auto', paddingLeft: 16 }}
            data-testid="api-access-submit-blocked"
          >
            Fix first: {blockers[0].message}
            {blockers.length > 1 ? ` (and ${blockers.length - 1} more)` : ''}
          </Typography>
        )}
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={submit}
          disabled={submitting || missing.length > 0 || blockers.length > 0}
        >
          Submit request
        </Button>
      </DialogActions>
    </Dialog>
  );
}
