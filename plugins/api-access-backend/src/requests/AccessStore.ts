/*
 * The requests table. Steps and decisions have reviews/ReviewStepStore,
 * grants grants/GrantStore. The store decides nothing: the workflow service tells it what to write, inside the
 * transaction it opens.
 */
import { Knex } from 'knex';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import type { RequestFilter } from '../permissions/rules';
import { Cursor, encodeCursor, toIso } from '../rows';
import {
  AccessRequest,
  AccessRequestStatus,
  ConsumerKind,
  ReviewPlan,
} from '@api-access/backstage-plugin-api-access-common';

const REQUESTS = 'api_access_requests';
const STEPS = 'api_access_review_steps';
const DECISIONS = 'api_access_decisions';

type Db = Knex | Knex.Transaction;

interface RequestRow {
  id: string;
  api_ref: string;
  consumer_ref: string;
  consumer_kind: string;
  requester_ref: string;
  owner_ref: string;
  environment: string;
  scopes: string;
  credential_type: string;
  use_case: string;
  justification: string;
  credential_storage: string;
  duration_days: number;
  approved_scopes: string;
  approved_duration_days: number;
  classification_level: string;
  classification_source: string;
  plan: string;
  review_round: number;
  auto_approve_rule: string | null;
  status: string;
  version: number;
  created_at: Date | string | number;
  updated_at: Date | string | number;
  renewal_of_grant_id?: string | null;
  consumer_owner_refs?: string | null;
  /** The API plan asked for and the one a grant will carry (migration 20261204000000_plans; `plan` is the review plan). */
  plan_name?: string | null;
  approved_plan_name?: string | null;
}

/** The terms a requester chooses, and can change on resubmission. */
export type RequestTerms = Pick<
  AccessRequest,
  | 'consumerRef'
  | 'consumerKind'
  | 'environment'
  | 'scopes'
  | 'useCase'
  | 'justification'
  | 'credentialStorage'
  | 'durationDays'
>;

export type NewAccessRequest = RequestTerms &
  Pick<
    AccessRequest,
    'id' | 'apiRef' | 'requesterRef' | 'ownerRef' | 'credentialType' | 'status'
  > & {
    classificationLevel: string;
    classificationSource: string;
    plan: ReviewPlan;
    now: Date;
    /** Set on a renewal: the grant an approval extends. */
    renewalOfGrantId?: string;
    /** Who owned the consumer at submission: nobody there decides this request. */
    consumerOwnerRefs: string[];
    /** The API plan asked for, when the API offers plans. */
    planName?: string;
  };

export interface StoredAccessRequest extends AccessRequest {
  plan: ReviewPlan;
  /** The consumer's owners at submission (empty for requests from before they were kept). */
  consumerOwnerRefs: string[];
}

/** Translates permission criteria on requests into a WHERE clause. */
export function applyRequestFilter(
  db: Db,
  query: Knex.QueryBuilder,
  criteria: PermissionCriteria<RequestFilter>,
): void {
  if (isAndCriteria(criteria)) {
    for (const part of criteria.allOf) {
      query.andWhere(inner => applyRequestFilter(db, inner, part));
    }
  } else if (isOrCriteria(criteria)) {
    query.where(outer => {
      for (const part of criteria.anyOf) {
        outer.orWhere(inner => applyRequestFilter(db, inner, part));
      }
    });
  } else if (isNotCriteria(criteria)) {
    query.whereNot(inner => applyRequestFilter(db, inner, criteria.not));
  } else if ('requesterIn' in criteria) {
    query.whereIn(`${REQUESTS}.requester_ref`, criteria.requesterIn);
  } else if ('apiIn' in criteria) {
    query.whereIn(`${REQUESTS}.api_ref`, criteria.apiIn);
  } else if ('environmentIn' in criteria) {
    query.whereIn(`${REQUESTS}.environment`, criteria.environmentIn);
  } else {
    query.whereExists(sub =>
      sub
        .select(db.raw('1'))
        .from(STEPS)
        .whereRaw(`${STEPS}.request_id = ${REQUESTS}.id`)
        .where(refs =>
          refs
            .whereIn(`${STEPS}.reviewer_ref`, criteria.reviewerIn)
            .orWhereIn(`${STEPS}.escalated_to`, criteria.reviewerIn),
        ),
    );
  }
}

