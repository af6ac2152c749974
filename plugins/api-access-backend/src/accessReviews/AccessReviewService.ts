/*
 * Periodic access reviews. Each period (default every 90 days) every owner of
 * APIs with active grants gets one campaign listing the grants that were
 * active on its APIs at the period's start; members answer each item keep
 * (with a comment) or revoke (with a reason, revoking at once). At the due
 * date unanswered items are revoked, or escalated to a configured group.
 *
 * Every step is in the hash-chained history, written in the transaction of
 * the change: the campaign's start, reminders, escalation and close (subject
 * `review`), each answer (subject the grant). Notifications go out after
 * commit. Creation is guarded by the unique (owner, period) key, answers and
 * closing by conditional updates, reminders by lifecycle marks: a tick that
 * runs twice, late, or on two replicas does each piece of work once.
 */
import { randomUUID } from 'node:crypto';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  AccessReview,
  AccessReviewDecision,
  AuditEvent,
  Grant,
} from '@api-access/backstage-plugin-api-access-common';
import { Knex } from 'knex';
import { ApiAccessClock } from '../clock';
import { ApiAccessConfig } from '../config';
import { AccessStore } from '../requests/AccessStore';
import { GrantStore } from '../grants/GrantStore';
import { AuditLog, NewAuditEvent } from '../audit/AuditLog';
import { CredentialStore } from '../credentials/CredentialStore';
import { LifecycleMarks } from '../lifecycle/LifecycleService';
import { Caller } from '../requests/workflowTypes';
import { GrantService } from '../grants/GrantService';
import type { AdminCheck } from '../permissions/AdminCheck';
import { Notifier } from '../notifications/Notifier';
import type { StakeCheck } from '../reviews/stake';
import {
  AccessReviewStore,
  ItemRow,
  ReviewRow,
  toDate,
} from './AccessReviewStore';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The actor of what the schedule does. */
export const ACCESS_REVIEW_SYSTEM_ACTOR = 'api-access';
/** Closed campaigns GET /access-reviews?status=all adds after the open ones. */
const RECENTLY_CLOSED = 5;

export interface AccessReviewServiceOptions {
  store: AccessReviewStore;
  access: AccessStore;
  /** The grants table's store, for reading the grants under review. */
  grantStore: GrantStore;
  credentials: CredentialStore;
  audit: AuditLog;
  grants: GrantService;
  marks: LifecycleMarks;
  notifier: Notifier;
  policy: ApiAccessConfig;
  clock: ApiAccessClock;
  /** Who is an admin (api-access.admin); without it, nobody is. */
  admins?: AdminCheck;
  /** Conflict of interest: nobody confirms access they have a stake in. */
  stake: Pick<StakeCheck, 'conflict'>;
}

/** Thrown inside a revocation's transaction to roll it back quietly. */
class AlreadyAnswered extends Error {}

/** The Group (or User) page where owners answer their reviews. */
export function ownerPagePath(ownerRef: string): string {
  try {
    const { kind, namespace, name } = parseEntityRef(ownerRef);
    return `/catalog/${namespace}/${kind.toLocaleLowerCase('en-US')}/${name}`;
  } catch {
    return '/catalog';
  }
}

function day(date: Date) {
  return date.toISOString().slice(0, 10);
}

/** What POST /access-reviews/run answers: the campaigns, opened now or already open. */
export interface StartedAccessReviews {
  items: AccessReview[];
  /** Ids of the campaigns this call opened. */
  opened: string[];
  /** Ids of the owners' open manual campaigns this call found instead. */
  alreadyOpen: string[];
}

export class AccessReviewService {
  private readonly store: AccessReviewStore;
  private readonly access: AccessStore;
  private readonly grantStore: GrantStore;
  private readonly credentials: CredentialStore;
  private readonly audit: AuditLog;
  private readonly grants: GrantService;
  private readonly marks: LifecycleMarks;
  private readonly notifier: Notifier;
  private readonly policy: ApiAccessConfig;
  private readonly clock: ApiAccessClock;
  private readonly admins?: AdminCheck;
  private readonly stake: Pick<StakeCheck, 'conflict'>;

  constructor(options: AccessReviewServiceOptions) {
    this.stake = options.stake;
    this.store = options.store;
    this.access = options.access;
    this.grantStore = options.grantStore;
    this.credentials = options.credentials;
    this.audit = options.audit;
    this.grants = options.grants;
    this.marks = options.marks;
    this.notifier = options.notifier;
    this.policy = options.policy;
    this.clock = options.clock;
    this.admins = options.admins;
  }

