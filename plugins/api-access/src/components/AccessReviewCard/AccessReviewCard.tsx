/*
 * On a Group's page: the group's periodic access reviews. Each open campaign
 * lists every grant on the group's APIs with what an owner needs to judge it
 * (consumer, API, environment, scopes, last use, expiry, key prefix) and two
 * answers: keep (say why it is still needed) or revoke (say why it ends; the
 * key stops working at once). Answered items show who answered, when and what.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import { apiAccessTranslationRef } from '../../translation';
import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
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
import { useApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import {
  AccessReview,
  AccessReviewDecision,
  AccessReviewItem,
  Grant,
  apiAccessGrantRevokePermission,
} from '@api-access/backstage-plugin-api-access-common';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { useAllowed } from '../../hooks/useAllowed';
import { StatusChip } from '../Chips';
import { errorMessage, formatDate, formatDateTime } from '../../format';

/** "component:default/x's access to api:default/y in sandbox", for labels. */
export function accessPhrase(grant: Grant) {
  return `${grant.consumerRef}'s access to ${grant.apiRef} in ${grant.environment}`;
}

function reviewTitle(review: AccessReview) {
  return review.trigger === 'scheduled'
    ? `Access review for the period from ${formatDate(
        `${review.period}T00:00:00Z`,
      )}`
    : `Access review started ${formatDate(review.createdAt)}`;
}

