/*
 * How replicas tell each other that cached gateway decisions are stale.
 *
 * Every replica caches introspection answers for a few seconds. When a grant
 * ends or its keys change (revocation, expiry, rotation) on one replica, the
 * others must drop their answers at once, not when the cache time runs out.
 *
 * - PostgreSQL: `NOTIFY api_access_decisions, '<grant id>'` from the replica
 *   that made the change, and a dedicated connection per replica that
 *   LISTENs. While that connection is down (a restart of the database, a
 *   network cut) the replica serves no cached answer at all, and it drops its
 *   whole cache when the connection is back, so a notification missed in
 *   between cannot leave a revoked key working.
 * - SQLite (one replica by construction): the change is applied locally.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The PostgreSQL channel; the payload is a grant id, or '*' for everything. */
export const DECISION_CHANNEL = 'api_access_decisions';

export interface DecisionListener {
  /** Answers about this grant's keys are stale. */
  grant(grantId: string): void;
  /** Every cached answer is stale (a missed notification is possible). */
  all(): void;
}

export interface DecisionBus {
  /** Tells every replica, this one included, that a grant's answers are stale. */
  publish(grantId: string): Promise<void>;
  /** False while this replica may have missed a notification: serve nothing cached. */
  readonly live: boolean;
  start(listener: DecisionListener): Promise<void>;
  stop(): Promise<void>;
}

/** One replica: nothing to tell anyone else. */
export class LocalDecisionBus implements DecisionBus {
  readonly live = true;
  private listener?: DecisionListener;

  async publish(grantId: string) {
    this.listener?.grant(grantId);
  }

  async start(listener: DecisionListener) {
    this.listener = listener;
  }

  async stop() {
    this.listener = undefined;
  }
}

/** The subset of node-postgres' client this bus uses. */
interface PgClient {
  query(sql: string): Promise<unknown>;
  on(
    event: 'notification',
    fn: (msg: { channel: string; payload?: string }) => void,
  ): void;
  on(event: 'error' | 'end', fn: (error?: Error) => void): void;
  removeAllListeners(): void;
  end(): Promise<void>;
}

export class PostgresDecisionBus implements DecisionBus {
  private client?: PgClient;
  private listener?: DecisionListener;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private connected = false;

  constructor(
    private readonly knex: Knex,
    private readonly logger: LoggerService,
    private readonly retryMs = 1000,
  ) {}

  get live() {
    return this.connected;
  }

  async publish(grantId: string) {
    // The local drop does not wait for the round trip through the database.
    this.listener?.grant(grantId);
    try {
      await this.knex.raw('select pg_notify(?, ?)', [
        DECISION_CHANNEL,
        grantId,
      ]);
    } catch (error) {
      // The change is committed; the other replicas' caches expire on their own.
      this.logger.warn(
        `api-access: could not tell other replicas that grant ${grantId} changed; their cached answers expire within apiAccess.credentials.introspectionCacheSeconds: ${
          (error as Error).message
        }`,
      );
    }
  }

  async start(listener: DecisionListener) {
    this.listener = listener;
    this.stopped = false;
    await this.connect();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client) {
      client.removeAllListeners();
      // A client that errored may refuse to end; nothing is left to do then.
      await client.end().catch(() => undefined);
    }
  }

  private async connect() {
    if (this.stopped) return;
    let client: PgClient | undefined;
    try {
      client = (await (
        this.knex.client as any
      ).acquireRawConnection()) as PgClient;
      client.on('notification', msg => {
        if (msg.channel !== DECISION_CHANNEL || !msg.payload) return;
        if (msg.payload === '*') this.listener?.all();
        else this.listener?.grant(msg.payload);
      });
      const lost = (error?: Error) => {
        if (this.client !== client) return;
        this.connected = false;
        this.client = undefined;
        client?.removeAllListeners();
        client?.end().catch(() => undefined);
        if (this.stopped) return;
        this.logger.warn(
          `api-access: lost the connection that listens for revocations on other replicas; serving no cached gateway decision until it is back${
            error ? ` (${error.message})` : ''
          }`,
        );
        this.schedule();
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.query(`LISTEN ${DECISION_CHANNEL}`);
      if (this.stopped) {
        client.removeAllListeners();
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      // Anything published while this replica was not listening is lost:
      // start from an empty cache.
      this.listener?.all();
      this.connected = true;
    } catch (error) {
      client?.removeAllListeners();
      await client?.end().catch(() => undefined);
      this.logger.warn(
        `api-access: could not listen for revocations on other replicas, retrying: ${
          (error as Error).message
        }`,
      );
      this.schedule();
    }
  }

  private schedule() {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retry.unref?.();
  }
}

/** PostgreSQL gets the listening bus; every other database is one replica. */
export function createDecisionBus(
  knex: Knex,
  logger: LoggerService,
): DecisionBus {
  const client = String(knex.client.config?.client ?? '');
  return client === 'pg' || client === 'postgres' || client === 'postgresql'
    ? new PostgresDecisionBus(knex, logger)
    : new LocalDecisionBus();
}
