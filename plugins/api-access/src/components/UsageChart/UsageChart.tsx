/*
 * Calls per day as a small SVG bar chart, without a charting library: the
 * calls the gateway let through, the refused ones stacked on top in another
 * colour, and the daily quota as a dashed line. A monthly quota is a number,
 * not a line: it says how much is used and when the count starts again.
 * Screen readers get the whole chart as one label and each day as a table.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import type {
  GrantPlan,
  GrantUsage,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessTranslationRef } from '../../translation';
import { readableColor } from '../Chips/palette';
import { formatDate, formatDateTime } from '../../format';

const WIDTH = 600;
const HEIGHT = 180;
const LEFT = 48;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 22;

const visuallyHidden: React.CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

const number = (n: number) => n.toLocaleString('en-US');

export function UsageChart(props: {
  usage: GrantUsage;
  /** The grant's plan: its daily quota is drawn as a line. */
  plan?: GrantPlan;
}) {
  const { usage, plan } = props;
  const theme = useTheme();
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const days = usage.days;
  let dailyLimit: number | undefined;
  if (usage.quota) {
    dailyLimit = usage.quota.period === 'day' ? usage.quota.limit : undefined;
  } else if (plan?.quota?.period === 'day') {
    dailyLimit = plan.quota.requests;
  }
  const totalCalls = days.reduce((sum, d) => sum + d.calls, 0);
  const totalRefused = days.reduce((sum, d) => sum + d.refused, 0);
  const peak = Math.max(
    1,
    dailyLimit ?? 0,
    ...days.map(d => d.calls + d.refused),
  );
  const top = Math.ceil(peak * 1.1);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = plotWidth / Math.max(days.length, 1);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => TOP + plotHeight - (value / top) * plotHeight;

  const callsColor = theme.palette.primary.main;
  const refusedColor = theme.palette.error.main;
  const quotaColor = readableColor(theme.palette.warning.main, theme.palette);
  const axisColor = theme.palette.text.secondary;
  const labelled = [
    0,
    Math.floor((days.length - 1) / 2),
    days.length - 1,
  ].filter((i, n, all) => i >= 0 && all.indexOf(i) === n);

  const chartLabel = t('usage.chartLabel', {
    days: String(days.length),
    calls: number(totalCalls),
    refused: number(totalRefused),
  });

  return (
    <Box position="relative">
      <svg
        role="img"
        aria-label={
          dailyLimit !== undefined
            ? `${chartLabel}; ${t('usage.quotaLine', {
                limit: number(dailyLimit),
              })}`
            : chartLabel
        }
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        style={{ maxHeight: 220, display: 'block' }}
        data-testid="usage-chart"
      >
        <line
          x1={LEFT}
          x2={WIDTH - RIGHT}
          y1={y(0)}
          y2={y(0)}
          stroke={theme.palette.divider}
        />
        <text
          x={LEFT - 6}
          y={y(0)}
          textAnchor="end"
          dominantBaseline="middle"
          fontSize={11}
          fill={axisColor}
        >
          0
        </text>
        <text
          x={LEFT - 6}
          y={y(top)}
          textAnchor="end"
          dominantBaseline="hanging"
          fontSize={11}
          fill={axisColor}
        >
          {number(top)}
        </text>
        {days.map((day, i) => {
          const x = LEFT + i * slot + (slot - barWidth) / 2;
          const label = t('usage.barLabel', {
            date: day.date,
            calls: number(day.calls),
            refused: number(day.refused),
          });
          return (
            <g key={day.date} data-testid={`usage-bar-${day.date}`}>
              <title>{label}</title>
              {day.calls > 0 && (
                <rect
                  x={x}
                  width={barWidth}
                  y={y(day.calls)}
                  height={y(0) - y(day.calls)}
                  fill={callsColor}
                  data-kind="calls"
                />
              )}
              {day.refused > 0 && (
                <rect
                  x={x}
                  width={barWidth}
                  y={y(day.calls + day.refused)}
                  height={y(day.calls) - y(day.calls + day.refused)}
                  fill={refusedColor}
                  data-kind="refused"
                />
              )}
            </g>
          );
        })}
        {labelled.map(i => (
          <text
            key={days[i].date}
            x={LEFT + i * slot + slot / 2}
            y={HEIGHT - 6}
            textAnchor={anchor(i, days.length)}
            fontSize={11}
            fill={axisColor}
          >
            {days[i].date.slice(5)}
          </text>
        ))}
        {dailyLimit !== undefined && (
          <g data-testid="usage-quota-line">
            <title>{t('usage.quotaLine', { limit: number(dailyLimit) })}</title>
            <line
              x1={LEFT}
              x2={WIDTH - RIGHT}
              y1={y(dailyLimit)}
              y2={y(dailyLimit)}
              stroke={quotaColor}
              strokeWidth={2}
              strokeDasharray="6 4"
            />
          </g>
        )}
      </svg>
      <Box
        display="flex"
        flexWrap="wrap"
        style={{ gap: 16 }}
        mt={1}
        aria-hidden="true"
      >
        <Legend color={callsColor} label={t('usage.legendCalls')} />
        <Legend color={refusedColor} label={t('usage.legendRefused')} />
        {dailyLimit !== undefined && (
          <Legend color={quotaColor} label={t('usage.legendQuota')} dashed />
        )}
      </Box>
      {totalCalls + totalRefused === 0 && (
        <Typography variant="body2" color="textSecondary">
          {t('usage.noCalls', { days: String(days.length) })}
        </Typography>
      )}
      {usage.quota && (
        <Typography variant="body2" data-testid="usage-quota">
          {usage.quota.period === 'day'
            ? t('usage.quotaUsedDay', {
                used: number(usage.quota.used),
                limit: number(usage.quota.limit),
                resetsAt: formatDateTime(usage.quota.resetsAt),
              })
            : t('usage.quotaUsedMonth', {
                used: number(usage.quota.used),
                limit: number(usage.quota.limit),
                resetsAt: formatDate(usage.quota.resetsAt),
              })}
        </Typography>
      )}
      <table style={visuallyHidden}>
        <caption>{chartLabel}</caption>
        <thead>
          <tr>
            <th scope="col">{t('usage.date')}</th>
            <th scope="col">{t('usage.calls')}</th>
            <th scope="col">{t('usage.refused')}</th>
          </tr>
        </thead>
        <tbody>
          {days.map(day => (
            <tr key={day.date}>
              <th scope="row">{day.date}</th>
              <td>{day.calls}</td>
              <td>{day.refused}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
}

/** The first date label starts at its bar, the last ends at its bar, others centre. */
function anchor(index: number, count: number): 'start' | 'middle' | 'end' {
  if (index === 0) return 'start';
  return index === count - 1 ? 'end' : 'middle';
}

function Legend(props: { color: string; label: string; dashed?: boolean }) {
  return (
    <Box display="flex" alignItems="center" style={{ gap: 6 }}>
      <svg width={18} height={10} aria-hidden="true">
        {props.dashed ? (
          <line
            x1={0}
            x2={18}
            y1={5}
            y2={5}
            stroke={props.color}
            strokeWidth={2}
            strokeDasharray="4 3"
          />
        ) : (
          <rect width={18} height={10} fill={props.color} />
        )}
      </svg>
      <Typography variant="caption">{props.label}</Typography>
    </Box>
  );
}