  private get settings() {
    return this.policy.accessReviews;
  }

  /** The review period `now` falls in, or none before `startsOn`. */
  periodAt(now: Date): { key: string; start: Date } | undefined {
    const first = Date.parse(`${this.settings.startsOn}T00:00:00Z`);
    if (now.getTime() < first) return undefined;
    const length = this.settings.everyDays * DAY_MS;
    const index = Math.floor((now.getTime() - first) / length);
    const start = new Date(first + index * length);
    return { key: day(start), start };
  }

  /** Whoever the permission policy grants api-access.admin. */
  private async isAdmin(caller: Caller): Promise<boolean> {
    return (await this.admins?.isAdmin(caller.credentials)) ?? false;
  }

  /** Members of the owner, of the group it was escalated to, and admins (`admin`). */
  private mayAnswer(review: ReviewRow, caller: Caller, admin: boolean) {
    const refs = caller.ownershipEntityRefs;
    return (
      refs.includes(review.owner_ref) ||
      (!!review.escalated_to && refs.includes(review.escalated_to)) ||
      admin
    );
  }

  // ---- Starting campaigns ------------------------------------------------

  /**
   * Lifecycle rule: one campaign per owner for the current period, over the
   * grants that were active at the period's start (and still are).
   */
  async startScheduled(now: Date): Promise<{ started: number }> {
    const period = this.periodAt(now);
    if (!this.settings.enabled || !period) return { started: 0 };
    const owners = await this.store.ownersWithActiveGrants(
      this.store.db,
      period.start,
    );
    let started = 0;
    for (const ownerRef of owners) {
      if (await this.store.hasReview(this.store.db, ownerRef, period.key)) {
        continue;
      }
      const review = await this.create({
        ownerRef,
        period: period.key,
        trigger: 'scheduled',
        startedBy: ACCESS_REVIEW_SYSTEM_ACTOR,
        now,
        createdBefore: period.start,
      });
      if (review) started += 1;
    }
    return { started };
  }

  /**
   * Starts a review now, over every active grant: admins for one owner or
   * (without `ownerRef`) every owner; members of an owner for their own
   * when `accessReviews.ownersMayStart` is set. Owners with no active grant
   * get none. An owner has at most one open manual campaign: while one is
   * open, starting again (or a racing start) answers that one instead of
   * opening another; `opened` and `alreadyOpen` say which was which.
   */
  async startNow(
    ownerRef: string | undefined,
    caller: Caller,
  ): Promise<StartedAccessReviews> {
    const admin = await this.isAdmin(caller);
    if (!ownerRef && !admin) {
      throw new NotAllowedError(
        'Only api-access admins can start access reviews for every owner; name the ownerRef',
      );
    }
    if (
      ownerRef &&
      !admin &&
      !(
        this.settings.ownersMayStart &&
        caller.ownershipEntityRefs.includes(ownerRef)
      )
    ) {
      throw new NotAllowedError(
        this.settings.ownersMayStart
          ? `Only members of ${ownerRef} and api-access admins can start its access review`
          : 'Only api-access admins can start an access review before its period',
      );
    }
    const now = this.clock.now();
    const owners = ownerRef
      ? [ownerRef]
      : await this.store.ownersWithActiveGrants(this.store.db);
    const rows: ReviewRow[] = [];
    const opened: string[] = [];
    const alreadyOpen: string[] = [];
    for (const owner of owners) {
      const review = await this.create({
        ownerRef: owner,
        period: `manual:${now.toISOString()}`,
        trigger: 'manual',
        startedBy: caller.userEntityRef,
        now,
      });
      if (review) {
        rows.push(review);
        opened.push(review.id);
        continue;
      }
      // Not inserted: no active grant, or the owner's open manual campaign
      // (perhaps a racing call's, committed by now) holds the unique index.
      const open = await this.store.openManualReview(this.store.db, owner);
      if (open) {
        rows.push(open);
        alreadyOpen.push(open.id);
      }
    }
    return { items: await this.toReviews(rows), opened, alreadyOpen };
  }

