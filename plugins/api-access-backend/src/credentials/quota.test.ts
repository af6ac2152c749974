/*
 * Plans at the gateway with a fake clock, on both databases: the plan's
 * limits in the answer, quota counting at day and month boundaries (the
 * last call before midnight counts in the old day, Retry-After points at
 * the reset, the next period allows again), a suspended grant refused, and
 * two replicas (two CredentialService instances with their own
 * UsageCounters) counting the same grant at once without losing a count.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  GrantPlan,
  parseReviewPolicy,
} from '@api-access/backstage-plugin-api-access-common';
import { Knex } from 'knex';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';
import { GrantStore, planColumns } from '../grants/GrantStore';
import { LifecycleMarks } from '../lifecycle/LifecycleService';
import { AuditLog } from '../audit/AuditLog';
import { CredentialStore } from './CredentialStore';
import { CredentialService } from './CredentialService';
import { UsageCounter } from './UsageCounter';
import { UsageStore } from './UsageStore';

const databases = createTestDatabases();
const PETS = 'api:default/pets';

describe.each(databases.eachSupportedId())('quotas on %p', databaseId => {
  let knex: Knex;
  let now: Date;
  const clock = () => now;
  const requester = {
    userEntityRef: 'user:default/requester',
    ownershipEntityRefs: ['user:default/requester'],
    credentials: mockCredentials.user('user:default/requester'),
  };
  const policy = parseReviewPolicy({
    credentials: {
      introspectionCacheSeconds: 60,
      rateLimit: { requests: 600, perSeconds: 60 },
    },
    gateway: { decisionCacheSeconds: 30 },
  });

  const started: CredentialService[] = [];
  afterAll(async () => {
    await Promise.all(started.map(service => service.stop()));
  });

  /** One replica: its own caches and its own usage counter, on the shared database. */
  async function replica() {
    const credentials = new CredentialStore(knex);
    const service = new CredentialService({
      credentials,
      grants: new GrantStore(knex, new LifecycleMarks(knex)),
      audit: new AuditLog(knex),
      config: policy,
      clock,
      usage: new UsageCounter({ store: new UsageStore(knex), clock }),
    });
    // Listens for its own drops (and flushes every second, as in production).
    await service.start();
    started.push(service);
    return service;
  }

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@api-access/backstage-plugin-api-access-backend',
        'migrations',
      ),
      tableName: 'api_access_knex_migrations',
    });
  });

  async function grantOn(
    plan: GrantPlan | undefined,
    service: CredentialService,
  ) {
    const grantId = await insertApprovedGrant(knex, {
      requesterRef: requester.userEntityRef,
      createdAt: new Date(now.getTime() - 60_000),
      expiresAt: new Date(now.getTime() + 90 * 24 * 3600_000),
    });
    await knex('api_access_grants')
      .where({ id: grantId })
      .update(planColumns(plan));
    const { secret } = await service.issue(grantId, '1', requester);
    return { grantId, key: secret };
  }

  async function stored(grantId: string) {
    const rows = await knex('api_access_usage')
      .where({ grant_id: grantId })
      .orderBy('day');
    return rows.map(row => ({
      day: row.day,
      calls: Number(row.calls),
      refused: Number(row.refused),
    }));
  }

  const daily = (requests: number): GrantPlan => ({
    name: 'starter',
    title: 'Starter',
    rateLimit: { requests: 2, perSeconds: 1 },
    quota: { requests, period: 'day' },
  });

  it('answers the plan and its rate limit; a plan-less grant keeps the global limit and its cache time', async () => {
    now = new Date('2026-11-09T12:00:00Z');
    const service = await replica();
    const planned = await grantOn(
      {
        name: 'standard',
        title: 'Standard',
        rateLimit: { requests: 20, perSeconds: 1 },
      },
      service,
    );
    const plain = await grantOn(undefined, service);

    const onPlan = await service.authorize(planned.key, { apiRef: PETS });
    expect(onPlan.status).toBe(200);
    expect(onPlan.result.plan).toBe('standard');
    expect(onPlan.result.rate_limit).toEqual({ requests: 20, per_seconds: 1 });
    expect(onPlan.result.quota).toBeUndefined();
    expect(onPlan.cacheSeconds).toBeGreaterThan(0);

    const without = await service.authorize(plain.key, { apiRef: PETS });
    expect(without.result.plan).toBeUndefined();
    expect(without.result.rate_limit).toEqual({
      requests: 600,
      per_seconds: 60,
    });
    expect(without.cacheSeconds).toBeGreaterThan(0);

    // Refusals for the grant count too (here: another API).
    expect(
      (await service.authorize(plain.key, { apiRef: 'api:default/other' }))
        .status,
    ).toBe(403);
    await service.usage.flush();
    expect(await stored(plain.grantId)).toEqual([
      { day: '2026-11-09', calls: 1, refused: 1 },
    ]);
  });

  it('counts a daily quota to the last call before midnight, answers 429 with Retry-After to the reset, and allows again the next day', async () => {
    now = new Date('2026-11-10T23:59:58.000Z');
    const service = await replica();
    const { grantId, key } = await grantOn(daily(3), service);

    for (const at of ['23:59:58.000', '23:59:59.000', '23:59:59.999']) {
      now = new Date(`2026-11-10T${at}Z`);
      const allowed = await service.authorize(key, { apiRef: PETS });
      expect(allowed.status).toBe(200);
      // Every call of a quota'd grant must reach api-access to be counted.
      expect(allowed.cacheSeconds).toBe(0);
      expect(allowed.cacheThroughSecond).toBeUndefined();
      expect(allowed.result.quota).toEqual({ requests: 3, period: 'day' });
    }
    now = new Date('2026-11-10T23:59:59.999Z');
    const refused = await service.authorize(key, { apiRef: PETS });
    expect(refused).toMatchObject({
      status: 429,
      reason: 'the quota of the plan is used up',
      refusal: 'quota',
      retryAfterSeconds: 1,
      cacheSeconds: 0,
    });
    // nginx's auth_request asks for a 403 that says why.
    const as403 = await service.authorize(
      key,
      { apiRef: PETS },
      { quotaRefusalAs403: true },
    );
    expect(as403).toMatchObject({
      status: 403,
      refusal: 'quota',
      retryAfterSeconds: 1,
    });
    // Introspection refuses it too (an RFC 7662 gateway has no other way).
    expect((await service.introspect(key)).active).toBe(false);

    now = new Date('2026-11-11T00:00:00.000Z');
    expect((await service.authorize(key, { apiRef: PETS })).status).toBe(200);
    await service.usage.flush();
    expect(await stored(grantId)).toEqual([
      { day: '2026-11-10', calls: 3, refused: 3 },
      { day: '2026-11-11', calls: 1, refused: 0 },
    ]);

    // Mid-day, Retry-After is the time left to midnight.
    now = new Date('2026-11-11T18:00:00.000Z');
    await service.authorize(key, { apiRef: PETS });
    await service.authorize(key, { apiRef: PETS });
    const later = await service.authorize(key, { apiRef: PETS });
    expect(later.status).toBe(429);
    expect(later.retryAfterSeconds).toBe(6 * 3600);
  });

  it('counts a monthly quota across days, and resets on the first of the month', async () => {
    now = new Date('2026-11-29T10:00:00Z');
    const service = await replica();
    const { grantId, key } = await grantOn(
      {
        name: 'standard',
        title: 'Standard',
        rateLimit: { requests: 20, perSeconds: 1 },
        quota: { requests: 3, period: 'month' },
      },
      service,
    );
    expect((await service.authorize(key, { apiRef: PETS })).status).toBe(200);
    await service.usage.flush();
    now = new Date('2026-11-30T23:59:59.500Z');
    expect((await service.authorize(key, { apiRef: PETS })).status).toBe(200);
    expect((await service.authorize(key, { apiRef: PETS })).status).toBe(200);
    const refused = await service.authorize(key, { apiRef: PETS });
    expect(refused.status).toBe(429);
    expect(refused.retryAfterSeconds).toBe(1);

    now = new Date('2026-12-01T00:00:00.000Z');
    expect((await service.authorize(key, { apiRef: PETS })).status).toBe(200);
    await service.usage.flush();
    expect(await stored(grantId)).toEqual([
      { day: '2026-11-29', calls: 1, refused: 0 },
      { day: '2026-11-30', calls: 2, refused: 1 },
      { day: '2026-12-01', calls: 1, refused: 0 },
    ]);
    // A fresh replica reads the month's total from the database.
    now = new Date('2026-12-01T08:00:00.000Z');
    const other = await replica();
    await other.authorize(key, { apiRef: PETS });
    await other.authorize(key, { apiRef: PETS });
    expect((await other.authorize(key, { apiRef: PETS })).status).toBe(429);
  });

  it("refuses a suspended grant's key with its own reason, and counts the refusal", async () => {
    now = new Date('2026-11-12T09:00:00Z');
    const service = await replica();
    const { grantId, key } = await grantOn(daily(100), service);
    expect((await service.authorize(key, { apiRef: PETS })).status).toBe(200);
    await knex('api_access_grants')
      .where({ id: grantId })
      .update({
        status: 'suspended',
        suspended_at: now,
        suspended_by: 'user:default/owner.one',
        suspension_reason: 'abuse',
      });
    await service.forgetGrant(grantId);
    expect(await service.authorize(key, { apiRef: PETS })).toMatchObject({
      status: 403,
      reason: 'the grant is suspended',
    });
    expect(await service.introspect(key)).toEqual({ active: false });
    await service.usage.flush();
    expect(await stored(grantId)).toEqual([
      { day: '2026-11-12', calls: 1, refused: 2 },
    ]);
  });

  it('loses no count when two replicas count the same grant at once', async () => {
    now = new Date('2026-11-13T09:00:00Z');
    const a = await replica();
    const b = await replica();
    const { grantId, key } = await grantOn(daily(1_000_000), a);
    const calls = 150;
    async function hammer(service: CredentialService) {
      for (let i = 0; i < calls; i++) {
        expect((await service.authorize(key, { apiRef: PETS })).status).toBe(
          200,
        );
        // Flushes interleave with the other replica's, as timers would.
        if (i % 20 === 0) await service.usage.flush();
      }
      await service.usage.flush();
    }
    await Promise.all([hammer(a), hammer(b), hammer(a)]);
    expect(await stored(grantId)).toEqual([
      { day: '2026-11-13', calls: 3 * calls, refused: 0 },
    ]);
  });

  it("sees another replica's calls after its flush: the overshoot is bounded by what was not yet flushed", async () => {
    now = new Date('2026-11-14T09:00:00Z');
    const a = await replica();
    const b = await replica();
    const { key } = await grantOn(daily(10), a);
    for (let i = 0; i < 6; i++) {
      expect((await a.authorize(key, { apiRef: PETS })).status).toBe(200);
    }
    await a.usage.flush();
    // b meets the grant for the first time: it reads a's 6 flushed calls.
    let allowedOnB = 0;
    for (let i = 0; i < 10; i++) {
      if ((await b.authorize(key, { apiRef: PETS })).status === 200)
        allowedOnB++;
    }
    expect(allowedOnB).toBe(4);
    // a has not re-read yet; after its next flush it sees b's calls too.
    await b.usage.flush();
    await a.usage.flush();
    expect((await a.authorize(key, { apiRef: PETS })).status).toBe(429);
  });
});
