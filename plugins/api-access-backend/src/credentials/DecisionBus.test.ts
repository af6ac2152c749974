/*
 * Replicas telling each other about revocations over a real PostgreSQL:
 * two buses on one database (each with its own pool, as two processes), a
 * message from one reaching the other, and the listener surviving a killed
 * connection: not live while it is gone, everything dropped once it is back.
 * SQLite is one replica: its bus only tells itself.
 */
import { mockServices } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';
import {
  DECISION_CHANNEL,
  DecisionListener,
  LocalDecisionBus,
  PostgresDecisionBus,
  createDecisionBus,
} from './DecisionBus';

const databases = createTestDatabases();
const logger = mockServices.logger.mock();

function recorder() {
  const seen: string[] = [];
  const listener: DecisionListener = {
    grant: id => seen.push(id),
    all: () => seen.push('*'),
  };
  return { seen, listener };
}

async function until(check: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('DecisionBus on SQLite', () => {
  it('is one replica: it tells only itself', async () => {
    const knex = await databases.init('SQLITE_3');
    const bus = createDecisionBus(knex, logger);
    expect(bus).toBeInstanceOf(LocalDecisionBus);
    const { seen, listener } = recorder();
    await bus.start(listener);
    await bus.publish('grant-1');
    expect(seen).toEqual(['grant-1']);
    expect(bus.live).toBe(true);
  });
});

const describePg = databases.supports('POSTGRES_15') ? describe : describe.skip;

describePg('DecisionBus on PostgreSQL', () => {
  let one: Knex;
  let two: Knex;
  const buses: PostgresDecisionBus[] = [];

  beforeAll(async () => {
    one = await databases.init('POSTGRES_15');
    two = knexFactory({
      client: 'pg',
      connection: one.client.config.connection,
      pool: { min: 0, max: 2 },
    });
  });

  afterAll(async () => {
    await Promise.all(buses.map(b => b.stop()));
    await two.destroy();
  });

  it('carries a revocation from one replica to the other, and survives a lost connection', async () => {
    const a = createDecisionBus(one, logger) as PostgresDecisionBus;
    const b = new PostgresDecisionBus(two, logger, 50);
    buses.push(a, b);
    expect(a).toBeInstanceOf(PostgresDecisionBus);
    const ra = recorder();
    const rb = recorder();
    expect(b.live).toBe(false);
    await a.start(ra.listener);
    await b.start(rb.listener);
    // Starting drops everything once: nothing was heard before.
    expect(rb.seen).toEqual(['*']);
    expect(b.live).toBe(true);

    await a.publish('grant-1');
    // The publisher drops its own at once, and hears itself too.
    expect(ra.seen).toContain('grant-1');
    await until(() => rb.seen.includes('grant-1'));

    // The database ends b's listening connection.
    await one.raw(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and query = ? and pid <> pg_backend_pid()`,
      [`LISTEN ${DECISION_CHANNEL}`],
    );
    await until(() => !b.live);
    // b reconnects on its own, and drops everything it might have missed.
    const before = rb.seen.length;
    await until(() => b.live);
    expect(rb.seen.slice(before)).toContain('*');
    await a.publish('grant-2');
    await until(() => rb.seen.includes('grant-2'));
  });

  it('stops listening when stopped', async () => {
    const bus = new PostgresDecisionBus(two, logger);
    const { seen, listener } = recorder();
    await bus.start(listener);
    await bus.stop();
    expect(bus.live).toBe(false);
    await one.raw('select pg_notify(?, ?)', [DECISION_CHANNEL, 'grant-3']);
    await new Promise(r => setTimeout(r, 100));
    expect(seen).toEqual(['*']);
  });
});
