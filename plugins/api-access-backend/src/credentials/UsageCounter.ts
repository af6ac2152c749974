/*
 * Usage counts and quotas, from the decisions this replica makes
 * (/authorize and /introspect): calls (allowed) and refusals per grant per
 * UTC day. The hot path only adds to a map in memory; a flush every second
 * (and on stop) adds the pending counts to the database with one atomic
 * upsert (calls = calls + n) and, in the same step, re-reads the period's
 * stored total of each quota'd grant this replica has seen lately. A
 * quota'd grant's `used` is that stored total plus what this replica has
 * counted since: no query per decision, except the first time a replica
 * meets a quota'd grant in a period.
 *
 * Error bound (also in docs/gateways.md, "Quotas and usage counts"):
 *   - Counts are never lost between replicas (the upsert adds, it never
 *     overwrites), and a crash loses at most the calls of one flush
 *     interval on the crashed replica (what it had not yet flushed).
 *   - A replica sees another's calls once the other has flushed them and it
 *     has re-read the total: within two flush intervals at most. So with R
 *     replicas the quota may be overshot by at most what the other R-1
 *     replicas allow meanwhile: x the calls one replica answers per
 *     flush interval when the flushes line up, up to twice that when they
 *     do not. With one replica there is no overshoot.
 *   - Gateway-cached decisions would escape the count, so decisions for a
 *     quota'd grant are never cacheable (CredentialService: cacheSeconds 0).
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  PlanQuota,
  QuotaPeriod,
  quotaPeriodStart,
  usageDay,
} from '@api-access/backstage-plugin-api-access-common';
import { UsageDayRow, UsageIncrement, UsageStore } from './UsageStore';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A quota'd grant not seen for this long is forgotten (read again when it comes back). */
const IDLE_MS = 60_000;

interface DayCounts {
  calls: number;
  refused: number;
}

/** The stored total of one quota'd grant's current period, as last read. */
interface PeriodTotal {
  period: QuotaPeriod;
  /** The period's first day, YYYY-MM-DD. */
  from: string;
  /** Calls in the database for the period when last read; includes all this replica had flushed by then. */
  stored: number;
  lastSeen: number;
}

export interface UsageCounterOptions {
  store: UsageStore;
  clock?: () => Date;
  /** How often pending counts are written and totals re-read; default one second. */
  flushIntervalMs?: number;
  logger?: LoggerService;
}

function periodFrom(at: Date, period: QuotaPeriod): string {
  return usageDay(quotaPeriodStart(at, period));
}

function add(
  into: Map<string, Map<string, DayCounts>>,
  grantId: string,
  day: string,
  calls: number,
  refused: number,
) {
  let days = into.get(grantId);
  if (!days) {
    days = new Map();
    into.set(grantId, days);
  }
  const counts = days.get(day);
  if (counts) {
    counts.calls += calls;
    counts.refused += refused;
  } else {
    days.set(day, { calls, refused });
  }
}

export class UsageCounter {
  /** Counted since the last flush began: grant -> day -> counts. */
  private pending = new Map<string, Map<string, DayCounts>>();
  /** Being written by the running flush (still counted in `used`). */
  private inFlight = new Map<string, Map<string, DayCounts>>();
  private readonly totals = new Map<string, PeriodTotal>();
  /** Flushes and first reads run one after the other, never interleaved. */
  private queue: Promise<unknown> = Promise.resolve();
  private timer?: ReturnType<typeof setInterval>;
  /** The UTC day of the last decision, and its bounds: usageDay once a day, not per call. */
  private day = { name: '', start: 0, end: 0 };

  private readonly store: UsageStore;
  private readonly clock: () => Date;
  private readonly flushIntervalMs: number;
  private readonly logger?: LoggerService;

  constructor(options: UsageCounterOptions) {
    this.store = options.store;
    this.clock = options.clock ?? (() => new Date());
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.logger = options.logger;
  }

