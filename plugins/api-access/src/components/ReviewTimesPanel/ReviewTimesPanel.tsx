/*
 * "Review times" on the plugin page: how long steps waited from opening to
 * decision over a chosen period, as p50 and p90 per API and stage, from
 * GET /metrics/time-to-decision.
 */
import { useState } from 'react';
import Box from '@material-ui/core/Box';
import MenuItem from '@material-ui/core/MenuItem';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { DecisionTimeStats } from '@api-access/backstage-plugin-api-access-common';
import { DateTime } from 'luxon';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { errorMessage } from '../../format';

const PERIODS = [30, 90, 365];

/** Hours as people read them: "5.5 h", or "77 h (3.2 d)" from two days on. */
export function formatHours(hours: number): string {
  const h = `${Math.round(hours * 10) / 10} h`;
  return hours >= 48 ? `${h} (${Math.round((hours / 24) * 10) / 10} d)` : h;
}

function StatsCells({ stats }: { stats: DecisionTimeStats }) {
  return (
    <>
      <TableCell align="right">{stats.count}</TableCell>
      <TableCell align="right">{formatHours(stats.p50Hours)}</TableCell>
      <TableCell align="right">{formatHours(stats.p90Hours)}</TableCell>
    </>
  );
}

export function ReviewTimesPanel() {
  const apiAccess = useApi(apiAccessApiRef);
  const [days, setDays] = useState(90);
  const report = useAsync(
    () =>
      apiAccess.getTimeToDecision({
        from: DateTime.utc().minus({ days }).toISO()!,
      }),
    [apiAccess, days],
  );

  let body: React.ReactNode;
  if (report.loading) {
    body = <Progress />;
  } else if (report.error) {
    body = <Alert severity="error">{errorMessage(report.error)}</Alert>;
  } else if (!report.value?.overall.count) {
    body = (
      <Typography variant="body2" color="textSecondary">
        No review step was decided in the last {days} days.
      </Typography>
    );
  } else {
    const { overall, byApi, byApiAndStage, byStage, truncated } = report.value;
    body = (
      <>
        <Typography variant="body2" paragraph>
          {overall.count} decided steps in the last {days} days: half were
          decided within {formatHours(overall.p50Hours)} of opening, nine in ten
          within {formatHours(overall.p90Hours)}.
          {truncated && ' Only the most recent decisions are counted.'}
        </Typography>
        <Table size="small" aria-label="Review times per API and stage">
          <TableHead>
            <TableRow>
              <TableCell>API</TableCell>
              <TableCell>Stage</TableCell>
              <TableCell align="right">Decided steps</TableCell>
              <TableCell align="right">p50</TableCell>
              <TableCell align="right">p90</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {byApi.map(api => [
              <TableRow key={api.apiRef}>
                <TableCell>
                  <EntityRefLink entityRef={api.apiRef} />
                </TableCell>
                <TableCell>
                  <strong>all stages</strong>
                </TableCell>
                <StatsCells stats={api} />
              </TableRow>,
              ...byApiAndStage
                .filter(row => row.apiRef === api.apiRef)
                .map(row => (
                  <TableRow key={`${row.apiRef} ${row.stage}`}>
                    <TableCell />
                    <TableCell>{row.stage}</TableCell>
                    <StatsCells stats={row} />
                  </TableRow>
                )),
            ])}
            {byStage.map(row => (
              <TableRow key={`all ${row.stage}`}>
                <TableCell>
                  <em>all APIs</em>
                </TableCell>
                <TableCell>{row.stage}</TableCell>
                <StatsCells stats={row} />
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Typography variant="caption" color="textSecondary">
          From when a step opened (at submission for the first stage) to its
          decision: approval, rejection or a request for changes. Steps still
          waiting are not counted.
        </Typography>
      </>
    );
  }

  return (
    <>
      <Box mb={2}>
        <TextField
          select
          id="api-access-review-times-period"
          label="Period"
          value={days}
          onChange={e => setDays(Number(e.target.value))}
          style={{ minWidth: 220 }}
        >
          {PERIODS.map(value => (
            <MenuItem key={value} value={value}>
              Last {value} days
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {body}
    </>
  );
}
