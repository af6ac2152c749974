/*
 * Deciding many requests at once: a checkbox per row and one for all, a bar
 * that appears with a selection (Approve, Request changes, Reject), and a
 * dialog that takes one comment, sends one bulk decision and then lists, per
 * request, whether it was decided and, if not, why (the backend applies every
 * rule of a single decision to each). Used by the Group inbox and the
 * "To review" tab.
 */
import { useCallback, useMemo, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import TableCell from '@material-ui/core/TableCell';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useApi } from '@backstage/core-plugin-api';
import {
  AccessRequest,
  BulkDecisionResult,
  MAX_BULK_DECISIONS,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { errorMessage } from '../../format';
import type { DecisionKind } from '../DecisionDialog';

/** A short name for a request in lists: its API for its consumer. */
function describe(request: AccessRequest): string {
  const short = (ref: string) => ref.replace(/^[a-z]+:(default\/)?/i, '');
  return `${short(request.apiRef)} for ${short(request.consumerRef)}`;
}

/** Which of `ids` are selected; a selection never outlives its rows. */
export function useSelection(ids: string[]) {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const selected = useMemo(
    () => ids.filter(id => chosen.has(id)),
    [ids, chosen],
  );
  const toggle = useCallback((id: string) => {
    setChosen(previous => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const toggleAll = useCallback(() => {
    setChosen(previous =>
      ids.every(id => previous.has(id)) ? new Set() : new Set(ids),
    );
  }, [ids]);
  const clear = useCallback(() => setChosen(new Set()), []);
  return { selected, toggle, toggleAll, clear };
}

export type Selection = ReturnType<typeof useSelection>;

/** The header cell: select or clear every row. */
export function SelectAllCell(props: { ids: string[]; selection: Selection }) {
  const { ids, selection } = props;
  const count = selection.selected.length;
  return (
    <TableCell padding="checkbox">
      <Checkbox
        checked={ids.length > 0 && count === ids.length}
        indeterminate={count > 0 && count < ids.length}
        onChange={selection.toggleAll}
        disabled={ids.length === 0}
        inputProps={{ 'aria-label': 'Select every request' }}
      />
    </TableCell>
  );
}

/** A row's cell: select this request. */
export function SelectCell(props: {
  request: AccessRequest;
  selection: Selection;
}) {
  const { request, selection } = props;
  return (
    <TableCell padding="checkbox">
      <Checkbox
        checked={selection.selected.includes(request.id)}
        onChange={() => selection.toggle(request.id)}
        inputProps={{ 'aria-label': `Select ${describe(request)}` }}
      />
    </TableCell>
  );
}

const VERB: Record<DecisionKind, string> = {
  approve: 'Approve',
  request_changes: 'Request changes to',
  reject: 'Reject',
};

/** Shown while something is selected: the three decisions for all of it. */
export function BulkDecisionBar(props: {
  requests: AccessRequest[];
  selection: Selection;
  /** After a bulk decision was sent (some may have been refused). */
  onDecided: () => void;
}) {
  const { requests, selection, onDecided } = props;
  // The dialog decides what the reviewer saw when they opened it: if a
  // teammate decides one meanwhile (a live update removes its row), it stays
  // in the dialog and its result says why it was not decided.
  const [deciding, setDeciding] = useState<{
    decision: DecisionKind;
    requests: AccessRequest[];
  }>();
  const chosen = requests.filter(r => selection.selected.includes(r.id));
  if (chosen.length === 0 && !deciding) return null;
  const open = (decision: DecisionKind) =>
    setDeciding({ decision, requests: chosen });
  const tooMany = chosen.length > MAX_BULK_DECISIONS;
  return (
    <Box
      role="toolbar"
      aria-label="Decide the selected requests"
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      mb={2}
      style={{ gap: 8 }}
    >
      <Typography variant="body2" style={{ marginRight: 8 }}>
        {chosen.length} selected
        {tooMany && ` (at most ${MAX_BULK_DECISIONS} at once)`}
      </Typography>
      <Button
        size="small"
        color="primary"
        variant="contained"
        disabled={tooMany}
        onClick={() => open('approve')}
      >
        Approve {chosen.length}
      </Button>
      <Button
        size="small"
        variant="outlined"
        disabled={tooMany}
        onClick={() => open('request_changes')}
      >
        Request changes
      </Button>
      <Button
        size="small"
        variant="outlined"
        disabled={tooMany}
        onClick={() => open('reject')}
      >
        Reject {chosen.length}
      </Button>
      {deciding && (
        <BulkDecisionDialog
          requests={deciding.requests}
          decision={deciding.decision}
          onClose={sent => {
            setDeciding(undefined);
            if (sent) {
              selection.clear();
              onDecided();
            }
          }}
        />
      )}
    </Box>
  );
}

function outcome(result: BulkDecisionResult): string {
  if (result.status === 201) {
    return `Decided: now ${(result.requestStatus ?? '').replace('_', ' ')}`;
  }
  return `Not decided: ${result.error?.message ?? `status ${result.status}`}`;
}

/** One comment, one call, then the outcome of each request. */
export function BulkDecisionDialog(props: {
  requests: AccessRequest[];
  decision: DecisionKind;
  /** `sent` is true once the backend answered, whatever each item's outcome. */
  onClose: (sent: boolean) => void;
}) {
  const { requests, decision, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [results, setResults] = useState<BulkDecisionResult[]>();
  const needsComment = decision !== 'approve';
  const byId = new Map(requests.map(r => [r.id, r]));

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await apiAccess.decideMany({
        ids: requests.map(r => r.id),
        decision,
        comment: comment.trim() || undefined,
      });
      setResults(answer.results);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const decided = results?.filter(r => r.status === 201).length ?? 0;
  return (
    <Dialog
      open
      onClose={() => onClose(!!results)}
      fullWidth
      maxWidth="sm"
      aria-labelledby="api-access-bulk-decision-title"
    >
      <DialogTitle id="api-access-bulk-decision-title">
        {VERB[decision]} {requests.length} request
        {requests.length === 1 ? '' : 's'}
      </DialogTitle>
      <DialogContent>
        {results ? (
          <>
            <Alert
              severity={decided === results.length ? 'success' : 'warning'}
            >
              {decided} of {results.length} decided
              {decided < results.length &&
                '; the others were refused, each for the reason shown'}
              .
            </Alert>
            <List dense aria-label="Outcome per request">
              {results.map(result => {
                const request = byId.get(result.id);
                return (
                  <ListItem key={result.id} data-testid={`bulk-${result.id}`}>
                    <ListItemText
                      primary={request ? describe(request) : result.id}
                      secondary={outcome(result)}
                      secondaryTypographyProps={{
                        color:
                          result.status === 201 ? 'textSecondary' : 'error',
                      }}
                    />
                  </ListItem>
                );
              })}
            </List>
          </>
        ) : (
          <>
            <Typography variant="body2" gutterBottom>
              Each request is decided on its own, under the same rules as a
              single decision: one you may not decide is refused and the others
              go ahead. Scopes and duration are approved as asked; narrow them
              by deciding a request on its own.
            </Typography>
            <List dense aria-label="Selected requests">
              {requests.map(request => (
                <ListItem key={request.id}>
                  <ListItemText
                    primary={describe(request)}
                    secondary={`${request.environment} · ${
                      request.scopes.join(', ') || 'all scopes'
                    } · ${request.durationDays} days`}
                  />
                </ListItem>
              ))}
            </List>
            <TextField
              id="api-access-bulk-decision-comment"
              label={needsComment ? 'Comment (required)' : 'Comment'}
              value={comment}
              onChange={e => setComment(e.target.value)}
              fullWidth
              multiline
              minRows={2}
              inputProps={{ maxLength: 2000 }}
              margin="normal"
            />
            {error && <Alert severity="error">{error}</Alert>}
          </>
        )}
      </DialogContent>
      <DialogActions>
        {results ? (
          <Button color="primary" onClick={() => onClose(true)}>
            Done
          </Button>
        ) : (
          <>
            <Button onClick={() => onClose(false)} disabled={busy}>
              Cancel
            </Button>
            <Button
              color="primary"
              variant="contained"
              onClick={confirm}
              disabled={busy || (needsComment && !comment.trim())}
            >
              {VERB[decision]} {requests.length}
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