  /** Flushes every interval until stop(). */
  start() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush().catch(() => {});
    }, this.flushIntervalMs);
    this.timer.unref?.();
  }

  /** Stops the timer and writes what is pending. */
  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private dayOf(atMs: number): string {
    if (atMs < this.day.start || atMs >= this.day.end) {
      const name = usageDay(new Date(atMs));
      const start = Date.parse(`${name}T00:00:00.000Z`);
      this.day = { name, start, end: start + DAY_MS };
    }
    return this.day.name;
  }

  /** One decision about one of the grant's keys: an allowed call, or a refusal. */
  record(grantId: string, outcome: 'call' | 'refused', atMs: number) {
    add(
      this.pending,
      grantId,
      this.dayOf(atMs),
      outcome === 'call' ? 1 : 0,
      outcome === 'refused' ? 1 : 0,
    );
  }

  /** Calls this replica counted for the grant from `from` on and has not yet seen in a read total. */
  private localCalls(grantId: string, from: string): number {
    let calls = 0;
    for (const source of [this.pending, this.inFlight]) {
      const days = source.get(grantId);
      if (!days) continue;
      for (const [day, counts] of days) {
        if (day >= from) calls += counts.calls;
      }
    }
    return calls;
  }

  /**
   * Calls of the grant in the quota's current period, when known without a
   * query (the common case); undefined the first time in a period.
   */
  knownUsed(grantId: string, quota: PlanQuota, at: Date): number | undefined {
    const total = this.totals.get(grantId);
    if (!total || total.period !== quota.period) return undefined;
    // The period's first day from the cached UTC day: no Date per decision.
    const today = this.dayOf(at.getTime());
    const from = quota.period === 'day' ? today : `${today.slice(0, 8)}01`;
    if (total.from !== from) return undefined;
    total.lastSeen = at.getTime();
    return total.stored + this.localCalls(grantId, from);
  }

  /** Calls of the grant in the quota's current period: stored total + this replica's unflushed counts. */
  async used(grantId: string, quota: PlanQuota, at: Date): Promise<number> {
    const known = this.knownUsed(grantId, quota, at);
    if (known !== undefined) return known;
    return this.serialized(async () => {
      const from = periodFrom(at, quota.period);
      const rows = await this.store.daysSince([grantId], from);
      const stored = rows.reduce((sum, row) => sum + row.calls, 0);
      this.totals.set(grantId, {
        period: quota.period,
        from,
        stored,
        lastSeen: at.getTime(),
      });
      return stored + this.localCalls(grantId, from);
    });
  }

  /**
   * The grant's days from `fromDay` on, stored plus not yet flushed: what
   * GET /grants/:id/usage shows. Read between flushes, so nothing counts
   * twice.
   */
  async days(grantId: string, fromDay: string): Promise<UsageDayRow[]> {
    return this.serialized(async () => {
      const rows = await this.store.daysSince([grantId], fromDay);
      const byDay = new Map(rows.map(row => [row.day, { ...row }]));
      for (const [day, counts] of this.pending.get(grantId) ?? []) {
        if (day < fromDay) continue;
        const row = byDay.get(day) ?? { grantId, day, calls: 0, refused: 0 };
        row.calls += counts.calls;
        row.refused += counts.refused;
        byDay.set(day, row);
      }
      return Array.from(byDay.values());
    });
  }

  /** Writes the pending counts and re-reads the totals of the quota'd grants seen lately. */
  flush(): Promise<void> {
    return this.serialized(() => this.flushNow());
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.inFlight = batch;
    try {
      const increments: UsageIncrement[] = [];
      for (const [grantId, days] of batch) {
        for (const [day, counts] of days) {
          increments.push({ grantId, day, ...counts });
        }
      }
      try {
        await this.store.add(increments);
      } catch (error) {
        // Kept for the next flush: a database hiccup loses no count.
        for (const { grantId, day, calls, refused } of increments) {
          add(this.pending, grantId, day, calls, refused);
        }
        this.logger?.warn(
          `api-access: could not write usage counts, will retry: ${
            (error as Error).message
          }`,
        );
        return;
      }
      await this.refreshTotals(batch);
    } finally {
      this.inFlight = new Map();
    }
  }

  private async refreshTotals(flushed: Map<string, Map<string, DayCounts>>) {
    const now = this.clock().getTime();
    for (const [grantId, total] of this.totals) {
      if (now - total.lastSeen > IDLE_MS) this.totals.delete(grantId);
    }
    if (this.totals.size === 0) return;
    const ids = Array.from(this.totals.keys());
    const earliest = Array.from(this.totals.values())
      .map(total => total.from)
      .sort()[0];
    try {
      const rows = await this.store.daysSince(ids, earliest);
      const sums = new Map<string, number>();
      for (const row of rows) {
        const total = this.totals.get(row.grantId);
        if (!total || row.day < total.from) continue;
        sums.set(row.grantId, (sums.get(row.grantId) ?? 0) + row.calls);
      }
      for (const [grantId, total] of this.totals) {
        total.stored = sums.get(grantId) ?? 0;
      }
    } catch (error) {
      // The counts were written; keep them in the totals until a read works.
      for (const [grantId, total] of this.totals) {
        for (const [day, counts] of flushed.get(grantId) ?? []) {
          if (day >= total.from) total.stored += counts.calls;
        }
      }
      this.logger?.warn(
        `api-access: could not re-read usage totals: ${
          (error as Error).message
        }`,
      );
    }
  }
}
