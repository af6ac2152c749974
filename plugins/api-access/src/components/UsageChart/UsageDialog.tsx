/* A grant's usage over the last 30 days, opened from its row in any grants table. */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { Grant } from '@api-access/backstage-plugin-api-access-common';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { apiAccessTranslationRef } from '../../translation';
import { errorMessage } from '../../format';
import { usePlanText } from '../Plans';
import { UsageChart } from './UsageChart';

export function UsageDialog(props: { grant: Grant; onClose: () => void }) {
  const { grant, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const planText = usePlanText();
  const usage = useAsync(
    () => apiAccess.getGrantUsage(grant.id, 30),
    [apiAccess, grant.id],
  );
  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="md"
      aria-labelledby="api-access-usage-title"
    >
      <DialogTitle id="api-access-usage-title">
        {t('grantActions.usageTitle', {
          consumer: grant.consumerRef,
          api: grant.apiRef,
        })}
      </DialogTitle>
      <DialogContent>
        {grant.plan && (
          <Typography variant="body2" color="textSecondary" paragraph>
            {grant.plan.title}: {planText.limits(grant.plan)}
          </Typography>
        )}
        {usage.loading && <Progress />}
        {usage.error && (
          <Alert severity="error" role="alert">
            {t('usage.loadFailed', { message: errorMessage(usage.error) })}
          </Alert>
        )}
        {usage.value && <UsageChart usage={usage.value} plan={grant.plan} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('grantActions.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}