  private async create(options: {
    ownerRef: string;
    period: string;
    trigger: 'scheduled' | 'manual';
    startedBy: string;
    now: Date;
    createdBefore?: Date;
  }): Promise<ReviewRow | undefined> {
    const { ownerRef, period, trigger, startedBy, now } = options;
    const dueAt = new Date(now.getTime() + this.settings.dueInDays * DAY_MS);
    const row = {
      id: randomUUID(),
      owner_ref: ownerRef,
      period,
      trigger,
      started_by: startedBy,
      created_at: now,
      due_at: dueAt,
      status: 'open' as const,
    };
    const grantIds = await this.store.transaction(async tx => {
      const ids = await this.store.activeGrantIdsOf(
        tx,
        ownerRef,
        options.createdBefore,
      );
      if (ids.length === 0) return undefined;
      if (!(await this.store.insertReview(tx, row))) return undefined;
      await this.store.insertItems(tx, row.id, ids);
      await this.audit.append(tx, [
        this.reviewEvent(row, 'access-review.started', startedBy, now, {
          toStatus: 'open',
          details: {
            trigger,
            dueAt: dueAt.toISOString(),
            grantIds: ids,
          },
        }),
      ]);
      return ids;
    });
    if (!grantIds) return undefined;
    await this.notifier.notify([ownerRef], {
      title: `Access review for ${ownerRef}: keep or revoke ${
        grantIds.length
      } grant${grantIds.length === 1 ? '' : 's'} by ${day(dueAt)}`,
      description: `Each grant on your APIs needs an answer: keep it (say why it is still needed) or revoke it. ${
        this.settings.unanswered === 'revoke'
          ? 'Grants still unanswered at the due date are revoked.'
          : `Unanswered grants are escalated to ${this.settings.escalateTo} at the due date.`
      }`,
      requestId: row.id,
      link: ownerPagePath(ownerRef),
    });
    return { ...row, closed_at: null, escalated_to: null, escalated_at: null };
  }

  private reviewEvent(
    review: Pick<ReviewRow, 'id' | 'owner_ref' | 'period'>,
    action: string,
    actorRef: string,
    now: Date,
    extra: {
      fromStatus?: string;
      toStatus?: string;
      details?: Record<string, unknown>;
    } = {},
  ): NewAuditEvent {
    return {
      subjectType: 'review',
      subjectId: review.id,
      action,
      actorRef,
      occurredAt: now,
      fromStatus: extra.fromStatus,
      toStatus: extra.toStatus,
      details: {
        ownerRef: review.owner_ref,
        period: review.period,
        ...extra.details,
      },
    };
  }

  // ---- Reminders, due dates, closing -------------------------------------

  /** Lifecycle rule: reminders at each configured window before the due date, each once. */
  async remind(now: Date): Promise<{ reminded: number }> {
    let reminded = 0;
    for (const review of await this.store.openReviews(this.store.db)) {
      const due = toDate(review.due_at).getTime();
      const created = toDate(review.created_at).getTime();
      if (now.getTime() >= due) continue;
      // Windows reached now, and not already passed when the campaign began.
      const windows = this.settings.reminderDaysBeforeDue.filter(days => {
        const at = due - days * DAY_MS;
        return at <= now.getTime() && at > created;
      });
      if (windows.length === 0) continue;
      const pending = await this.store.undecidedActiveGrantIds(
        this.store.db,
        review.id,
      );
      if (pending.length === 0) continue;
      const claimed = await this.store.transaction(async tx => {
        const won: number[] = [];
        for (const days of windows) {
          if (
            await this.marks.claim(
              tx,
              review.id,
              `access-review-reminder:${days}`,
              now,
            )
          ) {
            won.push(days);
          }
        }
        if (won.length > 0) {
          await this.audit.append(tx, [
            this.reviewEvent(
              review,
              'access-review.reminded',
              ACCESS_REVIEW_SYSTEM_ACTOR,
              now,
              { details: { daysBeforeDue: Math.min(...won), pending } },
            ),
          ]);
        }
        return won;
      });
      if (claimed.length === 0) continue;
      reminded += 1;
      const to = [review.owner_ref];
      if (review.escalated_to) to.push(review.escalated_to);
      await this.notifier.notify(to, {
        title: `Reminder: the access review of ${review.owner_ref} has ${
          pending.length
        } unanswered grant${pending.length === 1 ? '' : 's'}, due ${day(
          toDate(review.due_at),
        )}`,
        requestId: review.id,
        link: ownerPagePath(review.owner_ref),
      });
    }
    return { reminded };
  }

