/*
 * Moving a live grant to another of its API's plans, same credential. A
 * downgrade takes effect at once; an upgrade may be refused when the review
 * policy wants more than the owner for the new terms, and the refusal says
 * why (the backend's 409 names the stages).
 */
import { useState } from 'react';
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { apiAccessTranslationRef } from '../../translation';
import { errorMessage } from '../../format';
import { usePlanText } from '../Plans';

export function ChangePlanDialog(props: {
  grant: Grant;
  onClose: (changed?: Grant) => void;
}) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const planText = usePlanText();
  const profile = useAsync(
    () => apiAccess.getProfile(grant.apiRef),
    [apiAccess, grant.apiRef],
  );
  const [plan, setPlan] = useState(grant.plan?.name ?? '');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const plans = profile.value?.plans ?? [];
  const others = plans.filter(p => p.name !== grant.plan?.name);

  async function change() {
    setBusy(true);
    setError(undefined);
    try {
      onClose(
        await apiAccess.changeGrantPlan(grant.id, {
          plan,
          ...(comment.trim() ? { comment: comment.trim() } : {}),
        }),
      );
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={() => onClose()}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-change-plan-title"
    >
      <DialogTitle id="api-access-change-plan-title">
        {t('grantActions.changePlanTitle', {
          consumer: grant.consumerRef,
          api: grant.apiRef,
        })}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        {profile.error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {errorMessage(profile.error)}
          </Alert>
        )}
        <Typography variant="body2" paragraph>
          {t('grantActions.changePlanExplained')}
        </Typography>
        {profile.loading && <Progress />}
        {profile.value && others.length === 0 && (
          <Typography variant="body2" color="textSecondary">
            {t('grantActions.noOtherPlans')}
          </Typography>
        )}
        {others.length > 0 && (
          <RadioGroup
            aria-label={t('plans.legend')}
            value={plan}
            onChange={e => setPlan(e.target.value)}
          >
            {plans.map(option => {
              const current = option.name === grant.plan?.name;
              return (
                <FormControlLabel
                  key={option.name}
                  value={option.name}
                  disabled={current}
                  control={<Radio color="primary" />}
                  label={
                    <>
                      <Typography variant="body2" component="span">
                        {option.title}
                        {current ? ` (${t('grantActions.currentPlan')})` : ''}
                      </Typography>
                      <Typography
                        variant="caption"
                        color="textSecondary"
                        display="block"
                      >
                        {option.scopes.join(', ')} · {planText.limits(option)}
                      </Typography>
                    </>
                  }
                />
              );
            })}
          </RadioGroup>
        )}
        <TextField
          id="api-access-change-plan-comment"
          label={t('grantActions.comment')}
          fullWidth
          multiline
          minRows={2}
          margin="normal"
          value={comment}
          onChange={e => setComment(e.target.value)}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose()}>{t('grantActions.cancel')}</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || !plan || plan === grant.plan?.name}
          onClick={change}
        >
          {t('grantActions.confirmChangePlan')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
