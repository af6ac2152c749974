/*
 * On an API's page: what the catalog says about access to it (owner,
 * classification and where it came from, scopes, environments, the plans it
 * offers) and the "Request access" button. The API's owners also see what is
 * wrong with its plans declaration.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import {
  AccessRequest,
  apiAccessRequestCreatePermission,
} from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useAllowed } from '../../hooks/useAllowed';
import { RequestAccessDialog } from '../RequestAccessDialog';
import { ClassificationChip, StatusChip } from '../Chips';
import { usePlanText } from '../Plans';

function Field(props: { label: string; children: React.ReactNode }) {
  return (
    <Box mb={2}>
      <Typography variant="overline" color="textSecondary" component="div">
        {props.label}
      </Typography>
      <Box>{props.children}</Box>
    </Box>
  );
}

/** Where the classification came from: this API, its System or Domain, or the default. */
function ClassificationSource(props: { source: string; apiRef: string }) {
  if (props.source === 'default') {
    return <>policy default: no label on the API, its system or its domain</>;
  }
  if (props.source === props.apiRef) {
    return <>labelled on this API</>;
  }
  return (
    <>
      inherited from {parseEntityRef(props.source).kind}{' '}
      <EntityRefLink entityRef={props.source} />
    </>
  );
}

export function ApiAccessCard() {
  const { entity } = useEntity();
  const apiRef = stringifyEntityRef(entity);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const apiAccess = useApi(apiAccessApiRef);
  const profile = useAsync(
    () => apiAccess.getProfile(apiRef),
    [apiAccess, apiRef],
  );
  const [open, setOpen] = useState(false);
  const mayRequest = useAllowed(apiAccessRequestCreatePermission);
  const [submitted, setSubmitted] = useState<AccessRequest>();
  const planText = usePlanText();
  const identityApi = useApi(identityApiRef);
  // Only asked when there is something to show the owners.
  const planErrors = profile.value?.planErrors ?? [];
  const ownerRef = profile.value?.ownerRef;
  const isOwner = useAsync(async () => {
    if (planErrors.length === 0 || !ownerRef) return false;
    const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
    return ownershipEntityRefs.includes(ownerRef);
  }, [identityApi, planErrors.length, ownerRef]).value;

  let content: React.ReactNode;
  if (profile.loading) {
    content = <Progress />;
  } else if (profile.error) {
    content = <ResponseErrorPanel error={profile.error} />;
  } else if (profile.value) {
    const p = profile.value;
    const source = p.classification.source;
    content = (
      <>
        <Field label={t('apiAccessCard.owner')}>
          {p.ownerRef ? (
            <EntityRefLink entityRef={p.ownerRef} />
          ) : (
            t('apiAccessCard.noOwner')
          )}
        </Field>
        <Field label={t('apiAccessCard.classification')}>
          <ClassificationChip level={p.classification.level} />{' '}
          <Typography variant="body2" component="span" color="textSecondary">
            <ClassificationSource source={source} apiRef={apiRef} />
          </Typography>
        </Field>
        <Field label={t('apiAccessCard.scopes')}>
          {p.scopes.length === 0 ? (
            <Typography variant="body2">
              {t('apiAccessCard.noScopes')}
            </Typography>
          ) : (
            p.scopes.map(scope => (
              <Chip
                key={scope}
                size="small"
                label={scope}
                style={{ marginRight: 4 }}
              />
            ))
          )}
        </Field>
        <Field label={t('apiAccessCard.environments')}>
          <Typography variant="body2">{p.environments.join(', ')}</Typography>
        </Field>
        {p.plans.length > 0 && (
          <Field label={t('apiAccessCard.plans')}>
            {p.plans.map(plan => (
              <Typography variant="body2" key={plan.name}>
                <strong>{plan.title}</strong>: {planText.limits(plan)}
              </Typography>
            ))}
          </Field>
        )}
        {isOwner && planErrors.length > 0 && (
          <Alert
            severity="warning"
            style={{ marginBottom: 16 }}
            data-testid="api-access-plan-errors"
          >
            {t('plans.planErrors')}
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {planErrors.map(problem => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          </Alert>
        )}
        {submitted && (
          <Alert severity="success" style={{ marginBottom: 16 }}>
            Request sent to {submitted.ownerRef} for review.{' '}
            <StatusChip status={submitted.status} />
          </Alert>
        )}
        {mayRequest && (
          <Button
            variant="contained"
            color="primary"
            onClick={() => setOpen(true)}
            disabled={!p.ownerRef}
          >
            {t('apiAccessCard.requestAccess')}
          </Button>
        )}
        {open && (
          <RequestAccessDialog
            open={open}
            profile={p}
            onClose={() => setOpen(false)}
            onSubmitted={request => {
              setSubmitted(request);
              setOpen(false);
            }}
          />
        )}
      </>
    );
  }
  return <InfoCard title={t('apiAccessCard.title')}>{content}</InfoCard>;
}