  /**
   * Lifecycle rule: at the due date, revokes unanswered items or escalates
   * the campaign (once); then closes every campaign with nothing left open,
   * including ones whose last grants ended another way.
   */
  async applyDue(
    now: Date,
  ): Promise<{ revoked: number; escalated: number; closed: number }> {
    let revoked = 0;
    let escalated = 0;
    let closed = 0;
    for (const review of await this.store.openReviews(this.store.db)) {
      if (toDate(review.due_at).getTime() <= now.getTime()) {
        if (this.settings.unanswered === 'revoke') {
          const result = await this.revokeUnanswered(review, now);
          revoked += result.revoked;
          if (result.closed) {
            closed += 1;
            continue;
          }
        } else if (await this.escalate(review, now)) {
          escalated += 1;
        }
      }
      if (
        await this.store.transaction(tx =>
          this.closeIfSettled(tx, review.id, now, ACCESS_REVIEW_SYSTEM_ACTOR),
        )
      ) {
        closed += 1;
      }
    }
    return { revoked, escalated, closed };
  }

  private async revokeUnanswered(review: ReviewRow, now: Date) {
    const reason = `Not answered by the due date (${day(
      toDate(review.due_at),
    )}) of the access review of ${review.owner_ref}`;
    let revoked = 0;
    let closed = false;
    for (const grantId of await this.store.undecidedActiveGrantIds(
      this.store.db,
      review.id,
    )) {
      const outcome = await this.revokeOneUnanswered(
        review.id,
        grantId,
        reason,
        now,
      );
      if (outcome !== 'skipped') revoked += 1;
      if (outcome === 'closed') closed = true;
    }
    return { revoked, closed };
  }

  /** Revokes one unanswered grant with its answer, in one transaction. */
  private async revokeOneUnanswered(
    reviewId: string,
    grantId: string,
    reason: string,
    now: Date,
  ): Promise<'revoked' | 'closed' | 'skipped'> {
    let closed = false;
    try {
      await this.grants.revokeAsSystem(
        grantId,
        reason,
        ACCESS_REVIEW_SYSTEM_ACTOR,
        async tx => {
          closed = await this.answerInTransaction(tx, reviewId, grantId, {
            decision: 'revoke',
            comment: reason,
            by: ACCESS_REVIEW_SYSTEM_ACTOR,
            now,
            unanswered: true,
          });
        },
      );
    } catch (error) {
      // Someone answered, or the grant ended, since we looked: nothing to do.
      if (error instanceof AlreadyAnswered || error instanceof ConflictError) {
        return 'skipped';
      }
      throw error;
    }
    return closed ? 'closed' : 'revoked';
  }

  private async escalate(review: ReviewRow, now: Date): Promise<boolean> {
    const to = this.settings.escalateTo;
    if (!to || review.escalated_at) return false;
    const pending = await this.store.undecidedActiveGrantIds(
      this.store.db,
      review.id,
    );
    if (pending.length === 0) return false;
    const done = await this.store.transaction(async tx => {
      if (!(await this.store.escalateReview(tx, review.id, to, now))) {
        return false;
      }
      await this.audit.append(tx, [
        this.reviewEvent(
          review,
          'access-review.escalated',
          ACCESS_REVIEW_SYSTEM_ACTOR,
          now,
          { details: { escalatedTo: to, pending } },
        ),
      ]);
      return true;
    });
    if (done) {
      await this.notifier.notify([to, review.owner_ref], {
        title: `Access review of ${review.owner_ref} escalated to ${to}: ${
          pending.length
        } grant${pending.length === 1 ? '' : 's'} unanswered at the due date`,
        description: `Members of ${to} may now answer them too: keep or revoke.`,
        requestId: review.id,
        link: ownerPagePath(review.owner_ref),
      });
    }
    return done;
  }

  /** Closes the campaign when no item is unanswered on an active grant. */
  private async closeIfSettled(
    tx: Knex.Transaction,
    reviewId: string,
    now: Date,
    actorRef: string,
  ): Promise<boolean> {
    const review = await this.store.getReview(tx, reviewId, true);
    if (!review || review.status !== 'open') return false;
    const pending = await this.store.undecidedActiveGrantIds(tx, reviewId);
    if (pending.length > 0) return false;
    if (!(await this.store.closeReview(tx, reviewId, now))) return false;
    const counts = await this.store.itemCounts(tx, reviewId);
    await this.audit.append(tx, [
      this.reviewEvent(review, 'access-review.closed', actorRef, now, {
        fromStatus: 'open',
        toStatus: 'closed',
        details: { ...counts },
      }),
    ]);
    return true;
  }

