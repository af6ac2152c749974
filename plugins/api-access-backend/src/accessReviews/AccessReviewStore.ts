/*
 * SQL for periodic access reviews: campaigns (api_access_reviews) and their
 * items (api_access_review_items). The owner of a grant is the owner_ref of
 * the request it came from. Every state change is a conditional update, so
 * racing replicas, ticks and people each find out whether they won.
 */
import { Knex } from 'knex';
import { AccessReviewDecision } from '@api-access/backstage-plugin-api-access-common';

const REVIEWS = 'api_access_reviews';
const ITEMS = 'api_access_review_items';
const GRANTS = 'api_access_grants';
const REQUESTS = 'api_access_requests';

type Db = Knex | Knex.Transaction;

export interface ReviewRow {
  id: string;
  owner_ref: string;
  period: string;
  trigger: 'scheduled' | 'manual';
  started_by: string;
  created_at: Date | string | number;
  due_at: Date | string | number;
  status: 'open' | 'closed';
  closed_at: Date | string | number | null;
  escalated_to: string | null;
  escalated_at: Date | string | number | null;
}

export interface ItemRow {
  review_id: string;
  grant_id: string;
  decision: AccessReviewDecision | null;
  comment: string | null;
  decided_by: string | null;
  decided_at: Date | string | number | null;
}

/** SQLite hands timestamps back as numbers or strings, PostgreSQL as Dates. */
export function toDate(value: Date | string | number): Date {
  return new Date(value);
}

export interface ItemCounts {
  kept: number;
  revoked: number;
  /** Never answered: the grant ended another way, or (escalate) the campaign was closed by hand. */
  unanswered: number;
}

export class AccessReviewStore {
  constructor(readonly db: Knex) {}

  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  // Suspended grants are reviewed too: a pause is still access to decide on.
  private activeGrantsOf(db: Db) {
    return db(GRANTS)
      .join(REQUESTS, `${REQUESTS}.id`, `${GRANTS}.request_id`)
      .whereIn(`${GRANTS}.status`, ['active', 'suspended']);
  }

  /** Owners with active grants; with `createdBefore`, only grants created before it count. */
  async ownersWithActiveGrants(
    db: Db,
    createdBefore?: Date,
  ): Promise<string[]> {
    const query = this.activeGrantsOf(db).distinct(
      `${REQUESTS}.owner_ref as owner_ref`,
    );
    if (createdBefore) query.where(`${GRANTS}.created_at`, '<', createdBefore);
    const rows: Array<{ owner_ref: string }> = await query;
    return rows.map(row => row.owner_ref).sort();
  }

  async activeGrantIdsOf(
    db: Db,
    ownerRef: string,
    createdBefore?: Date,
  ): Promise<string[]> {
    const query = this.activeGrantsOf(db)
      .where(`${REQUESTS}.owner_ref`, ownerRef)
      .orderBy(`${GRANTS}.created_at`)
      .orderBy(`${GRANTS}.id`)
      .select(`${GRANTS}.id as id`);
    if (createdBefore) query.where(`${GRANTS}.created_at`, '<', createdBefore);
    const rows: Array<{ id: string }> = await query;
    return rows.map(row => row.id);
  }

  async hasReview(db: Db, ownerRef: string, period: string) {
    return !!(await db(REVIEWS)
      .where({ owner_ref: ownerRef, period })
      .first('id'));
  }

  /**
   * Inserts a campaign unless (owner, period) has one, or (a manual one) the
   * owner already has an open manual campaign: the partial unique index of
   * migration 20261202020000. ON CONFLICT without a target covers both keys.
   * On PostgreSQL a racing transaction waits on the unique key and then sees
   * the row: one wins.
   */
  async insertReview(
    tx: Db,
    row: Omit<ReviewRow, 'closed_at' | 'escalated_to' | 'escalated_at'>,
  ): Promise<boolean> {
    const inserted: unknown[] = await tx(REVIEWS)
      .insert(row)
      .onConflict()
      .ignore()
      .returning('id');
    return Array.isArray(inserted) ? inserted.length > 0 : !!inserted;
  }

  /** The owner's open manual campaign, if any (there is at most one). */
  async openManualReview(
    db: Db,
    ownerRef: string,
  ): Promise<ReviewRow | undefined> {
    return db<ReviewRow>(REVIEWS)
      .where({ owner_ref: ownerRef, trigger: 'manual', status: 'open' })
      .first();
  }

  async insertItems(tx: Db, reviewId: string, grantIds: string[]) {
    for (let i = 0; i < grantIds.length; i += 200) {
      await tx(ITEMS).insert(
        grantIds
          .slice(i, i + 200)
          .map(grantId => ({ review_id: reviewId, grant_id: grantId })),
      );
    }
  }

