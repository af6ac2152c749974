/*
 * SQL for review deadlines, delegation and time to decision: the steps a
 * deadline may have passed for, conditional updates of one pending step, and
 * the decided steps of a period. The workflow's own step SQL stays in
 * AccessStore.
 */
import { Knex } from 'knex';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { RequestFilter } from '../permissions/rules';
import { applyRequestFilter } from '../requests/AccessStore';

const REQUESTS = 'api_access_requests';
const STEPS = 'api_access_review_steps';
const DECISIONS = 'api_access_decisions';

type Db = Knex | Knex.Transaction;
type DbTime = Date | string | number;

/** A pending step of the current round of a request in review. */
export interface OpenStep {
  id: string;
  requestId: string;
  round: number;
  stageName: string;
  name: string;
  reviewerRef: string;
  delegateRef?: string;
  escalatedTo?: string;
  /** When the step opened (for steps written before it was recorded: the request's last change). */
  pendingSince: Date;
  apiRef: string;
  requesterRef: string;
}

/** A step that was decided: approved, rejected, or sent back for changes. */
export interface DecidedStep {
  stepId: string;
  apiRef: string;
  stage: string;
  openedAt: Date;
  decidedAt: Date;
}

function toDate(value: DbTime): Date {
  return new Date(value);
}

function openSteps(db: Db) {
  return db(`${STEPS} as s`)
    .join(`${REQUESTS} as r`, 'r.id', 's.request_id')
    .where('s.status', 'pending')
    .andWhere('r.status', 'in_review')
    .andWhereRaw('s.review_round = r.review_round')
    .select(
      's.id',
      's.request_id',
      's.review_round',
      's.stage_name',
      's.step_name',
      's.reviewer_ref',
      's.delegate_ref',
      's.escalated_to',
      's.pending_since',
      'r.updated_at',
      'r.api_ref',
      'r.requester_ref',
    );
}

function toOpenStep(row: any): OpenStep {
  return {
    id: row.id,
    requestId: row.request_id,
    round: row.review_round,
    stageName: row.stage_name,
    name: row.step_name,
    reviewerRef: row.reviewer_ref,
    delegateRef: row.delegate_ref ?? undefined,
    escalatedTo: row.escalated_to ?? undefined,
    pendingSince: toDate(row.pending_since ?? row.updated_at),
    apiRef: row.api_ref,
    requesterRef: row.requester_ref,
  };
}

export class ReviewStepStore {
  constructor(readonly db: Knex) {}

  /** Pending steps (of requests in review, current round) that opened at or before `cutoff`, oldest first. */
  async openStepsSince(
    db: Db,
    cutoff: Date,
    limit: number,
  ): Promise<OpenStep[]> {
    const rows = await openSteps(db)
      .andWhere(q =>
        q
          .where('s.pending_since', '<=', cutoff)
          .orWhere(old =>
            old
              .whereNull('s.pending_since')
              .andWhere('r.updated_at', '<=', cutoff),
          ),
      )
      .orderBy([{ column: 's.pending_since' }, { column: 's.id' }])
      .limit(limit);
    return rows.map(toOpenStep);
  }

  /** The step, if it is still pending in the current round of a request in review. */
  async openStep(db: Db, stepId: string): Promise<OpenStep | undefined> {
    const row = await openSteps(db).andWhere('s.id', stepId).first();
    return row ? toOpenStep(row) : undefined;
  }

  /** Any step of a request, with its request's state, for delegation's checks. */
  async getStep(
    db: Db,
    requestId: string,
    stepId: string,
  ): Promise<
    | (OpenStep & {
        status: string;
        requestStatus: string;
        requestRound: number;
      })
    | undefined
  > {
    const row = await db(`${STEPS} as s`)
      .join(`${REQUESTS} as r`, 'r.id', 's.request_id')
      .where({ 's.id': stepId, 's.request_id': requestId })
      .first(
        's.*',
        'r.updated_at',
        'r.api_ref',
        'r.requester_ref',
        'r.status as request_status',
        'r.review_round as request_round',
      );
    if (!row) return undefined;
    return {
      ...toOpenStep(row),
      status: row.status,
      requestStatus: row.request_status,
      requestRound: row.request_round,
    };
  }