  /** Records an answer and its history event inside `tx`; closes the campaign if it was the last. */
  private async answerInTransaction(
    tx: Knex.Transaction,
    reviewId: string,
    grantId: string,
    answer: {
      decision: AccessReviewDecision;
      comment: string;
      by: string;
      now: Date;
      unanswered?: boolean;
    },
  ) {
    // Serialises answers to one campaign, so the last one sees it complete.
    const review = await this.store.getReview(tx, reviewId, true);
    if (!review || review.status !== 'open') {
      throw new AlreadyAnswered('The access review is closed');
    }
    const grant = await this.grantStore.getGrant(tx, grantId);
    if (
      !(await this.store.decideItem(tx, reviewId, grantId, {
        decision: answer.decision,
        comment: answer.comment,
        by: answer.by,
        at: answer.now,
      }))
    ) {
      throw new AlreadyAnswered('This grant was already answered');
    }
    await this.audit.append(tx, [
      {
        subjectType: 'grant',
        subjectId: grantId,
        requestId: grant?.requestId,
        action:
          answer.decision === 'keep'
            ? 'access-review.kept'
            : 'access-review.revoked',
        actorRef: answer.by,
        occurredAt: answer.now,
        details: {
          reviewId,
          ownerRef: review.owner_ref,
          decision: answer.decision,
          comment: answer.comment,
          ...(answer.unanswered ? { unanswered: true } : {}),
        },
      },
    ]);
    return this.closeIfSettled(tx, reviewId, answer.now, answer.by);
  }

  // ---- People's answers and reads -----------------------------------------

  /**
   * An owner's answer to one item: keep (with a comment) or revoke (at once,
   * the comment as the reason). 409 when the item was answered, the campaign
   * closed, or the grant already ended.
   */
  async answer(
    reviewId: string,
    grantId: string,
    input: { decision: AccessReviewDecision; comment: string },
    caller: Caller,
  ): Promise<AccessReview> {
    const review = await this.store.getReview(this.store.db, reviewId);
    if (!review) throw new NotFoundError(`No access review '${reviewId}'`);
    if (!this.mayAnswer(review, caller, await this.isAdmin(caller))) {
      throw new NotAllowedError(
        `Only members of ${review.owner_ref}${
          review.escalated_to ? ` or ${review.escalated_to}` : ''
        } and api-access admins can answer its access review`,
      );
    }
    if (review.status !== 'open') {
      throw new ConflictError('The access review is closed');
    }
    const item = await this.store.getItem(this.store.db, reviewId, grantId);
    if (!item) {
      throw new NotFoundError(
        `Grant '${grantId}' is not in access review '${reviewId}'`,
      );
    }
    if (item.decision) {
      throw new ConflictError(
        `Already answered: ${item.decision} by ${item.decided_by}`,
      );
    }
    // No self-certification: the grant's requester and its consumer's team
    // may give up their access, never confirm it.
    if (input.decision === 'keep') {
      const grant = await this.grantStore.getGrant(this.access.db, grantId);
      if (grant) {
        const origin = await this.access.getRequest(
          this.access.db,
          grant.requestId,
        );
        const conflict = await this.stake.conflict(
          caller,
          {
            requesterRef: grant.requesterRef,
            consumerRef: grant.consumerRef,
            consumerOwnerRefs: origin?.consumerOwnerRefs ?? [],
          },
          caller.credentials,
        );
        if (conflict) {
          throw new NotAllowedError(
            `You cannot confirm this grant: ${conflict.message}. Another member of ${review.owner_ref} answers it; you may revoke it`,
          );
        }
      }
    }
    const now = this.clock.now();
    const answer = {
      decision: input.decision,
      comment: input.comment,
      by: caller.userEntityRef,
      now,
    };
    try {
      if (input.decision === 'revoke') {
        await this.grants.revokeAsSystem(
          grantId,
          input.comment,
          caller.userEntityRef,
          async tx => {
            await this.answerInTransaction(tx, reviewId, grantId, answer);
          },
        );
      } else {
        const grant = await this.grantStore.getGrant(this.access.db, grantId);
        if (
          grant &&
          grant.status !== 'active' &&
          grant.status !== 'suspended'
        ) {
          throw new ConflictError(`The grant is already ${grant.status}`);
        }
        await this.store.transaction(tx =>
          this.answerInTransaction(tx, reviewId, grantId, answer),
        );
      }
    } catch (error) {
      if (error instanceof AlreadyAnswered) {
        throw new ConflictError(error.message);
      }
      throw error;
    }
    return this.get(reviewId, caller);
  }

