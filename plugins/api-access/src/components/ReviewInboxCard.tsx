/*
 * On a Group's page: the access requests waiting for this group's decision,
 * with enough context to decide in one screen.
 */
import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { AccessRequest } from '@internal/plugin-api-access-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { ClassificationChip, errorMessage, formatDate } from './shared';

type Decision = 'approve' | 'reject';

export function ReviewInboxCard() {
  const { entity } = useEntity();
  const groupRef = stringifyEntityRef(entity);
  const apiAccess = useApi(apiAccessApiRef);
  const identityApi = useApi(identityApiRef);
  const [deciding, setDeciding] = useState<{
    request: AccessRequest;
    decision: Decision;
  }>();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const inbox = useAsyncRetry(async () => {
    const { ownershipEntityRefs } = await identityApi.getBackstageIdentity();
    const isMember = ownershipEntityRefs.includes(groupRef);
    if (!isMember) {
      return { isMember, items: [] as AccessRequest[] };
    }
    const page = await apiAccess.listRequests({
      view: 'reviewable',
      reviewerRef: groupRef,
    });
    return { isMember, items: page.items };
  }, [apiAccess, identityApi, groupRef]);

  async function confirm() {
    if (!deciding) return;
    setError(undefined);
    try {
      const result = await apiAccess.decide(deciding.request.id, {
        decision: deciding.decision,
        comment: comment.trim() || undefined,
      });
      setNotice(
        `${deciding.decision === 'approve' ? 'Approved' : 'Rejected'} ${
          deciding.request.apiRef
        } for ${deciding.request.consumerRef} (now ${result.status.replace(
          '_',
          ' ',
        )}).`,
      );
      setDeciding(undefined);
      setComment('');
      inbox.retry();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  let content: React.ReactNode;
  if (inbox.loading && !inbox.value) {
    content = <Progress />;
  } else if (inbox.error) {
    content = <Alert severity="error">{errorMessage(inbox.error)}</Alert>;
  } else if (inbox.value && !inbox.value.isMember) {
    content = (
      <Typography variant="body2" color="textSecondary">
        Members of this group review access requests for the APIs it owns. You
        are not a member.
      </Typography>
    );
  } else if (inbox.value?.items.length === 0) {
    content = (
      <Typography variant="body2" color="textSecondary">
        Nothing is waiting for this group's decision.
      </Typography>
    );
  } else {
    content = (
      <Table size="small" aria-label="Access requests awaiting review">
        <TableHead>
          <TableRow>
            <TableCell>Request</TableCell>
            <TableCell>Access</TableCell>
            <TableCell>Why</TableCell>
            <TableCell align="right">Decision</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {inbox.value!.items.map(request => (
            <TableRow
              key={request.id}
              data-testid={`review-${request.id}`}
              style={{ verticalAlign: 'top' }}
            >
              <TableCell style={{ minWidth: 180 }}>
                <EntityRefLink entityRef={request.apiRef} />{' '}
                <ClassificationChip level={request.classification.level} />
                <Typography
                  variant="body2"
                  component="div"
                  style={{ marginTop: 4 }}
                >
                  for <EntityRefLink entityRef={request.consumerRef} />
                  {request.consumerKind === 'external' && (
                    <Typography
                      variant="caption"
                      color="secondary"
                      component="span"
                    >
                      {' '}
                      (external party)
                    </Typography>
                  )}
                </Typography>
                <Typography
                  variant="caption"
                  color="textSecondary"
                  component="div"
                >
                  by <EntityRefLink entityRef={request.requesterRef} /> on{' '}
                  {formatDate(request.createdAt)}
                </Typography>
              </TableCell>
              <TableCell style={{ minWidth: 120 }}>
                <Typography variant="body2">{request.environment}</Typography>
                <Typography variant="caption" display="block">
                  {request.scopes.join(', ') || 'no scopes'}
                </Typography>
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  {request.durationDays} days
                </Typography>
              </TableCell>
              <TableCell>
                <Typography variant="body2">{request.useCase}</Typography>
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  {request.justification}
                </Typography>
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  Storage: {request.credentialStorage}
                </Typography>
              </TableCell>
              <TableCell align="right">
                <Box display="flex" flexDirection="column" style={{ gap: 8 }}>
                  <Button
                    size="small"
                    color="primary"
                    variant="contained"
                    onClick={() =>
                      setDeciding({ request, decision: 'approve' })
                    }
                    aria-label={`Approve ${request.apiRef} for ${request.consumerRef}`}
                  >
                    Approve
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    onClick={() => setDeciding({ request, decision: 'reject' })}
                    aria-label={`Reject ${request.apiRef} for ${request.consumerRef}`}
                  >
                    Reject
                  </Button>
                </Box>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }

  return (
    <InfoCard title="Access requests to review">
      {notice && (
        <Alert
          severity="success"
          onClose={() => setNotice(undefined)}
          style={{ marginBottom: 16 }}
        >
          {notice}
        </Alert>
      )}
      {content}
      <Dialog
        open={!!deciding}
        onClose={() => setDeciding(undefined)}
        fullWidth
        maxWidth="sm"
      >
        <DialogTitle>
          {deciding?.decision === 'approve' ? 'Approve' : 'Reject'} access to{' '}
          {deciding?.request.apiRef}
        </DialogTitle>
        <DialogContent>
          {error && (
            <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
              {error}
            </Alert>
          )}
          <Typography variant="body2" gutterBottom>
            {deciding?.request.requesterRef} asks for{' '}
            {deciding?.request.scopes.join(', ') || 'access'} in{' '}
            {deciding?.request.environment} for {deciding?.request.consumerRef},{' '}
            {deciding?.request.durationDays} days.
          </Typography>
          <TextField
            fullWidth
            multiline
            minRows={3}
            margin="normal"
            id="api-access-decision-comment"
            label={
              deciding?.decision === 'reject'
                ? 'Reason (required)'
                : 'Comment (optional)'
            }
            value={comment}
            onChange={e => setComment(e.target.value)}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeciding(undefined)}>Cancel</Button>
          <Button
            color="primary"
            variant="contained"
            onClick={confirm}
            disabled={deciding?.decision === 'reject' && !comment.trim()}
          >
            Confirm{' '}
            {deciding?.decision === 'approve' ? 'approval' : 'rejection'}
          </Button>
        </DialogActions>
      </Dialog>
    </InfoCard>
  );
}
