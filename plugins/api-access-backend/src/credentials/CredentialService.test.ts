/*
 * Time-dependent behaviour of API keys with a fake clock, on both databases:
 * the rotation overlap, expiry of the grant, the cache never outliving a key,
 * and last use written in a batch.
 */
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { parseReviewPolicy } from '@api-access/backstage-plugin-api-access-common';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { GrantStore } from '../grants/GrantStore';
import { LifecycleMarks } from '../lifecycle/LifecycleService';
import { AuditLog } from '../audit/AuditLog';
import { CredentialStore } from './CredentialStore';
import { CredentialService } from './CredentialService';
import { DecisionListener } from './DecisionBus';
import { insertApprovedGrant } from '../__testUtils__/grants';

const databases = createTestDatabases();
const HOUR = 60 * 60 * 1000;

describe.each(databases.eachSupportedId())(
  'CredentialService on %p',
  databaseId => {
    let now: Date;
    let service: CredentialService;
    let knex: any;
    const requester = {
      userEntityRef: 'user:default/requester',
      ownershipEntityRefs: ['user:default/requester'],
      credentials: mockCredentials.user('user:default/requester'),
    };

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@api-access/backstage-plugin-api-access-backend',
          'migrations',
        ),
        tableName: 'api_access_knex_migrations',
      });
      const policy = parseReviewPolicy({
        credentials: { rotationOverlapHours: 2, introspectionCacheSeconds: 60 },
      });
      service = new CredentialService({
        credentials: new CredentialStore(knex),
        grants: new GrantStore(knex, new LifecycleMarks(knex)),
        audit: new AuditLog(knex),
        config: policy,
        clock: () => now,
      });
    });

    function grant(expiresInHours: number) {
      return insertApprovedGrant(knex, {
        requesterRef: requester.userEntityRef,
        createdAt: new Date(now.getTime()),
        expiresAt: new Date(now.getTime() + expiresInHours * HOUR),
      });
    }

    it('keeps a rotated key working for the overlap, then stops it, cache or not', async () => {
      now = new Date('2026-11-01T10:00:00Z');
      const grantId = await grant(48);
      const first = await service.issue(grantId, '1', requester);
      expect((await service.introspect(first.secret)).active).toBe(true);

      now = new Date('2026-11-01T11:00:00Z');
      const second = await service.issue(grantId, '1', requester);
      expect(second.previousValidUntil).toBe('2026-11-01T13:00:00.000Z');
      expect((await service.introspect(first.secret)).active).toBe(true);
      expect((await service.introspect(second.secret)).active).toBe(true);

      // Cached 30 s before the overlap ends, asked again 31 s later: inside the
      // 60 s cache window but past the overlap, so the cache may not answer.
      now = new Date('2026-11-01T12:59:30Z');
      expect((await service.introspect(first.secret)).active).toBe(true);
      now = new Date('2026-11-01T13:00:01Z');
      expect((await service.introspect(first.secret)).active).toBe(false);
      expect((await service.introspect(second.secret)).active).toBe(true);
    });

    it('stops every key when the grant expires', async () => {
      now = new Date('2026-11-02T10:00:00Z');
      const grantId = await grant(1);
      const key = await service.issue(grantId, '1', requester);
      const answer = await service.introspect(key.secret);
      expect(answer.exp).toBe(
        Math.floor(Date.parse('2026-11-02T11:00:00Z') / 1000),
      );
      now = new Date('2026-11-02T11:00:00Z');
      expect((await service.introspect(key.secret)).active).toBe(false);
    });

    it('records last use in one batch, not per call', async () => {
      now = new Date('2026-11-03T10:00:00Z');
      const grantId = await grant(24);
      const key = await service.issue(grantId, '1', requester);
      for (let i = 0; i < 5; i++) {
        await service.introspect(key.secret);
      }
      const before = await knex('api_access_grants')
        .where({ id: grantId })
        .first();
      expect(before.last_used_at).toBeNull();
      await service.flushLastUses();
      const after = await knex('api_access_grants')
        .where({ id: grantId })
        .first();
      expect(new Date(after.last_used_at).toISOString()).toBe(
        '2026-11-03T10:00:00.000Z',
      );
    });
    it('writes a large batch of last uses in chunks, never moving one back', async () => {
      now = new Date('2026-11-04T10:00:00Z');
      const ids = [await grant(24), await grant(24), await grant(24)];
      await knex('api_access_grants')
        .where({ id: ids[2] })
        .update({ last_used_at: new Date('2026-11-04T12:00:00Z') });
      const uses = new Map<string, Date>();
      // Unknown ids fill the batch past two chunks of 500.
      for (let i = 0; i < 1100; i++) {
        uses.set(`unknown-${i}`, new Date('2026-11-04T10:00:00Z'));
      }
      uses.set(ids[0], new Date('2026-11-04T10:00:30Z'));
      uses.set(ids[1], new Date('2026-11-04T10:00:45Z'));
      uses.set(ids[2], new Date('2026-11-04T10:00:50Z'));
      await new GrantStore(knex, new LifecycleMarks(knex)).recordLastUse(uses);
      const rows = await knex('api_access_grants').whereIn('id', ids);
      const byId = Object.fromEntries(
        rows.map((r: any) => [r.id, new Date(r.last_used_at).toISOString()]),
      );
      // Stamped with the latest use of their chunk: late by seconds, not early.
      expect(byId[ids[0]]).toBe('2026-11-04T10:00:50.000Z');
      expect(byId[ids[1]]).toBe('2026-11-04T10:00:50.000Z');
      expect(byId[ids[2]]).toBe('2026-11-04T12:00:00.000Z');
    });

    it('lets exactly one of ten concurrent rotations win, leaving one active key', async () => {
      now = new Date('2026-11-05T10:00:00Z');
      const grantId = await grant(24);
      const first = await service.issue(grantId, '1', requester);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          service.issue(grantId, '1', requester),
        ),
      );
      const won = results.filter(r => r.status === 'fulfilled');
      const lost = results.filter(
        r => r.status === 'rejected',
      ) as PromiseRejectedResult[];
      // A rotation that starts after another committed sees the new key and
      // may win too (one after the other, as two clicks would); what must
      // never happen is two rotations replacing the same key. So: usually one
      // winner, every loser a 409, one active key, and a chain of superseded
      // keys one per winner.
      expect(won.length).toBeGreaterThanOrEqual(1);
      expect(won.length).toBeLessThan(10);
      for (const r of lost) expect(r.reason.name).toBe('ConflictError');
      const rows = await knex('api_access_credentials').where({
        grant_id: grantId,
      });
      expect(rows.filter((r: any) => r.status === 'active')).toHaveLength(1);
      expect(rows).toHaveLength(1 + won.length);
      expect(rows.map((r: any) => r.prefix)).toContain(first.prefix);
      const rotated = await knex('api_access_audit_events').where({
        subject_id: grantId,
        action: 'credential.rotated',
      });
      expect(rotated).toHaveLength(won.length);
    });

    it('lets exactly one of ten concurrent first issues win', async () => {
      now = new Date('2026-11-05T11:00:00Z');
      const grantId = await grant(24);
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          service.issue(grantId, '1', requester),
        ),
      );
      // As above: a later issue that saw the first key is a rotation of it.
      const won = results.filter(r => r.status === 'fulfilled');
      expect(won.length).toBeGreaterThanOrEqual(1);
      expect(won.length).toBeLessThan(10);
      const rows = await knex('api_access_credentials').where({
        grant_id: grantId,
      });
      expect(rows).toHaveLength(won.length);
      expect(rows.filter((r: any) => r.status === 'active')).toHaveLength(1);
    });

    it('keeps hot keys cached while unknown keys are sprayed, and evicts the least recently used', async () => {
      now = new Date('2026-11-06T10:00:00Z');
      const store = new CredentialStore(knex);
      const small = new CredentialService({
        credentials: store,
        grants: new GrantStore(knex, new LifecycleMarks(knex)),
        audit: new AuditLog(knex),
        config: parseReviewPolicy({
          credentials: {
            introspectionCacheSeconds: 60,
            introspectionCacheEntries: 2,
            introspectionNegativeCacheEntries: 3,
          },
        }),
        clock: () => now,
      });
      const [a, b, c] = [
        await small.issue(await grant(24), '1', requester),
        await small.issue(await grant(24), '1', requester),
        await small.issue(await grant(24), '1', requester),
      ];
      const lookups = jest.spyOn(store, 'findByHash');
      const dbCalls = async (fn: () => Promise<unknown>) => {
        lookups.mockClear();
        await fn();
        return lookups.mock.calls.length;
      };
      expect(await dbCalls(() => small.introspect(a.secret))).toBe(1);
      expect(await dbCalls(() => small.introspect(b.secret))).toBe(1);
      // A thousand unknown keys churn only the negative cache.
      expect(
        await dbCalls(async () => {
          for (let i = 0; i < 1000; i++) {
            expect((await small.introspect(`aak_spray_${i}`)).active).toBe(
              false,
            );
          }
        }),
      ).toBe(1000);
      expect(await dbCalls(() => small.introspect(a.secret))).toBe(0);
      expect(await dbCalls(() => small.introspect(b.secret))).toBe(0);
      // The latest unknown key is answered from the negative cache.
      expect(await dbCalls(() => small.introspect('aak_spray_999'))).toBe(0);
      // LRU: a was used after b, so a third active key evicts b, not a.
      await small.introspect(a.secret);
      expect(await dbCalls(() => small.introspect(c.secret))).toBe(1);
      expect(await dbCalls(() => small.introspect(a.secret))).toBe(0);
      expect(await dbCalls(() => small.introspect(b.secret))).toBe(1);
      lookups.mockRestore();
    }, 60_000);

    it('tells the gateway how long it may cache a decision, never past the grant', async () => {
      now = new Date('2026-11-07T10:00:00Z');
      const target = { apiRef: 'api:default/pets', scope: 'pets:read' };
      const withTtl = (seconds: number, negative: number) =>
        new CredentialService({
          credentials: new CredentialStore(knex),
          grants: new GrantStore(knex, new LifecycleMarks(knex)),
          audit: new AuditLog(knex),
          config: parseReviewPolicy({
            gateway: {
              decisionCacheSeconds: seconds,
              negativeDecisionCacheSeconds: negative,
            },
          }),
          clock: () => now,
        });
      const defaults = withTtl(1, 1);
      const { secret } = await defaults.issue(await grant(24), '1', requester);
      expect(await defaults.authorize(secret, target)).toMatchObject({
        status: 200,
        cacheSeconds: 1,
      });
      const longer = withTtl(30, 2);
      // A long time loses up to a third at random, so expiries spread.
      const times = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const answer = await longer.authorize(secret, target);
        expect(answer.status).toBe(200);
        times.add(answer.cacheSeconds);
      }
      expect(Math.min(...times)).toBeGreaterThanOrEqual(20);
      expect(Math.max(...times)).toBeLessThanOrEqual(30);
      expect(times.size).toBeGreaterThan(1);
      // Refusals get the negative time, whatever the reason.
      for (const [token, t] of [
        [undefined, target],
        ['aak_unknown', target],
        [secret, { apiRef: 'api:default/invoices' }],
        [secret, { ...target, scope: 'pets:write' }],
      ] as const) {
        expect((await longer.authorize(token, t)).cacheSeconds).toBe(2);
      }
      // 0 means no caching at all.
      expect((await withTtl(0, 0).authorize(secret, target)).cacheSeconds).toBe(
        0,
      );
      // A grant ending in 10 s may be cached 10 s at most; in under a second, not at all.
      const ending = await defaults.issue(
        await grant(10 / 3600),
        '1',
        requester,
      );
      expect((await longer.authorize(ending.secret, target)).cacheSeconds).toBe(
        10,
      );
      now = new Date(now.getTime() + 9_500);
      expect((await longer.authorize(ending.secret, target)).cacheSeconds).toBe(
        0,
      );
    });

    it('serves nothing cached while it may have missed a revocation elsewhere', async () => {
      now = new Date('2026-11-08T10:00:00Z');
      const store = new CredentialStore(knex);
      let listener: DecisionListener | undefined;
      const bus = {
        live: true,
        publish: jest.fn(async (id: string) => listener?.grant(id)),
        start: async (l: DecisionListener) => {
          listener = l;
        },
        stop: async () => undefined,
      };
      const replica = new CredentialService({
        credentials: store,
        grants: new GrantStore(knex, new LifecycleMarks(knex)),
        audit: new AuditLog(knex),
        config: parseReviewPolicy({
          credentials: { introspectionCacheSeconds: 60 },
        }),
        clock: () => now,
        bus,
      });
      await replica.start();
      const grantId = await grant(24);
      const { secret } = await replica.issue(grantId, '1', requester);
      const lookups = jest.spyOn(store, 'findByHash');
      await replica.introspect(secret);
      await replica.introspect(secret);
      expect(lookups).toHaveBeenCalledTimes(1);

      // Listening connection down: every call reads the database.
      bus.live = false;
      await replica.introspect(secret);
      await replica.introspect(secret);
      expect(lookups).toHaveBeenCalledTimes(3);

      // Back: the bus drops everything, then caching resumes.
      bus.live = true;
      listener!.all();
      await replica.introspect(secret);
      await replica.introspect(secret);
      expect(lookups).toHaveBeenCalledTimes(4);

      // Another replica's revocation arrives as a message: the next call asks.
      listener!.grant(grantId);
      await replica.introspect(secret);
      expect(lookups).toHaveBeenCalledTimes(5);

      // An answer read before a drop and returned after it is not cached.
      let release!: () => void;
      lookups.mockImplementationOnce(async hash => {
        await new Promise<void>(r => {
          release = r;
        });
        return CredentialStore.prototype.findByHash.call(store, hash);
      });
      listener!.grant(grantId);
      const inFlight = replica.introspect(secret);
      await new Promise(r => setImmediate(r));
      listener!.grant(grantId);
      release();
      expect((await inFlight).active).toBe(true);
      await replica.introspect(secret);
      expect(lookups).toHaveBeenCalledTimes(7);

      // Rotation and revocation publish through the bus for the others.
      await replica.issue(grantId, '1', requester);
      expect(bus.publish).toHaveBeenCalledWith(grantId);
      lookups.mockRestore();
    });
  },
);