  /** Lets `groupRef` decide a pending step; false when the step is no longer pending. */
  async setEscalatedTo(
    tx: Db,
    stepId: string,
    groupRef: string,
  ): Promise<boolean> {
    const updated = await tx(STEPS)
      .where({ id: stepId, status: 'pending' })
      .update({ escalated_to: groupRef });
    return updated === 1;
  }

  /**
   * Assigns a pending step of the current round of a request in review to a
   * delegate; false when the step was decided or its round ended meanwhile.
   */
  async setDelegate(
    tx: Db,
    stepId: string,
    delegateRef: string,
  ): Promise<boolean> {
    const updated = await tx(STEPS)
      .where({ id: stepId, status: 'pending' })
      .whereExists(sub =>
        sub
          .select(tx.raw('1'))
          .from(REQUESTS)
          .whereRaw(`${REQUESTS}.id = ${STEPS}.request_id`)
          .whereRaw(`${REQUESTS}.review_round = ${STEPS}.review_round`)
          .where(`${REQUESTS}.status`, 'in_review'),
      )
      .update({ delegate_ref: delegateRef });
    return updated === 1;
  }

  /**
   * Steps decided at or after `from` and before `to`, newest first, at most
   * `limit`. A step is decided when it was approved (its last approval
   * completed the quorum), rejected, or a reviewer of it requested changes;
   * its decision time is that last decision. Steps carried over approved into
   * a new round have no decision of their own and are not counted.
   */
  async decidedSteps(
    db: Db,
    options: {
      from: Date;
      to: Date;
      apiRef?: string;
      permissionFilter?: PermissionCriteria<RequestFilter>;
      limit: number;
    },
  ): Promise<DecidedStep[]> {
    const query = db(`${STEPS}`)
      .join(DECISIONS, `${DECISIONS}.step_id`, `${STEPS}.id`)
      .join(REQUESTS, `${REQUESTS}.id`, `${STEPS}.request_id`)
      .where(done =>
        done
          .whereIn(`${STEPS}.status`, ['approved', 'rejected'])
          .orWhere(`${DECISIONS}.decision`, 'request_changes'),
      )
      // Only the lower bound can filter single decisions: a step's last
      // decision is at or after `from` exactly when one of them is.
      .andWhere(`${DECISIONS}.created_at`, '>=', options.from);
    if (options.apiRef) {
      query.andWhere(`${REQUESTS}.api_ref`, options.apiRef);
    }
    if (options.permissionFilter) {
      const filter = options.permissionFilter;
      query.andWhere(inner => applyRequestFilter(db, inner, filter));
    }
    const rows = await query
      .groupBy(
        `${STEPS}.id`,
        `${STEPS}.stage_name`,
        `${STEPS}.pending_since`,
        `${REQUESTS}.api_ref`,
        `${REQUESTS}.created_at`,
      )
      .havingRaw(`MAX(${DECISIONS}.created_at) < ?`, [options.to])
      .select(
        `${STEPS}.id as step_id`,
        `${STEPS}.stage_name`,
        `${STEPS}.pending_since`,
        `${REQUESTS}.api_ref`,
        `${REQUESTS}.created_at as submitted_at`,
      )
      .max(`${DECISIONS}.created_at as decided_at`)
      .orderBy('decided_at', 'desc')
      .limit(options.limit);
    return rows.map((row: any) => ({
      stepId: row.step_id,
      apiRef: row.api_ref,
      stage: row.stage_name,
      openedAt: toDate(row.pending_since ?? row.submitted_at),
      decidedAt: toDate(row.decided_at),
    }));
  }
}
