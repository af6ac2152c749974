/*
 * SQL for review deadlines, delegation and time to decision: the steps a
 * deadline may have passed for, conditional updates of one pending step, and
 * the decided steps of a period; and the workflow's steps and decisions.
 * The only store that writes api_access_review_steps and api_access_decisions.
 */
import { Knex } from 'knex';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { RequestFilter } from '../permissions/rules';
import { applyRequestFilter } from '../requests/AccessStore';
import {
  ReviewDecision,
  ReviewStep,
  ReviewStepStatus,
} from '@api-access/backstage-plugin-api-access-common';
import { toIso } from '../rows';

const REQUESTS = 'api_access_requests';
const STEPS = 'api_access_review_steps';
const DECISIONS = 'api_access_decisions';

type Db = Knex | Knex.Transaction;
type DbTime = Date | string | number;

interface StepRow {
  id: string;
  request_id: string;
  review_round: number;
  stage_index: number;
  stage_name: string;
  step_index: number;
  step_name: string;
  reviewer_ref: string;
  quorum: number;
  reason: string;
  rules: string;
  status: string;
  pending_since?: Date | string | number | null;
  delegate_ref?: string | null;
  escalated_to?: string | null;
}

interface DecisionRow {
  id: string;
  request_id: string;
  step_id: string;
  review_round: number;
  decider_ref: string;
  decision: string;
  comment: string | null;
  narrowed_scopes: string | null;
  narrowed_duration_days: number | null;
  /** Migration 20261204000000_plans. */
  narrowed_plan?: string | null;
  created_at: Date | string | number;
}

export interface NewReviewStep {
  id: string;
  requestId: string;
  round: number;
  stageIndex: number;
  stageName: string;
  stepIndex: number;
  name: string;
  reviewerRef: string;
  quorum: number;
  reason: string;
  rules: string[];
  status: ReviewStepStatus;
}

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

  /** `now` is when pending steps open: deadlines and time to decision count from it. */
  async insertSteps(tx: Db, steps: NewReviewStep[], now?: Date) {
    if (steps.length > 0) {
      await tx<StepRow>(STEPS).insert(
        steps.map(step => ({
          id: step.id,
          request_id: step.requestId,
          review_round: step.round,
          stage_index: step.stageIndex,
          stage_name: step.stageName,
          step_index: step.stepIndex,
          step_name: step.name,
          reviewer_ref: step.reviewerRef,
          quorum: step.quorum,
          reason: step.reason,
          rules: JSON.stringify(step.rules),
          status: step.status,
          pending_since: step.status === 'pending' ? now ?? null : null,
        })),
      );
    }
  }

  /** The steps of one review round, in plan order. */
  async getSteps(
    db: Db,
    requestId: string,
    round: number,
  ): Promise<ReviewStep[]> {
    const rows = await db<StepRow>(STEPS)
      .where({ request_id: requestId, review_round: round })
      .orderBy([{ column: 'stage_index' }, { column: 'step_index' }]);
    return rows.map(row => ({
      id: row.id,
      round: row.review_round,
      stageIndex: row.stage_index,
      stageName: row.stage_name,
      name: row.step_name,
      reviewerRef: row.reviewer_ref,
      quorum: row.quorum,
      status: row.status as ReviewStepStatus,
      reason: row.reason,
      rules: JSON.parse(row.rules),
      pendingSince: row.pending_since ? toIso(row.pending_since) : undefined,
      delegateRef: row.delegate_ref ?? undefined,
      escalatedTo: row.escalated_to ?? undefined,
    }));
  }

  /** Every reviewer (and escalation) group a request has had in any round: they may read it. */
  async getReviewerRefs(db: Db, requestId: string): Promise<string[]> {
    const rows = await db<StepRow>(STEPS)
      .where({ request_id: requestId })
      .distinct('reviewer_ref', 'escalated_to');
    return Array.from(
      new Set(
        rows.flatMap(row =>
          row.escalated_to
            ? [row.reviewer_ref, row.escalated_to]
            : [row.reviewer_ref],
        ),
      ),
    );
  }

  /** Each step id of a request, in every round, with its stage and name: a step's identity across rounds. */
  async getStepIdentities(
    db: Db,
    requestId: string,
  ): Promise<Map<string, { stageName: string; name: string }>> {
    const rows = await db<StepRow>(STEPS)
      .where({ request_id: requestId })
      .select('id', 'stage_name', 'step_name');
    return new Map(
      rows.map(row => [
        row.id,
        { stageName: row.stage_name, name: row.step_name },
      ]),
    );
  }

  async getDecisions(db: Db, requestId: string): Promise<ReviewDecision[]> {
    const rows = await db<DecisionRow>(DECISIONS)
      .where({ request_id: requestId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(row => ({
      id: row.id,
      stepId: row.step_id,
      round: row.review_round,
      deciderRef: row.decider_ref,
      decision: row.decision as ReviewDecision['decision'],
      comment: row.comment ?? undefined,
      narrowedScopes: row.narrowed_scopes
        ? JSON.parse(row.narrowed_scopes)
        : undefined,
      narrowedDurationDays: row.narrowed_duration_days ?? undefined,
      ...(row.narrowed_plan ? { narrowedPlan: row.narrowed_plan } : {}),
      createdAt: toIso(row.created_at),
    }));
  }

  async insertDecision(
    tx: Db,
    decision: {
      id: string;
      requestId: string;
      stepId: string;
      reviewRound: number;
      deciderRef: string;
      decision: ReviewDecision['decision'];
      comment?: string;
      narrowedScopes?: string[];
      narrowedDurationDays?: number;
      narrowedPlan?: string;
      now: Date;
    },
  ) {
    await tx<DecisionRow>(DECISIONS).insert({
      id: decision.id,
      request_id: decision.requestId,
      step_id: decision.stepId,
      review_round: decision.reviewRound,
      decider_ref: decision.deciderRef,
      decision: decision.decision,
      comment: decision.comment ?? null,
      narrowed_scopes: decision.narrowedScopes
        ? JSON.stringify(decision.narrowedScopes)
        : null,
      narrowed_duration_days: decision.narrowedDurationDays ?? null,
      narrowed_plan: decision.narrowedPlan ?? null,
      created_at: decision.now,
    });
  }

  /** `now` is when steps set to pending open: deadlines count from it. */
  async setStepStatuses(
    tx: Db,
    stepIds: string[],
    status: ReviewStepStatus,
    now?: Date,
  ) {
    if (stepIds.length > 0) {
      await tx<StepRow>(STEPS)
        .whereIn('id', stepIds)
        .update(
          status === 'pending' && now
            ? { status, pending_since: now }
            : { status },
        );
    }
  }

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
