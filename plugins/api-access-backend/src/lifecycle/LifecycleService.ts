/*
 * One lifecycle tick on Backstage's scheduler runs every time-driven rule:
 * grant expiry and reminders, stale and orphaned access, review deadlines,
 * periodic access reviews. With several replicas on one PostgreSQL the
 * scheduler runs each tick on one of them; every rule is also idempotent on
 * its own (a "mark" row per thing done once, conditional updates for state),
 * so a tick that runs late, twice, or on two replicas at once does each piece
 * of work once.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { ApiAccessClock } from '../clock';

const MARKS = 'api_access_lifecycle_marks';

/** What a rule reports; the tick logs it and tests assert it. */
export type RuleResult = Record<string, number>;

export interface LifecycleRule {
  /** Short and stable, e.g. 'grant-expiry'. */
  name: string;
  run(now: Date): Promise<RuleResult>;
}

export class LifecycleMarks {
  constructor(private readonly db: Knex) {}

  /**
   * Records that `kind` was done for `subjectId`, inside `tx`. Returns false
   * when it had already been recorded: the caller then does nothing. On
   * PostgreSQL a racing transaction waits on the unique key and then sees
   * the row, so exactly one of two racers gets true.
   */
  async claim(
    tx: Knex | Knex.Transaction,
    subjectId: string,
    kind: string,
    now: Date,
  ): Promise<boolean> {
    const inserted: unknown[] = await tx(MARKS)
      .insert({ subject_id: subjectId, kind, created_at: now })
      .onConflict(['subject_id', 'kind'])
      .ignore()
      .returning('subject_id');
    // SQLite without RETURNING support in older knex gives [] or [rowid].
    return Array.isArray(inserted) ? inserted.length > 0 : !!inserted;
  }

  async has(subjectId: string, kind: string): Promise<boolean> {
    return !!(await this.db(MARKS)
      .where({ subject_id: subjectId, kind })
      .first('subject_id'));
  }

  /** Forgets marks of a subject whose kind starts with `prefix` (e.g. after a renewal). */
  async clear(tx: Knex | Knex.Transaction, subjectId: string, prefix: string) {
    await tx(MARKS)
      .where('subject_id', subjectId)
      .andWhere('kind', 'like', `${prefix}%`)
      .delete();
  }
}

export class LifecycleService {
  private readonly rules: LifecycleRule[] = [];

  constructor(
    private readonly clock: ApiAccessClock,
    private readonly logger: LoggerService,
  ) {}

  addRule(...rules: LifecycleRule[]) {
    this.rules.push(...rules);
  }

  /** Runs every rule once, in order; a failing rule is logged and the others still run. */
  async tick(): Promise<Record<string, RuleResult | { error: string }>> {
    const now = this.clock.now();
    const results: Record<string, RuleResult | { error: string }> = {};
    for (const rule of this.rules) {
      try {
        results[rule.name] = await rule.run(now);
      } catch (error) {
        this.logger.error(
          `api-access lifecycle rule ${rule.name} failed: ${error}`,
        );
        results[rule.name] = { error: String(error) };
      }
    }
    const done = Object.entries(results)
      .filter(([, r]) =>
        Object.values(r).some(v => typeof v === 'number' && v > 0),
      )
      .map(([name, r]) => `${name} ${JSON.stringify(r)}`);
    if (done.length > 0) {
      this.logger.info(`api-access lifecycle: ${done.join('; ')}`);
    }
    return results;
  }
}
