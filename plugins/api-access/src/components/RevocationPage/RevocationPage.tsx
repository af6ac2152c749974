/*
 * An incident revocation's progress, at revocations/:batchId under the
 * plugin's page: who started it, why, and each grant's revocation and
 * provisioners' confirmations, polled until nothing is pending any more.
 */
import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { RevocationBatch } from '@api-access/backstage-plugin-api-access-common';
import { useParams } from 'react-router-dom';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { formatDateTime } from '../../format';
import { StatusChip } from '../Chips';

/** How often the page asks again while a provisioner has not answered. */
export const REVOCATION_POLL_MS = 2000;

const OUTCOME_LABELS: Record<string, string> = {
  revoked: 'Revoked by this batch',
  already_ended: 'Already ended',
  failed: 'Failed',
};

function ProvisioningCell(props: { item: RevocationBatch['items'][number] }) {
  const { item } = props;
  if (item.outcome !== 'revoked') return <>-</>;
  if (item.tasks.length === 0) return <>No provisioner to tell</>;
  return (
    <>
      {item.tasks.map(task => (
        <div key={task.provisionerId}>
          {task.provisionerId}: {task.status}
          {task.status !== 'confirmed' && task.attempts > 0
            ? ` (attempt ${task.attempts}${
                task.lastError ? `: ${task.lastError}` : ''
              })`
            : ''}
        </div>
      ))}
    </>
  );
}

export function RevocationProgress(props: { batchId: string }) {
  const { batchId } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [batch, setBatch] = useState<RevocationBatch>();
  const [error, setError] = useState<Error>();

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await apiAccess.getRevocationBatch(batchId);
        if (stopped) return;
        setBatch(next);
        setError(undefined);
        if (!next.settled) timer = setTimeout(poll, REVOCATION_POLL_MS);
      } catch (e) {
        if (stopped) return;
        setError(e as Error);
        timer = setTimeout(poll, REVOCATION_POLL_MS * 2);
      }
    };
    poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [apiAccess, batchId]);

  if (!batch) {
    return error ? <ResponseErrorPanel error={error} /> : <Progress />;
  }
  const { counts } = batch;
  const subject =
    batch.selector.apiRef ??
    batch.selector.consumerRef ??
    batch.selector.requesterRef ??
    '';
  let state: React.ReactNode;
  if (batch.done) {
    state = (
      <Alert severity="success">
        Done: {counts.revoked} grant{counts.revoked === 1 ? '' : 's'} revoked
        and every provisioner confirmed.
      </Alert>
    );
  } else if (batch.settled) {
    state = (
      <Alert severity="error">
        Some revocations did not go through everywhere: retry them from the
        grant ({counts.failed} failed, {counts.revoked - counts.confirmed} not
        confirmed by a provisioner).
      </Alert>
    );
  } else {
    state = (
      <Alert severity="info">
        Waiting for provisioners: {counts.confirmed} of {counts.revoked}{' '}
        confirmed. The credentials already stopped working at the gateway.
      </Alert>
    );
  }
  return (
    <InfoCard title="Incident revocation">
      <Typography variant="body1" paragraph>
        All access {batch.selector.apiRef ? 'to' : 'of'}{' '}
        <EntityRefLink entityRef={subject} />, revoked by{' '}
        <EntityRefLink entityRef={batch.startedBy} /> on{' '}
        {formatDateTime(batch.startedAt)}: {batch.reason}
      </Typography>
      <Box mb={2} role="status" aria-live="polite">
        {state}
        {!batch.settled && (
          <LinearProgress
            variant="determinate"
            value={
              counts.revoked ? (100 * counts.confirmed) / counts.revoked : 0
            }
            aria-label="Provisioners confirmed"
          />
        )}
      </Box>
      <Typography variant="body2" color="textSecondary" paragraph>
        {counts.total} grant{counts.total === 1 ? '' : 's'}: {counts.revoked}{' '}
        revoked, {counts.alreadyEnded} already ended, {counts.failed} failed
        {batch.leftOut > 0
          ? `; ${batch.leftOut} on APIs the starter does not own were left as they are`
          : ''}
        .
      </Typography>
      <Table size="small" aria-label="Grants of this revocation">
        <TableHead>
          <TableRow>
            <TableCell>API</TableCell>
            <TableCell>Consumer</TableCell>
            <TableCell>Requester</TableCell>
            <TableCell>Environment</TableCell>
            <TableCell>Outcome</TableCell>
            <TableCell>Grant</TableCell>
            <TableCell>Provisioners</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {batch.items.map(item => (
            <TableRow key={item.id}>
              <TableCell>
                <EntityRefLink entityRef={item.apiRef} />
              </TableCell>
              <TableCell>
                <EntityRefLink entityRef={item.consumerRef} />
              </TableCell>
              <TableCell>
                <EntityRefLink entityRef={item.requesterRef} />
              </TableCell>
              <TableCell>{item.environment}</TableCell>
              <TableCell>
                {OUTCOME_LABELS[item.outcome] ?? item.outcome}
                {item.error ? `: ${item.error}` : ''}
              </TableCell>
              <TableCell>
                <StatusChip status={item.status} />
              </TableCell>
              <TableCell>
                <ProvisioningCell item={item} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </InfoCard>
  );
}

/** The route's element: the batch id from the path. */
export function RevocationPage() {
  const { batchId = '' } = useParams();
  return <RevocationProgress batchId={decodeURIComponent(batchId)} />;
}
