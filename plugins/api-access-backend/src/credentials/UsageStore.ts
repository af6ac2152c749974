/*
 * SQL for api_access_usage: calls and refusals per grant per UTC day. Every
 * replica adds its counts with one atomic upsert (count = count + n), so no
 * replica ever overwrites another's, on SQLite and PostgreSQL alike.
 */
import { Knex } from 'knex';

const USAGE = 'api_access_usage';

type Db = Knex | Knex.Transaction;

/** Counts to add to one grant's day. */
export interface UsageIncrement {
  grantId: string;
  /** UTC date, YYYY-MM-DD. */
  day: string;
  calls: number;
  refused: number;
}

export interface UsageDayRow {
  grantId: string;
  day: string;
  calls: number;
  refused: number;
}

export class UsageStore {
  constructor(readonly db: Knex) {}

  /**
   * Adds the increments in one statement per 500 rows. Rows go in (grant,
   * day) order so that two replicas flushing overlapping rows on
   * PostgreSQL take the row locks in the same order and never deadlock.
   */
  async add(increments: UsageIncrement[], db: Db = this.db): Promise<void> {
    if (increments.length === 0) return;
    const rows = [...increments]
      .sort((a, b) =>
        a.grantId === b.grantId
          ? a.day.localeCompare(b.day)
          : a.grantId.localeCompare(b.grantId),
      )
      .map(increment => ({
        grant_id: increment.grantId,
        day: increment.day,
        calls: increment.calls,
        refused: increment.refused,
      }));
    for (let i = 0; i < rows.length; i += 500) {
      await db(USAGE)
        .insert(rows.slice(i, i + 500))
        .onConflict(['grant_id', 'day'])
        .merge({
          calls: db.raw('?? + excluded.calls', [`${USAGE}.calls`]),
          refused: db.raw('?? + excluded.refused', [`${USAGE}.refused`]),
        });
    }
  }

  /** Each stored day of the grants from `fromDay` on (inclusive), in no particular order. */
  async daysSince(
    grantIds: string[],
    fromDay: string,
    db: Db = this.db,
  ): Promise<UsageDayRow[]> {
    const rows: Array<{
      grant_id: string;
      day: string;
      calls: number | string;
      refused: number | string;
    }> = [];
    // 500 ids per statement: far below SQLite's and PostgreSQL's limits on
    // bound parameters, however many quota'd grants a replica serves.
    for (let i = 0; i < grantIds.length; i += 500) {
      rows.push(
        ...(await db(USAGE)
          .whereIn('grant_id', grantIds.slice(i, i + 500))
          .andWhere('day', '>=', fromDay)
          .select('grant_id', 'day', 'calls', 'refused')),
      );
    }
    // PostgreSQL answers bigint as a string.
    return rows.map(row => ({
      grantId: row.grant_id,
      day: row.day,
      calls: Number(row.calls),
      refused: Number(row.refused),
    }));
  }
}