  /** The campaign; with `lock`, its row is locked until `db` (a transaction) ends. */
  async getReview(
    db: Db,
    id: string,
    lock = false,
  ): Promise<ReviewRow | undefined> {
    const query = db<ReviewRow>(REVIEWS).where({ id });
    if (lock && db.client.config.client === 'pg') query.forUpdate();
    return query.first();
  }

  async getItem(
    db: Db,
    reviewId: string,
    grantId: string,
  ): Promise<ItemRow | undefined> {
    return db<ItemRow>(ITEMS)
      .where({ review_id: reviewId, grant_id: grantId })
      .first();
  }

  /**
   * Campaigns of these owners (or, undefined, of everyone), open ones first
   * and newest first; with `closedLimit`, that many recently closed ones too.
   */
  async listReviews(
    db: Db,
    filter: { ownerRefs?: string[]; escalatedTo?: string[] },
    closedLimit = 0,
  ): Promise<ReviewRow[]> {
    const scoped = (status: 'open' | 'closed') => {
      const query = db<ReviewRow>(REVIEWS).where({ status });
      if (filter.ownerRefs) {
        const owners = filter.ownerRefs;
        const escalated = filter.escalatedTo ?? [];
        query.andWhere(q => {
          q.whereIn('owner_ref', owners);
          if (escalated.length > 0) q.orWhereIn('escalated_to', escalated);
        });
      }
      return query.orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
    };
    const open = await scoped('open');
    const closed =
      closedLimit > 0 ? await scoped('closed').limit(closedLimit) : [];
    return [...open, ...closed];
  }

  async itemsOf(db: Db, reviewIds: string[]): Promise<ItemRow[]> {
    if (reviewIds.length === 0) return [];
    return db<ItemRow>(ITEMS)
      .whereIn('review_id', reviewIds)
      .orderBy('grant_id');
  }

  /** Records an answer; false when the item was already answered. */
  async decideItem(
    tx: Db,
    reviewId: string,
    grantId: string,
    answer: {
      decision: AccessReviewDecision;
      comment: string;
      by: string;
      at: Date;
    },
  ): Promise<boolean> {
    const updated = await tx(ITEMS)
      .where({ review_id: reviewId, grant_id: grantId })
      .whereNull('decision')
      .update({
        decision: answer.decision,
        comment: answer.comment,
        decided_by: answer.by,
        decided_at: answer.at,
      });
    return updated === 1;
  }

  /** Unanswered items whose grant is still active: what keeps a campaign open. */
  async undecidedActiveGrantIds(db: Db, reviewId: string): Promise<string[]> {
    const rows: Array<{ grant_id: string }> = await db(ITEMS)
      .join(GRANTS, `${GRANTS}.id`, `${ITEMS}.grant_id`)
      .where(`${ITEMS}.review_id`, reviewId)
      .whereNull(`${ITEMS}.decision`)
      .whereIn(`${GRANTS}.status`, ['active', 'suspended'])
      .orderBy(`${ITEMS}.grant_id`)
      .select(`${ITEMS}.grant_id as grant_id`);
    return rows.map(row => row.grant_id);
  }

  async itemCounts(db: Db, reviewId: string): Promise<ItemCounts> {
    const rows: Array<{ decision: string | null; n: number | string }> =
      await db(ITEMS)
        .where({ review_id: reviewId })
        .groupBy('decision')
        .select('decision')
        .count({ n: '*' });
    const count = (decision: string | null) =>
      Number(rows.find(row => row.decision === decision)?.n ?? 0);
    return {
      kept: count('keep'),
      revoked: count('revoke'),
      unanswered: count(null),
    };
  }

  /** Closes an open campaign; false when it was already closed. */
  async closeReview(tx: Db, id: string, now: Date): Promise<boolean> {
    const updated = await tx(REVIEWS)
      .where({ id, status: 'open' })
      .update({ status: 'closed', closed_at: now });
    return updated === 1;
  }

  /** Marks an open campaign escalated; false when it already was. */
  async escalateReview(
    tx: Db,
    id: string,
    to: string,
    now: Date,
  ): Promise<boolean> {
    const updated = await tx(REVIEWS)
      .where({ id, status: 'open' })
      .whereNull('escalated_at')
      .update({ escalated_to: to, escalated_at: now });
    return updated === 1;
  }

  async openReviews(db: Db): Promise<ReviewRow[]> {
    return db<ReviewRow>(REVIEWS)
      .where({ status: 'open' })
      .orderBy('due_at')
      .orderBy('id');
  }
}
