/*
 * The grants table and no other store writes it: issuing a grant on
 * approval, extending it on renewal, suspending, revoking and expiring it,
 * the orphan reason and last use. The store decides nothing: services say
 * what to write, inside the transaction they open.
 */
import { Knex } from 'knex';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import {
  Grant,
  GrantPlan,
  GrantStatus,
} from '@api-access/backstage-plugin-api-access-common';
import type {
  GrantFilter,
  GrantResource,
} from '../permissions/grantPermissionRules';
import type { LifecycleMarks } from '../lifecycle/LifecycleService';
import { Cursor, encodeCursor, toIso } from '../rows';

const GRANTS = 'api_access_grants';
const REQUESTS = 'api_access_requests';

type Db = Knex | Knex.Transaction;

interface GrantRow {
  id: string;
  request_id: string;
  api_ref: string;
  consumer_ref: string;
  requester_ref: string;
  /** The owner the grant's request was routed to (its requests.owner_ref). */
  owner_ref?: string | null;
  environment: string;
  scopes: string;
  credential_type: string;
  status: string;
  created_at: Date | string | number;
  expires_at: Date | string | number;
  last_used_at?: Date | string | number | null;
  revoked_at?: Date | string | number | null;
  revoked_by?: string | null;
  revocation_reason?: string | null;
  orphan_reason?: string | null;
  renewed_at?: Date | string | number | null;
  renewals?: number | null;
  /** The plan snapshot (migration 20261204000000_plans). */
  plan?: string | null;
  plan_title?: string | null;
  rate_limit_requests?: number | null;
  rate_limit_seconds?: number | null;
  quota_requests?: number | string | null;
  quota_period?: string | null;
  suspended_at?: Date | string | number | null;
  suspended_by?: string | null;
  suspension_reason?: string | null;
}

/** The statuses in which a grant still exists for its parties: it may end, be reviewed, be listed as a relation. */
export const LIVE_GRANT_STATUSES: GrantStatus[] = ['active', 'suspended'];

export interface NewGrant {
  id: string;
  requestId: string;
  apiRef: string;
  consumerRef: string;
  requesterRef: string;
  /** The owner the request was routed to; lists of an owner's grants use it. */
  ownerRef: string;
  environment: string;
  scopes: string[];
  credentialType: string;
  now: Date;
  expiresAt: Date;
  /** The plan's limits as approved (a snapshot); none for a plan-less grant. */
  plan?: GrantPlan;
}

/** Translates permission criteria on grants into a WHERE clause. */
export function applyGrantFilter(
  db: Db,
  query: Knex.QueryBuilder,
  criteria: PermissionCriteria<GrantFilter>,
): void {
  if (isAndCriteria(criteria)) {
    for (const part of criteria.allOf) {
      query.andWhere(inner => applyGrantFilter(db, inner, part));
    }
  } else if (isOrCriteria(criteria)) {
    query.where(outer => {
      for (const part of criteria.anyOf) {
        outer.orWhere(inner => applyGrantFilter(db, inner, part));
      }
    });
  } else if (isNotCriteria(criteria)) {
    query.whereNot(inner => applyGrantFilter(db, inner, criteria.not));
  } else if ('requesterIn' in criteria) {
    query.whereIn(`${GRANTS}.requester_ref`, criteria.requesterIn);
  } else if ('consumerIn' in criteria) {
    query.whereIn(`${GRANTS}.consumer_ref`, criteria.consumerIn);
  } else if ('apiIn' in criteria) {
    query.whereIn(`${GRANTS}.api_ref`, criteria.apiIn);
  } else if ('environmentIn' in criteria) {
    query.whereIn(`${GRANTS}.environment`, criteria.environmentIn);
  } else {
    query.whereIn(`${GRANTS}.owner_ref`, criteria.approvedOwnerIn);
  }
}

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    requestId: row.request_id,
    apiRef: row.api_ref,
    consumerRef: row.consumer_ref,
    requesterRef: row.requester_ref,
    environment: row.environment,
    scopes: JSON.parse(row.scopes),
    credentialType: row.credential_type,
    status: row.status as GrantStatus,
    createdAt: toIso(row.created_at),
    expiresAt: toIso(row.expires_at),
    lastUsedAt: row.last_used_at ? toIso(row.last_used_at) : undefined,
    revokedAt: row.revoked_at ? toIso(row.revoked_at) : undefined,
    revokedBy: row.revoked_by ?? undefined,
    revocationReason: row.revocation_reason ?? undefined,
    orphanReason: row.orphan_reason ?? undefined,
    renewedAt: row.renewed_at ? toIso(row.renewed_at) : undefined,
    renewals: row.renewals ?? 0,
    ...planOf(row),
    ...suspensionOf(row),
  };
}

