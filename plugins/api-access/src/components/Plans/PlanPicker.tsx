/*
 * The plans an API offers, side by side: what each allows (scopes,
 * environments, rate limit, quota, longest duration) and how a request on it
 * is reviewed. One radio per card; the card's text describes the radio.
 */
import Box from '@material-ui/core/Box';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { ApiAccessPlan } from '@api-access/backstage-plugin-api-access-common';
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { usePlanText } from './usePlanText';

const useStyles = makeStyles(theme => ({
  cards: {
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))',
    gap: theme.spacing(1),
  },
  card: {
    display: 'flex',
    alignItems: 'flex-start',
    border: `1px solid ${theme.palette.divider}`,
    borderRadius: theme.shape.borderRadius,
    padding: theme.spacing(1),
    cursor: 'pointer',
    background: theme.palette.background.paper,
  },
  chosen: {
    borderColor: theme.palette.primary.main,
    boxShadow: `inset 0 0 0 1px ${theme.palette.primary.main}`,
  },
  details: { margin: 0, paddingLeft: 0, listStyle: 'none' },
}));

export function PlanPicker(props: {
  plans: ApiAccessPlan[];
  value: string;
  onChange: (plan: string) => void;
  idPrefix: string;
}) {
  const { plans, value, onChange, idPrefix } = props;
  const classes = useStyles();
  const text = usePlanText();
  const { t } = useTranslationRef(apiAccessTranslationRef);
  return (
    <FormControl component="fieldset" margin="normal" fullWidth>
      <FormLabel component="legend">{t('plans.legend')}</FormLabel>
      <RadioGroup
        value={value}
        onChange={e => onChange(e.target.value)}
        name={`${idPrefix}-plan`}
      >
        <Box className={classes.cards}>
          {plans.map(plan => {
            const detailsId = `${idPrefix}-plan-${plan.name}-details`;
            return (
              <label
                key={plan.name}
                className={`${classes.card} ${
                  value === plan.name ? classes.chosen : ''
                }`}
                data-testid={`plan-${plan.name}`}
              >
                <Radio
                  value={plan.name}
                  color="primary"
                  size="small"
                  inputProps={{
                    'aria-label': plan.title,
                    'aria-describedby': detailsId,
                  }}
                />
                <Box id={detailsId} mt={0.75}>
                  <Typography variant="subtitle2" component="span">
                    {plan.title}
                  </Typography>
                  {plan.description && (
                    <Typography
                      variant="caption"
                      color="textSecondary"
                      display="block"
                    >
                      {plan.description}
                    </Typography>
                  )}
                  <Typography
                    variant="caption"
                    component="ul"
                    className={classes.details}
                  >
                    <li>
                      {t('plans.scopes')}: {plan.scopes.join(', ')}
                    </li>
                    <li>
                      {t('plans.environments')}: {plan.environments.join(', ')}
                    </li>
                    <li>{text.rateLimit(plan.rateLimit)}</li>
                    <li>{text.quota(plan.quota)}</li>
                    <li>{text.maxDuration(plan.maxDurationDays)}</li>
                    <li>{text.approval(plan.approval)}</li>
                  </Typography>
                </Box>
              </label>
            );
          })}
        </Box>
      </RadioGroup>
      <FormHelperText>
        {value
          ? t('plans.help')
          : `${t('plans.help')} ${t('plans.noneChosen')}`}
      </FormHelperText>
    </FormControl>
  );
}