export class AccessStore {
  constructor(readonly db: Knex) {}

  /** Runs fn in one transaction; everything it writes commits or none of it does. */
  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async insertRequest(tx: Db, request: NewAccessRequest) {
    await tx<RequestRow>(REQUESTS).insert({
      id: request.id,
      api_ref: request.apiRef,
      consumer_ref: request.consumerRef,
      consumer_kind: request.consumerKind,
      requester_ref: request.requesterRef,
      owner_ref: request.ownerRef,
      environment: request.environment,
      scopes: JSON.stringify(request.scopes),
      credential_type: request.credentialType,
      use_case: request.useCase,
      justification: request.justification,
      credential_storage: request.credentialStorage,
      duration_days: request.durationDays,
      approved_scopes: JSON.stringify(request.scopes),
      approved_duration_days: request.durationDays,
      classification_level: request.classificationLevel,
      classification_source: request.classificationSource,
      plan: JSON.stringify(request.plan),
      review_round: 1,
      auto_approve_rule: request.plan.autoApproveRule ?? null,
      status: request.status,
      version: 1,
      created_at: request.now,
      updated_at: request.now,
      renewal_of_grant_id: request.renewalOfGrantId ?? null,
      consumer_owner_refs: JSON.stringify(request.consumerOwnerRefs),
      plan_name: request.planName ?? null,
      approved_plan_name: request.planName ?? null,
    });
  }

  /** New terms and a new review round, after changes were requested. */
  async updateTermsForResubmission(
    tx: Db,
    id: string,
    terms: RequestTerms & {
      reviewRound: number;
      plan: ReviewPlan;
      approvedScopes: string[];
      approvedDurationDays: number;
      consumerOwnerRefs: string[];
      planName?: string;
      approvedPlanName?: string;
    },
  ) {
    await tx<RequestRow>(REQUESTS)
      .where({ id })
      .update({
        consumer_ref: terms.consumerRef,
        consumer_kind: terms.consumerKind,
        environment: terms.environment,
        scopes: JSON.stringify(terms.scopes),
        use_case: terms.useCase,
        justification: terms.justification,
        credential_storage: terms.credentialStorage,
        duration_days: terms.durationDays,
        approved_scopes: JSON.stringify(terms.approvedScopes),
        approved_duration_days: terms.approvedDurationDays,
        review_round: terms.reviewRound,
        plan: JSON.stringify(terms.plan),
        consumer_owner_refs: JSON.stringify(terms.consumerOwnerRefs),
        plan_name: terms.planName ?? null,
        approved_plan_name: terms.approvedPlanName ?? null,
      });
  }

  async setApprovedTerms(
    tx: Db,
    id: string,
    scopes: string[],
    durationDays: number,
    /** A lower plan an approver chose; unchanged when not given. */
    planName?: string,
  ) {
    await tx<RequestRow>(REQUESTS)
      .where({ id })
      .update({
        approved_scopes: JSON.stringify(scopes),
        approved_duration_days: durationDays,
        ...(planName ? { approved_plan_name: planName } : {}),
      });
  }

  async getRequests(db: Db, ids: string[]): Promise<StoredAccessRequest[]> {
    const rows: RequestRow[] = await db<RequestRow>(REQUESTS).whereIn(
      'id',
      ids,
    );
    return rows.map(row => this.toRequest(row));
  }

  async getRequest(
    db: Db,
    id: string,
  ): Promise<StoredAccessRequest | undefined> {
    const row = await db<RequestRow>(REQUESTS).where({ id }).first();
    return row ? this.toRequest(row) : undefined;
  }