/**
 * The plan snapshot, when the grant has one (plan-less grants keep the
 * global rate limit). PostgreSQL answers bigint columns as strings.
 */
function planOf(row: GrantRow): Pick<Grant, 'plan'> {
  if (!row.plan) return {};
  return {
    plan: {
      name: row.plan,
      title: row.plan_title ?? row.plan,
      rateLimit: {
        requests: Number(row.rate_limit_requests ?? 0),
        perSeconds: Number(row.rate_limit_seconds ?? 1),
      },
      ...(row.quota_requests !== null &&
      row.quota_requests !== undefined &&
      (row.quota_period === 'day' || row.quota_period === 'month')
        ? {
            quota: {
              requests: Number(row.quota_requests),
              period: row.quota_period,
            },
          }
        : {}),
    },
  };
}

/**
 * Shown only while the grant is suspended: a grant that expired or was
 * revoked while suspended keeps the columns (its history says it all) but
 * is no longer "suspended" on any view.
 */
function suspensionOf(row: GrantRow): Pick<Grant, 'suspension'> {
  if (row.status !== 'suspended' || !row.suspended_at) return {};
  return {
    suspension: {
      at: toIso(row.suspended_at),
      by: row.suspended_by ?? '',
      reason: row.suspension_reason ?? '',
    },
  };
}

/** The plan columns of a grant, from its snapshot (all null for a plan-less grant). */
export function planColumns(plan: GrantPlan | undefined) {
  return {
    plan: plan?.name ?? null,
    plan_title: plan?.title ?? null,
    rate_limit_requests: plan?.rateLimit.requests ?? null,
    rate_limit_seconds: plan?.rateLimit.perSeconds ?? null,
    quota_requests: plan?.quota?.requests ?? null,
    quota_period: plan?.quota?.period ?? null,
  };
}

export class GrantStore {
  constructor(
    readonly db: Knex,
    /** Reminder marks are cleared when a renewal extends a grant. */
    private readonly marks: LifecycleMarks,
  ) {}

  /** Runs fn in one transaction; everything it writes commits or none of it does. */
  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  async insertGrant(tx: Db, grant: NewGrant) {
    await tx<GrantRow>(GRANTS).insert({
      id: grant.id,
      request_id: grant.requestId,
      api_ref: grant.apiRef,
      consumer_ref: grant.consumerRef,
      requester_ref: grant.requesterRef,
      owner_ref: grant.ownerRef,
      environment: grant.environment,
      scopes: JSON.stringify(grant.scopes),
      credential_type: grant.credentialType,
      status: 'active',
      created_at: grant.now,
      expires_at: grant.expiresAt,
      ...planColumns(grant.plan),
    });
  }

  async getRequestIdForGrant(
    db: Db,
    grantId: string,
  ): Promise<string | undefined> {
    const row = await db<GrantRow>(GRANTS)
      .where({ id: grantId })
      .first('request_id');
    return row?.request_id;
  }

  async getGrantIdForRequest(
    db: Db,
    requestId: string,
  ): Promise<string | undefined> {
    const row = await db<GrantRow>(GRANTS)
      .where({ request_id: requestId })
      .first('id');
    return row?.id;
  }