  async get(reviewId: string, caller: Caller): Promise<AccessReview> {
    const review = await this.store.getReview(this.store.db, reviewId);
    if (!review) throw new NotFoundError(`No access review '${reviewId}'`);
    if (!this.mayAnswer(review, caller, await this.isAdmin(caller))) {
      throw new NotAllowedError(
        `Only members of ${review.owner_ref} and api-access admins see its access review`,
      );
    }
    const [result] = await this.toReviews([review]);
    return result;
  }

  /**
   * The caller's campaigns: of one owner (the caller must be a member, an
   * admin, or of the group it was escalated to), or of all the caller's
   * groups. Open ones first; `all` adds the last few closed ones.
   */
  async list(
    query: { ownerRef?: string; status: 'open' | 'all' },
    caller: Caller,
  ): Promise<AccessReview[]> {
    const refs = caller.ownershipEntityRefs;
    const closedLimit = query.status === 'all' ? RECENTLY_CLOSED : 0;
    let rows: ReviewRow[];
    if (query.ownerRef) {
      const admin = await this.isAdmin(caller);
      rows = (
        await this.store.listReviews(
          this.store.db,
          { ownerRefs: [query.ownerRef] },
          closedLimit,
        )
      ).filter(review => this.mayAnswer(review, caller, admin));
      if (rows.length === 0 && !refs.includes(query.ownerRef) && !admin) {
        throw new NotAllowedError(
          `Only members of ${query.ownerRef} and api-access admins see its access reviews`,
        );
      }
    } else {
      rows = await this.store.listReviews(
        this.store.db,
        { ownerRefs: refs, escalatedTo: refs },
        closedLimit,
      );
    }
    return this.toReviews(rows);
  }

  /** The campaign's history: its own events, its answers, and revocations of its grants meanwhile. */
  async history(reviewId: string, caller: Caller): Promise<AuditEvent[]> {
    const review = await this.get(reviewId, caller);
    const grantIds = review.items.map(item => item.grantId);
    const events = await this.audit.listSubjects([reviewId, ...grantIds]);
    return events.filter(
      event =>
        event.subjectId === reviewId ||
        (event.action.startsWith('access-review.') &&
          event.details.reviewId === reviewId) ||
        (event.action === 'grant.revoked' &&
          event.occurredAt >= review.createdAt),
    );
  }

  private async toReviews(rows: ReviewRow[]): Promise<AccessReview[]> {
    const items = await this.store.itemsOf(
      this.store.db,
      rows.map(row => row.id),
    );
    const grantIds = Array.from(new Set(items.map(item => item.grant_id)));
    const grants = new Map<string, Grant>();
    for (const grant of await Promise.all(
      grantIds.map(id => this.grantStore.getGrant(this.access.db, id)),
    )) {
      if (grant) grants.set(grant.id, grant);
    }
    for (const credential of await this.credentials.activeForGrants(
      this.access.db,
      grantIds,
    )) {
      const grant = grants.get(credential.grant_id);
      if (grant && !grant.credential) {
        grant.credential = {
          id: credential.id,
          prefix: credential.prefix,
          createdAt: new Date(credential.created_at).toISOString(),
        };
      }
    }
    const iso = (value: Date | string | number | null) =>
      value === null ? undefined : toDate(value).toISOString();
    const toItem = (item: ItemRow) => ({
      grantId: item.grant_id,
      decision: item.decision ?? undefined,
      comment: item.comment ?? undefined,
      decidedBy: item.decided_by ?? undefined,
      decidedAt: iso(item.decided_at),
      grant: grants.get(item.grant_id)!,
    });
    return rows.map(row => ({
      id: row.id,
      ownerRef: row.owner_ref,
      period: row.period,
      trigger: row.trigger,
      startedBy: row.started_by,
      createdAt: toDate(row.created_at).toISOString(),
      dueAt: toDate(row.due_at).toISOString(),
      status: row.status,
      closedAt: iso(row.closed_at),
      escalatedTo: row.escalated_to ?? undefined,
      escalatedAt: iso(row.escalated_at),
      items: items
        .filter(item => item.review_id === row.id && grants.has(item.grant_id))
        .map(toItem),
    }));
  }
}