function AnswerDialog(props: {
  review: AccessReview;
  item: AccessReviewItem;
  decision: AccessReviewDecision;
  onClose: (answered?: AccessReview) => void;
}) {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const { review, item, decision, onClose } = props;
  const apiAccess = useApi(apiAccessApiRef);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const keep = decision === 'keep';

  async function answer() {
    setBusy(true);
    setError(undefined);
    try {
      onClose(
        await apiAccess.answerAccessReview(review.id, item.grantId, {
          decision,
          comment,
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
      aria-labelledby="api-access-review-answer-title"
    >
      <DialogTitle id="api-access-review-answer-title">
        {keep ? t('accessReviews.keep') : t('accessReviews.revoke')}{' '}
        {accessPhrase(item.grant)}
      </DialogTitle>
      <DialogContent>
        {error && (
          <Alert severity="error" role="alert" style={{ marginBottom: 16 }}>
            {error}
          </Alert>
        )}
        <Typography variant="body2" paragraph>
          {keep
            ? t('accessReviews.keepExplained')
            : t('accessReviews.revokeExplained', {
                environment: item.grant.environment,
              })}
        </Typography>
        <TextField
          id="api-access-review-comment"
          label={
            keep
              ? t('accessReviews.keepReason')
              : t('accessReviews.revokeReason')
          }
          required
          fullWidth
          multiline
          minRows={2}
          value={comment}
          onChange={e => setComment(e.target.value)}
          helperText={
            keep ? t('accessReviews.keepHelp') : t('accessReviews.revokeHelp')
          }
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose()}>{t('accessReviews.cancel')}</Button>
        <Button
          color={keep ? 'primary' : 'secondary'}
          variant="contained"
          disabled={busy || comment.trim().length < 3}
          onClick={answer}
        >
          {keep
            ? t('accessReviews.keepAccess')
            : t('accessReviews.revokeAccess')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

function Answer(props: {
  review: AccessReview;
  item: AccessReviewItem;
  onAnswer: (decision: AccessReviewDecision) => void;
}) {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const { review, item, onAnswer } = props;
  const mayRevoke = useAllowed(apiAccessGrantRevokePermission);
  if (item.decision) {
    return (
      <Box>
        <Chip
          size="small"
          label={
            item.decision === 'keep'
              ? t('accessReviews.kept')
              : t('accessReviews.revoked')
          }
          color={item.decision === 'keep' ? 'primary' : 'secondary'}
        />
        <Typography variant="caption" display="block" color="textSecondary">
          by{' '}
          {item.decidedBy?.includes(':') ? (
            <EntityRefLink entityRef={item.decidedBy} />
          ) : (
            `${item.decidedBy ?? 'api-access'} (not answered in time)`
          )}{' '}
          on {item.decidedAt ? formatDateTime(item.decidedAt) : ''}
        </Typography>
        <Typography variant="caption" display="block">
          {item.comment}
        </Typography>
      </Box>
    );
  }
  if (item.grant.status !== 'active') {
    return (
      <Typography variant="caption" color="textSecondary">
        Ended meanwhile ({item.grant.status.replace('_', ' ')}); no answer
        needed.
      </Typography>
    );
  }
  if (review.status !== 'open') {
    return (
      <Typography variant="caption" color="textSecondary">
        {t('accessReviews.notAnswered')}
      </Typography>
    );
  }
  const phrase = accessPhrase(item.grant);
  return (
    <Box display="flex" style={{ gap: 8 }} justifyContent="flex-end">
      <Button
        size="small"
        color="primary"
        variant="contained"
        onClick={() => onAnswer('keep')}
        aria-label={`Keep ${phrase}`}
      >
        {t('accessReviews.keep')}
      </Button>
      {mayRevoke && (
        <Button
          size="small"
          variant="outlined"
          onClick={() => onAnswer('revoke')}
          aria-label={`Revoke ${phrase}`}
        >
          {t('accessReviews.revoke')}
        </Button>
      )}
    </Box>
  );
}

function Campaign(props: {
  review: AccessReview;
  onAnswer: (item: AccessReviewItem, decision: AccessReviewDecision) => void;
}) {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const { review, onAnswer } = props;
  const answered = review.items.filter(item => item.decision).length;
  const title = reviewTitle(review);
  const headingId = `api-access-review-${review.id}`;
  return (
    <Box component="section" mb={3} aria-labelledby={headingId}>
      <Box display="flex" alignItems="center" style={{ gap: 8 }} mb={1}>
        <Typography variant="subtitle1" component="h3" id={headingId}>
          {title}
        </Typography>
        <Chip
          size="small"
          label={
            review.status === 'open'
              ? t('accessReviews.open')
              : t('accessReviews.closed')
          }
          color={review.status === 'open' ? 'primary' : 'default'}
        />
      </Box>
      <Typography variant="body2" color="textSecondary">
        {review.status === 'open'
          ? `Due ${formatDateTime(review.dueAt)}`
          : `Closed ${review.closedAt ? formatDateTime(review.closedAt) : ''}`}
        {' · '}
        {answered} of {review.items.length} answered
        {review.escalatedTo && (
          <>
            {' · escalated to '}
            <EntityRefLink entityRef={review.escalatedTo} />
          </>
        )}
      </Typography>
      <Table size="small" aria-label={`Grants in ${title}`}>
        <TableHead>
          <TableRow>
            <TableCell>Consumer and API</TableCell>
            <TableCell>Access</TableCell>
            <TableCell>Key</TableCell>
            <TableCell>Last used</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell align="right">Answer</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {review.items.map(item => (
            <TableRow
              key={item.grantId}
              data-testid={`access-review-item-${item.grantId}`}
              style={{ verticalAlign: 'top' }}
            >
              <TableCell>
                <EntityRefLink entityRef={item.grant.consumerRef} />
                <Typography variant="caption" display="block">
                  to <EntityRefLink entityRef={item.grant.apiRef} />
                </Typography>
                <Typography
                  variant="caption"
                  display="block"
                  color="textSecondary"
                >
                  requested by{' '}
                  <EntityRefLink entityRef={item.grant.requesterRef} />
                </Typography>
              </TableCell>
              <TableCell>
                <Typography variant="body2">
                  {item.grant.environment}
                </Typography>
                <Typography variant="caption" display="block">
                  {item.grant.scopes.join(', ') || 'no scopes'}
                </Typography>
                <StatusChip status={item.grant.status} />
              </TableCell>
              <TableCell>
                <Typography variant="caption">
                  {item.grant.credential
                    ? `${item.grant.credential.prefix}…`
                    : 'none issued'}
                </Typography>
              </TableCell>
              <TableCell>
                <Typography variant="caption">
                  {item.grant.lastUsedAt
                    ? formatDateTime(item.grant.lastUsedAt)
                    : 'never'}
                </Typography>
              </TableCell>
              <TableCell>
                <Typography variant="caption">
                  {formatDate(item.grant.expiresAt)}
                </Typography>
              </TableCell>
              <TableCell align="right" style={{ minWidth: 170 }}>
                <Answer
                  review={review}
                  item={item}
                  onAnswer={decision => onAnswer(item, decision)}
                />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

export function AccessReviewCard() {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const { entity } = useEntity();
  const groupRef = stringifyEntityRef(entity);
  const apiAccess = useApi(apiAccessApiRef);
  const [answering, setAnswering] = useState<{
    review: AccessReview;
    item: AccessReviewItem;
    decision: AccessReviewDecision;
  }>();
  const [notice, setNotice] = useState<string>();

  const reviews = useAsyncRetry(async () => {
    try {
      return {
        member: true,
        items: await apiAccess.listAccessReviews({
          ownerRef: groupRef,
          status: 'all',
        }),
      };
    } catch (error) {
      if (error instanceof ResponseError && error.statusCode === 403) {
        return { member: false, items: [] as AccessReview[] };
      }
      throw error;
    }
  }, [apiAccess, groupRef]);

  let content: React.ReactNode;
  if (reviews.loading && !reviews.value) {
    content = <Progress />;
  } else if (reviews.error) {
    content = <Alert severity="error">{errorMessage(reviews.error)}</Alert>;
  } else if (reviews.value && !reviews.value.member) {
    content = (
      <Typography variant="body2" color="textSecondary">
        {t('accessReviews.notMember')}
      </Typography>
    );
  } else if (reviews.value?.items.length === 0) {
    content = (
      <Typography variant="body2" color="textSecondary">
        {t('accessReviews.empty')}
      </Typography>
    );
  } else {
    content = reviews.value!.items.map(review => (
      <Campaign
        key={review.id}
        review={review}
        onAnswer={(item, decision) => setAnswering({ review, item, decision })}
      />
    ));
  }

  return (
    <InfoCard title={t('accessReviews.title')}>
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
      {answering && (
        <AnswerDialog
          review={answering.review}
          item={answering.item}
          decision={answering.decision}
          onClose={answered => {
            if (answered) {
              setNotice(
                `${
                  answering.decision === 'keep' ? 'Kept' : 'Revoked'
                } ${accessPhrase(answering.item.grant)}${
                  answered.status === 'closed'
                    ? '. The review is complete.'
                    : '.'
                }`,
              );
              reviews.retry();
            }
            setAnswering(undefined);
          }}
        />
      )}
    </InfoCard>
  );
}