  /**
   * Moves a request to a new status only if nobody else moved it first.
   * Returns false when the version no longer matches: the caller lost a race.
   */
  async transitionRequest(
    tx: Db,
    id: string,
    expectedVersion: number,
    status: AccessRequestStatus,
    now: Date,
  ): Promise<boolean> {
    const updated = await tx<RequestRow>(REQUESTS)
      .where({ id, version: expectedVersion })
      .update({ status, version: expectedVersion + 1, updated_at: now });
    return updated === 1;
  }

  async listRequests(
    db: Db,
    options: {
      requesterRef?: string;
      /** Requests with a pending step assigned to one of these refs, not decided by `excludeDeciderRef` this round. */
      pendingForReviewerRefs?: string[];
      excludeRequesterRef?: string;
      /** Leave out requests whose consumer one of these refs owned at submission. */
      excludeConsumerOwnerRefs?: string[];
      excludeDeciderRef?: string;
      status?: AccessRequestStatus;
      /** Conditions from a CONDITIONAL permission decision, applied in SQL. */
      permissionFilter?: PermissionCriteria<RequestFilter>;
      limit: number;
      cursor?: Cursor;
    },
  ): Promise<{ items: StoredAccessRequest[]; nextCursor?: string }> {
    const query = db<RequestRow>(REQUESTS).select(`${REQUESTS}.*`);
    if (options.permissionFilter) {
      const filter = options.permissionFilter;
      query.where(inner => applyRequestFilter(db, inner, filter));
    }
    if (options.requesterRef) {
      query.where(`${REQUESTS}.requester_ref`, options.requesterRef);
    }
    if (options.pendingForReviewerRefs) {
      const refs = options.pendingForReviewerRefs;
      // Start from the pending steps of these groups (two index ranges), so
      // the inbox costs what is pending, not what the table holds (a
      // correlated EXISTS alone made SQLite visit every request). The EXISTS
      // below then keeps only steps of the request's current round.
      query.whereIn(`${REQUESTS}.id`, pending =>
        pending
          .select(`${STEPS}.request_id`)
          .from(STEPS)
          .where(`${STEPS}.status`, 'pending')
          .whereIn(`${STEPS}.reviewer_ref`, refs)
          .union(escalated =>
            escalated
              .select(`${STEPS}.request_id`)
              .from(STEPS)
              .where(`${STEPS}.status`, 'pending')
              .whereIn(`${STEPS}.escalated_to`, refs),
          ),
      );
      query.whereExists(sub =>
        sub
          .select(db.raw('1'))
          .from(STEPS)
          .whereRaw(`${STEPS}.request_id = ${REQUESTS}.id`)
          .whereRaw(`${STEPS}.review_round = ${REQUESTS}.review_round`)
          .where(`${STEPS}.status`, 'pending')
          .where(own =>
            own
              .whereIn(`${STEPS}.reviewer_ref`, refs)
              .orWhereIn(`${STEPS}.escalated_to`, refs),
          ),
      );
    }
    if (options.excludeRequesterRef) {
      query.whereNot(`${REQUESTS}.requester_ref`, options.excludeRequesterRef);
    }
    // Nobody reviews their own team's access: requests whose consumer one of
    // these refs owned at submission stay out of their inbox. The refs are a
    // JSON array of entity refs, which cannot contain a quote.
    for (const ref of options.excludeConsumerOwnerRefs ?? []) {
      query.where(inner =>
        inner
          .whereNull(`${REQUESTS}.consumer_owner_refs`)
          .orWhereRaw(`??  not like ? escape '!'`, [
            `${REQUESTS}.consumer_owner_refs`,
            `%${JSON.stringify(ref).replace(/[!%_]/g, c => `!${c}`)}%`,
          ]),
      );
    }
    if (options.excludeDeciderRef) {
      const decider = options.excludeDeciderRef;
      query.whereNotExists(sub =>
        sub
          .select(db.raw('1'))
          .from(DECISIONS)
          .whereRaw(`${DECISIONS}.request_id = ${REQUESTS}.id`)
          .whereRaw(`${DECISIONS}.review_round = ${REQUESTS}.review_round`)
          .where(`${DECISIONS}.decider_ref`, decider),
      );
    }
    if (options.status) {
      query.where(`${REQUESTS}.status`, options.status);
    }
    if (options.cursor) {
      const { createdAt, id } = options.cursor;
      const at = new Date(createdAt);
      query.where(inner =>
        inner
          .where(`${REQUESTS}.created_at`, '<', at)
          .orWhere(same =>
            same
              .where(`${REQUESTS}.created_at`, at)
              .andWhere(`${REQUESTS}.id`, '<', id),
          ),
      );
    }
    const rows: RequestRow[] = await query
      .orderBy([
        { column: `${REQUESTS}.created_at`, order: 'desc' },
        { column: `${REQUESTS}.id`, order: 'desc' },
      ])
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    return {
      items: page.map(row => this.toRequest(row)),
      nextCursor:
        rows.length > options.limit
          ? encodeCursor(page[page.length - 1])
          : undefined,
    };
  }