  /** Active or suspended grants whose expiry has passed, oldest first: a suspension never extends a grant. */
  async grantsExpiredBy(db: Db, now: Date, limit: number): Promise<Grant[]> {
    const rows = await db<GrantRow>(GRANTS)
      .whereIn('status', LIVE_GRANT_STATUSES)
      .andWhere('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit);
    return rows.map(toGrant);
  }

  /** Active grants expiring after `from` and by `to`. */
  async grantsExpiringBetween(db: Db, from: Date, to: Date): Promise<Grant[]> {
    const rows = await db<GrantRow>(GRANTS)
      .where('status', 'active')
      .andWhere('expires_at', '>', from)
      .andWhere('expires_at', '<=', to);
    return rows.map(toGrant);
  }

  /** Active grants not used (or, never used, not created) since `cutoff`. */
  async grantsUnusedSince(db: Db, cutoff: Date): Promise<Grant[]> {
    const rows = await db<GrantRow>(GRANTS)
      .where('status', 'active')
      .andWhere(q =>
        q
          .where('last_used_at', '<', cutoff)
          .orWhere(q2 =>
            q2.whereNull('last_used_at').andWhere('created_at', '<', cutoff),
          ),
      );
    return rows.map(toGrant);
  }

  /**
   * Every distinct (consumer, API) pair with an active or suspended grant
   * that has not expired at `now`: the catalog's consumesApi relations. A
   * suspension is a pause, not an end: the consumer still depends on the API
   * (and the graph should say so while its owner investigates), and an
   * relation that vanished and came back on every suspend/resume would churn
   * the catalog. One query on the (status, expires_at) index; a grant past
   * its expiry that the lifecycle tick has not yet marked expired is left
   * out already.
   */
  async activeConsumerApiPairs(
    db: Db,
    now: Date,
  ): Promise<Array<{ consumerRef: string; apiRef: string }>> {
    const rows: Array<{ consumer_ref: string; api_ref: string }> = await db(
      GRANTS,
    )
      .distinct('consumer_ref', 'api_ref')
      .whereIn('status', LIVE_GRANT_STATUSES)
      .andWhere('expires_at', '>', now)
      .orderBy(['consumer_ref', 'api_ref']);
    return rows.map(row => ({
      consumerRef: row.consumer_ref,
      apiRef: row.api_ref,
    }));
  }

  /** Active and suspended grants: what the orphaned-access rule checks against the catalog. */
  async activeGrants(db: Db): Promise<Grant[]> {
    const rows = await db<GrantRow>(GRANTS).whereIn(
      'status',
      LIVE_GRANT_STATUSES,
    );
    return rows.map(toGrant);
  }

  /**
   * Extends an active grant from a renewal's approval; false if it is no
   * longer active. Reminder marks are cleared so the new term gets its own.
   */
  async extendGrant(
    tx: Db,
    id: string,
    renewal: { now: Date; expiresAt: Date },
  ): Promise<boolean> {
    const updated = await tx(GRANTS)
      .where({ id, status: 'active' })
      .update({
        expires_at: renewal.expiresAt,
        renewed_at: renewal.now,
        renewals: tx.raw('renewals + 1'),
      });
    if (updated !== 1) return false;
    await this.marks.clear(tx, id, 'reminder:');
    return true;
  }

  /**
   * Locks a grant's row until the transaction ends (PostgreSQL; SQLite runs
   * one writer at a time anyway), so checks made after it, such as "no open
   * renewal", hold until the transaction commits.
   */
  async lockGrant(
    tx: Knex.Transaction,
    id: string,
  ): Promise<Grant | undefined> {
    const row = await tx<GrantRow>(GRANTS).where({ id }).forUpdate().first();
    return row ? toGrant(row) : undefined;
  }

  /**
   * Locks the grant's row until the transaction ends (SELECT ... FOR UPDATE
   * on PostgreSQL; SQLite serializes writers anyway) and returns its status
   * and expiry as they are now, so that two rotations of one grant run one
   * after the other, never interleaved.
   */
  async lockStatus(
    tx: Knex.Transaction,
    grantId: string,
  ): Promise<{ status: string; expiresAt: Date } | undefined> {
    let query = tx(GRANTS).where({ id: grantId }).first('status', 'expires_at');
    if (tx.client.config.client === 'pg') query = query.forUpdate();
    const row = await query;
    return row
      ? { status: row.status, expiresAt: new Date(row.expires_at) }
      : undefined;
  }

  async setOrphanReason(tx: Db, id: string, reason: string | null) {
    await tx(GRANTS).where({ id }).update({ orphan_reason: reason });
  }

  /** Moves a grant from one status to another; false if it was not in `from`. */
  async setGrantStatus(
    tx: Db,
    id: string,
    from: GrantStatus,
    to: GrantStatus,
  ): Promise<boolean> {
    const updated = await tx(GRANTS)
      .where({ id, status: from })
      .update({ status: to });
    return updated === 1;
  }

  /**
   * Ends a grant that is still in `from` (active, or suspended); false if
   * its status changed meanwhile (someone else ended, suspended or resumed
   * it).
   */
  async revokeGrant(
    tx: Db,
    id: string,
    revocation: {
      now: Date;
      by: string;
      reason: string;
      from?: 'active' | 'suspended';
    },
  ): Promise<boolean> {
    const from = revocation.from ?? 'active';
    const updated = await tx(GRANTS).where({ id, status: from }).update({
      status: 'revoked',
      revoked_at: revocation.now,
      revoked_by: revocation.by,
      revocation_reason: revocation.reason,
    });
    return updated === 1;
  }

  /** Suspends an active grant; false if it is not active any more. */
  async suspendGrant(
    tx: Db,
    id: string,
    suspension: { now: Date; by: string; reason: string },
  ): Promise<boolean> {
    const updated = await tx(GRANTS).where({ id, status: 'active' }).update({
      status: 'suspended',
      suspended_at: suspension.now,
      suspended_by: suspension.by,
      suspension_reason: suspension.reason,
    });
    return updated === 1;
  }

  /** Resumes a suspended grant; false if it is not suspended any more. */
  async resumeGrant(tx: Db, id: string): Promise<boolean> {
    const updated = await tx(GRANTS).where({ id, status: 'suspended' }).update({
      status: 'active',
      suspended_at: null,
      suspended_by: null,
      suspension_reason: null,
    });
    return updated === 1;
  }

  /**
   * Moves a live grant to another plan: the snapshot and, narrowed, the
   * scopes. False if the grant is no longer active or suspended.
   */
  async changePlan(
    tx: Db,
    id: string,
    change: { plan: GrantPlan; scopes: string[] },
  ): Promise<boolean> {
    const updated = await tx(GRANTS)
      .where({ id })
      .whereIn('status', LIVE_GRANT_STATUSES)
      .update({
        ...planColumns(change.plan),
        scopes: JSON.stringify(change.scopes),
      });
    return updated === 1;
  }

  async getGrant(db: Db, id: string): Promise<Grant | undefined> {
    const row = await db<GrantRow>(GRANTS).where({ id }).first();
    return row ? toGrant(row) : undefined;
  }

  /**
   * One page of grants, newest first. Every criterion in `filters` must hold
   * (the policy's conditions and the caller's party filter), in SQL, so a
   * page is full and nothing the caller may not read is loaded.
   */
  async listGrantsPage(
    db: Db,
    options: {
      consumerRef?: string;
      apiRef?: string;
      ownerRef?: string;
      requesterRef?: string;
      filters: PermissionCriteria<GrantFilter>[];
      limit: number;
      cursor?: Cursor;
    },
  ): Promise<{ items: Grant[]; nextCursor?: string }> {
    const query = db<GrantRow>(GRANTS).select(`${GRANTS}.*`);
    for (const filter of options.filters) {
      query.where(inner => applyGrantFilter(db, inner, filter));
    }
    if (options.consumerRef) {
      query.where(`${GRANTS}.consumer_ref`, options.consumerRef);
    }
    if (options.apiRef) {
      query.where(`${GRANTS}.api_ref`, options.apiRef);
    }
    if (options.ownerRef) {
      // grants.owner_ref is the request's owner_ref, copied at creation (and
      // by migration 20261202030000): one index range, not a join.
      query.where(`${GRANTS}.owner_ref`, options.ownerRef);
    }
    if (options.requesterRef) {
      query.where(`${GRANTS}.requester_ref`, options.requesterRef);
    }
    if (options.cursor) {
      const { createdAt, id } = options.cursor;
      const at = new Date(createdAt);
      query.where(inner =>
        inner
          .where(`${GRANTS}.created_at`, '<', at)
          .orWhere(same =>
            same
              .where(`${GRANTS}.created_at`, at)
              .andWhere(`${GRANTS}.id`, '<', id),
          ),
      );
    }
    const rows: GrantRow[] = await query
      .orderBy([
        { column: `${GRANTS}.created_at`, order: 'desc' },
        { column: `${GRANTS}.id`, order: 'desc' },
      ])
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    return {
      items: page.map(toGrant),
      nextCursor:
        rows.length > options.limit
          ? encodeCursor(page[page.length - 1])
          : undefined,
    };
  }

  /** Grants as the grant permission rules see them, with the owner recorded at approval. */
  async getGrantResources(
    db: Db,
    ids: string[],
  ): Promise<Array<GrantResource | undefined>> {
    if (ids.length === 0) return [];
    const rows: Array<GrantRow & { approved_owner_ref: string | null }> =
      await db(GRANTS)
        .leftJoin(REQUESTS, `${REQUESTS}.id`, `${GRANTS}.request_id`)
        .whereIn(`${GRANTS}.id`, ids)
        .select(`${GRANTS}.*`, `${REQUESTS}.owner_ref as approved_owner_ref`);
    return ids.map(id => {
      const row = rows.find(r => r.id === id);
      return row
        ? {
            ...toGrant(row),
            approvedOwnerRef: row.approved_owner_ref ?? undefined,
          }
        : undefined;
    });
  }

  /**
   * The active grants of one API, consumer or requester that also meet every
   * criterion in `filters` (the caller's read filters) and, when given, are
   * on one of `apiIn` (the APIs the caller owns now): what an incident
   * revocation ends, newest first, at most `limit`.
   */
  async activeGrantsMatching(
    db: Db,
    options: {
      selector: {
        apiRef?: string;
        consumerRef?: string;
        requesterRef?: string;
      };
      filters: PermissionCriteria<GrantFilter>[];
      apiIn?: string[];
      limit: number;
    },
  ): Promise<Grant[]> {
    const rows: GrantRow[] = await this.matching(db, options)
      .select(`${GRANTS}.*`)
      .orderBy([
        { column: `${GRANTS}.created_at`, order: 'desc' },
        { column: `${GRANTS}.id`, order: 'desc' },
      ])
      .limit(options.limit);
    return rows.map(toGrant);
  }

  /** How many grants `activeGrantsMatching` would find without a limit. */
  async countActiveMatching(
    db: Db,
    options: {
      selector: {
        apiRef?: string;
        consumerRef?: string;
        requesterRef?: string;
      };
      filters: PermissionCriteria<GrantFilter>[];
      apiIn?: string[];
    },
  ): Promise<number> {
    const [row] = await this.matching(db, options).count({ n: '*' });
    return Number((row as { n: number | string }).n);
  }

  private matching(
    db: Db,
    options: {
      selector: {
        apiRef?: string;
        consumerRef?: string;
        requesterRef?: string;
      };
      filters: PermissionCriteria<GrantFilter>[];
      apiIn?: string[];
    },
  ): Knex.QueryBuilder {
    const { selector } = options;
    // A suspended grant is ended by an incident revocation as well.
    const query = db(GRANTS).whereIn(`${GRANTS}.status`, LIVE_GRANT_STATUSES);
    if (selector.apiRef) query.where(`${GRANTS}.api_ref`, selector.apiRef);
    if (selector.consumerRef) {
      query.where(`${GRANTS}.consumer_ref`, selector.consumerRef);
    }
    if (selector.requesterRef) {
      query.where(`${GRANTS}.requester_ref`, selector.requesterRef);
    }
    for (const filter of options.filters) {
      query.where(inner => applyGrantFilter(db, inner, filter));
    }
    if (options.apiIn) query.whereIn(`${GRANTS}.api_ref`, options.apiIn);
    return query;
  }

  async listGrants(
    db: Db,
    filter: { consumerRef?: string; apiRef?: string; ownerRef?: string },
  ): Promise<Grant[]> {
    const query = db<GrantRow>(GRANTS).select(`${GRANTS}.*`);
    if (filter.consumerRef) {
      query.where(`${GRANTS}.consumer_ref`, filter.consumerRef);
    }
    if (filter.apiRef) {
      query.where(`${GRANTS}.api_ref`, filter.apiRef);
    }
    if (filter.ownerRef) {
      query.where(`${GRANTS}.owner_ref`, filter.ownerRef);
    }
    const rows = await query.orderBy([
      { column: `${GRANTS}.created_at`, order: 'desc' },
      { column: `${GRANTS}.id`, order: 'desc' },
    ]);
    return rows.map(toGrant);
  }

  /**
   * Writes a batch of last uses collected in memory: one transaction, one
   * UPDATE per 500 grants, each stamped with the latest use in its chunk
   * (so a grant's last use may read up to one flush interval late, never
   * early). One statement per grant took 0.7-1.6 ms each in the benchmark.
   */
  async recordLastUse(uses: Map<string, Date>) {
    const entries = Array.from(uses);
    await this.db.transaction(async tx => {
      for (let i = 0; i < entries.length; i += 500) {
        const chunk = entries.slice(i, i + 500);
        const at = new Date(
          Math.max(...chunk.map(([, date]) => date.getTime())),
        );
        await tx(GRANTS)
          .whereIn(
            'id',
            chunk.map(([id]) => id),
          )
          .andWhere(q =>
            q.whereNull('last_used_at').orWhere('last_used_at', '<', at),
          )
          .update({ last_used_at: at });
      }
    });
  }
}