  /**
   * The last time people reviewed a grant's terms: its own request's or an
   * approved renewal's, whichever is newest, that a reviewer (not policy)
   * approved. Auto-approved renewals do not count as a review.
   */
  async lastHumanReview(
    db: Db,
    grantId: string,
    requestId: string,
  ): Promise<{ requestId: string; reviewedAt: string } | undefined> {
    const row = await db(REQUESTS)
      .where(q =>
        q
          .where(`${REQUESTS}.id`, requestId)
          .orWhere(`${REQUESTS}.renewal_of_grant_id`, grantId),
      )
      .where(`${REQUESTS}.status`, 'approved')
      .whereNull(`${REQUESTS}.auto_approve_rule`)
      .orderBy(`${REQUESTS}.updated_at`, 'desc')
      .select(`${REQUESTS}.id`, `${REQUESTS}.updated_at`)
      .first();
    return row
      ? { requestId: row.id, reviewedAt: toIso(row.updated_at) }
      : undefined;
  }

  /** Open renewal requests by the grant they would extend. */
  async openRenewals(db: Db, grantIds: string[]): Promise<Map<string, string>> {
    if (grantIds.length === 0) return new Map();
    const rows = await db(REQUESTS)
      .whereIn('renewal_of_grant_id', grantIds)
      .whereIn('status', ['in_review', 'changes_requested'])
      .select('id', 'renewal_of_grant_id');
    return new Map(rows.map(row => [row.renewal_of_grant_id, row.id]));
  }

  private toRequest(row: RequestRow): StoredAccessRequest {
    return {
      id: row.id,
      apiRef: row.api_ref,
      consumerRef: row.consumer_ref,
      consumerKind: row.consumer_kind as ConsumerKind,
      requesterRef: row.requester_ref,
      ownerRef: row.owner_ref,
      environment: row.environment,
      scopes: JSON.parse(row.scopes),
      credentialType: row.credential_type,
      useCase: row.use_case,
      justification: row.justification,
      credentialStorage: row.credential_storage,
      durationDays: row.duration_days,
      approvedScopes: JSON.parse(row.approved_scopes),
      approvedDurationDays: row.approved_duration_days,
      classification: {
        level: row.classification_level,
        source: row.classification_source,
      },
      plan: JSON.parse(row.plan),
      autoApproveRule: row.auto_approve_rule ?? undefined,
      reviewRound: row.review_round,
      status: row.status as AccessRequestStatus,
      version: row.version,
      createdAt: toIso(row.created_at),
      updatedAt: toIso(row.updated_at),
      renewalOfGrantId: row.renewal_of_grant_id ?? undefined,
      ...(row.plan_name ? { requestedPlan: row.plan_name } : {}),
      ...(row.approved_plan_name
        ? { approvedPlan: row.approved_plan_name }
        : {}),
      consumerOwnerRefs: row.consumer_owner_refs
        ? JSON.parse(row.consumer_owner_refs)
        : [],
    };
  }
}
