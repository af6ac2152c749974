/*
 * Grants and history behind the permission framework (issue 10, findings 5,
 * 6 and the revocation part of 7): who sees which grant, paging, a policy's
 * CONDITIONAL and DENY, single-grant routes that never reveal a grant to a
 * non-party, revocation by the API's current owner, /audit through the
 * policy, and /audit/verify for admins only, incremental from signed
 * checkpoints, still catching tampering.
 */
import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import request from 'supertest';
import { apiAccessGrantReadPermission } from '@api-access/backstage-plugin-api-access-common';
import { insertApprovedGrant } from '../__testUtils__/grants';
import {
  apiAccessGrantConditions,
  createApiAccessGrantConditionalDecision,
} from './conditionExports';
import {
  TestPolicy,
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();

const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

describe.each(databases.eachSupportedId())(
  'grants and history behind the permission framework on %p',
  databaseId => {
    let server: any;
    let knex: Knex;
    let stop: () => Promise<void>;
    let policy: TestPolicy | undefined;
    let at = Date.parse('2031-01-01T00:00:00Z');

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: { apiAccess: { audit: { checkpointSecret: 'test-secret' } } },
        policy: (permission, user) => policy?.(permission, user),
        waitFor: [
          'api:default/pets',
          'api:default/plain',
          'api:default/invoices',
          'component:default/team-a-service',
          'component:default/team-c-service',
          'group:default/northwind',
          'user:default/admin.one',
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    afterEach(() => {
      policy = undefined;
    });

    /** A grant whose request recorded team-c as the API's owner at approval. */
    async function grant(options: {
      apiRef: string;
      consumerRef: string;
      requesterRef: string;
      environment?: string;
    }) {
      at += 60_000;
      const id = await insertApprovedGrant(knex, {
        createdAt: new Date(at),
        expiresAt: new Date(at + 365 * 86_400_000),
        ...options,
      });
      if (options.environment) {
        await knex('api_access_grants')
          .where({ id })
          .update({ environment: options.environment });
      }
      return id;
    }

    const list = (who: string, query: string) =>
      request(server)
        .get(`/api/api-access/grants?${query}`)
        .set('Authorization', as(who));
    const ids = (response: any) =>
      response.body.items.map((item: any) => item.id);

    it('shows a grant to exactly its parties and admins', async () => {
      // pets: team-c owns it; team-a-service: team-a owns it.
      const pets = await grant({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
      });
      // plain: user:owner.one owns it now; the request recorded team-c. The
      // consumer is a partner Group.
      const plain = await grant({
        apiRef: 'api:default/plain',
        consumerRef: 'group:default/northwind',
        requesterRef: 'user:default/partner.person',
      });

      for (const stranger of ['stranger', 'outsider', 'sec.one']) {
        const byApi = await list(stranger, 'apiRef=api:default/pets');
        expect(byApi.status).toBe(200);
        expect(byApi.body.items).toEqual([]);
        expect(
          (await list(stranger, 'ownerRef=group:default/team-c')).body.items,
        ).toEqual([]);
        expect(
          (await list(stranger, 'consumerRef=group:default/northwind')).body
            .items,
        ).toEqual([]);
      }

      // The requester, a member of the consumer's team, of the API's team.
      expect(ids(await list('requester', 'apiRef=api:default/pets'))).toEqual([
        pets,
      ]);
      expect(
        ids(
          await list(
            'consumer.member',
            'consumerRef=component:default/team-a-service',
          ),
        ),
      ).toContain(pets);
      expect(ids(await list('owner.two', 'apiRef=api:default/pets'))).toContain(
        pets,
      );
      // The partner's people see their Group's grant.
      expect(
        ids(
          await list('partner.person', 'consumerRef=group:default/northwind'),
        ),
      ).toEqual([plain]);
      // team-c was the owner at approval, but owner.one (a user) owns plain
      // now: team-c's other members no longer see it, owner.one does.
      const teamC = ids(
        await list('owner.two', 'ownerRef=group:default/team-c'),
      );
      expect(teamC).toContain(pets);
      expect(teamC).not.toContain(plain);
      expect(ids(await list('owner.one', 'apiRef=api:default/plain'))).toEqual([
        plain,
      ]);
      // Admins see every grant.
      const admin = ids(
        await list('admin.one', 'ownerRef=group:default/team-c'),
      );
      expect(admin).toEqual(expect.arrayContaining([pets, plain]));
      // Never the secret, only the prefix of a key (none issued here).
      expect(
        JSON.stringify(
          (await list('admin.one', 'apiRef=api:default/pets')).body,
        ),
      ).not.toMatch(/secret/i);
    });

    it('pages the list like /requests', async () => {
      const made = [];
      for (let i = 0; i < 3; i += 1) {
        made.push(
          await grant({
            apiRef: 'api:default/invoices',
            consumerRef: 'component:default/team-c-service',
            requesterRef: 'user:default/owner.sec',
          }),
        );
      }
      const first = await list(
        'owner.sec',
        'consumerRef=component:default/team-c-service&limit=2',
      );
      expect(first.status).toBe(200);
      expect(ids(first)).toEqual([made[2], made[1]]);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await list(
        'owner.sec',
        `consumerRef=component:default/team-c-service&limit=2&cursor=${encodeURIComponent(
          first.body.nextCursor,
        )}`,
      );
      expect(ids(second)).toEqual([made[0]]);
      expect(second.body.nextCursor).toBeUndefined();

      const tooMany = await list(
        'owner.sec',
        'consumerRef=component:default/team-c-service&limit=201',
      );
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.message).toMatch(/limit must be at most 200/);
      expect(
        (
          await list(
            'owner.sec',
            'consumerRef=component:default/team-c-service&cursor=nope',
          )
        ).status,
      ).toBe(400);
    });

    it("applies a policy's CONDITIONAL in SQL, and its DENY", async () => {
      const sandbox = await grant({
        apiRef: 'api:default/invoices',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
      });
      const production = await grant({
        apiRef: 'api:default/invoices',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
        environment: 'production',
      });
      // The newer grant is filtered out in SQL: a one-row page still holds
      // the older production grant instead of coming back empty.
      const newer = await grant({
        apiRef: 'api:default/invoices',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
      });
      // Built the way a policy author would, with the plugin's condition exports.
      policy = permission =>
        permission.name === 'api-access.grant.read'
          ? createApiAccessGrantConditionalDecision(
              apiAccessGrantReadPermission,
              apiAccessGrantConditions.hasGrantEnvironment({
                environments: ['production'],
              }),
            )
          : undefined;
      const page = await list(
        'requester',
        'apiRef=api:default/invoices&limit=1',
      );
      expect(ids(page)).toEqual([production]);
      // The condition AND the parties: a stranger still sees nothing.
      expect(
        (await list('stranger', 'apiRef=api:default/invoices')).body.items,
      ).toEqual([]);
      // A single read outside the condition is a 404.
      expect(
        (
          await request(server)
            .get(`/api/api-access/audit?subjectId=${sandbox}`)
            .set('Authorization', as('requester'))
        ).status,
      ).toBe(404);
      expect(newer).toBeDefined();

      policy = permission =>
        permission.name === 'api-access.grant.read'
          ? { result: AuthorizeResult.DENY }
          : undefined;
      const denied = await list('admin.one', 'apiRef=api:default/invoices');
      expect(denied.status).toBe(200);
      expect(denied.body.items).toEqual([]);
    });

    it('never reveals a grant to a non-party: 404 as for an unknown id', async () => {
      const id = await grant({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
      });
      const routes: Array<[string, (grantId: string) => string, object]> = [
        ['post', g => `/grants/${g}/revoke`, { reason: 'Not needed' }],
        ['post', g => `/grants/${g}/renew`, { durationDays: 30 }],
        ['post', g => `/grants/${g}/credentials`, { acceptTerms: '1' }],
        ['post', g => `/grants/${g}/provisioning/retry`, {}],
        [
          'post',
          g => `/grants/${g}/certificates`,
          { acceptTerms: '1', csr: 'x' },
        ],
        ['get', g => `/audit?subjectId=${g}`, {}],
      ];
      for (const [method, path, body] of routes) {
        // eslint-disable-next-line no-loop-func
        const call = (who: string, grantId: string) =>
          (request(server) as any)
            [method](`/api/api-access${path(grantId)}`)
            .set('Authorization', as(who))
            .send(body);
        const stranger = await call('stranger', id);
        const unknown = await call('stranger', 'g-unknown');
        expect([path(id), stranger.status]).toEqual([path(id), 404]);
        expect(stranger.body.error.message).toBe(`No grant '${id}'`);
        expect(unknown.status).toBe(404);
      }
      // A party who may not act on it is told so: the consumer's teammate.
      const teammate = await request(server)
        .post(`/api/api-access/grants/${id}/revoke`)
        .set('Authorization', as('consumer.member'))
        .send({ reason: 'Not needed' });
      expect(teammate.status).toBe(403);
    });

    it("lets the API's current owner revoke, not the owner recorded at approval", async () => {
      const id = await grant({
        apiRef: 'api:default/plain',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
      });
      // owner.two is in team-c, which the request recorded as the owner.
      const recorded = await request(server)
        .post(`/api/api-access/grants/${id}/revoke`)
        .set('Authorization', as('owner.two'))
        .send({ reason: 'Team-c no longer owns it' });
      expect(recorded.status).toBe(404);
      const current = await request(server)
        .post(`/api/api-access/grants/${id}/revoke`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'The owner now revokes it' });
      expect(current.status).toBe(200);
      expect(current.body).toMatchObject({
        status: 'revoked',
        revokedBy: 'user:default/owner.one',
      });
      // And an admin (by permission, no config list) may revoke any grant.
      const other = await grant({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/team-a-service',
        requesterRef: 'user:default/requester',
      });
      const byAdmin = await request(server)
        .post(`/api/api-access/grants/${other}/revoke`)
        .set('Authorization', as('admin.one'))
        .send({ reason: 'Incident 42' });
      expect(byAdmin.status).toBe(200);
    });

    it('reads a history only when the policy allows reading its request', async () => {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/team-a-service',
          environment: 'production',
          scopes: ['pets:read'],
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays: 30,
        });
      expect(created.status).toBe(201);
      const history = (who: string) =>
        request(server)
          .get(`/api/api-access/audit?subjectId=${created.body.id}`)
          .set('Authorization', as(who));
      expect((await history('requester')).status).toBe(200);
      // Admins read every request and its history; strangers none.
      expect((await history('admin.one')).status).toBe(200);
      expect(
        (
          await request(server)
            .get(`/api/api-access/requests/${created.body.id}`)
            .set('Authorization', as('admin.one'))
        ).status,
      ).toBe(200);
      expect((await history('stranger')).status).toBe(403);

      policy = permission =>
        permission.name === 'api-access.request.read'
          ? { result: AuthorizeResult.DENY }
          : undefined;
      const denied = await history('requester');
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toBe(
        'Permission api-access.request.read denied',
      );
    });

    it('verifies the chain for admins only, from signed checkpoints, and still finds tampering', async () => {
      const verify = (who = 'admin.one', query = '') =>
        request(server)
          .get(`/api/api-access/audit/verify${query}`)
          .set('Authorization', as(who));
      for (const who of ['requester', 'owner.one', 'stranger']) {
        const refused = await verify(who);
        expect(refused.status).toBe(403);
        expect(refused.body.error.message).toMatch(/api-access\.admin/);
      }

      const first = await verify();
      expect(first.status).toBe(200);
      expect(first.body.ok).toBe(true);
      const total = first.body.total;
      expect(total).toBeGreaterThan(0);
      // The second call starts at the checkpoint the first one left.
      const second = await verify();
      expect(second.body).toMatchObject({
        ok: true,
        checked: 0,
        fromCheckpoint: total,
        total,
      });

      // New events: only they are rehashed.
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: 'api:default/pets',
          consumerRef: 'component:default/team-a-service',
          environment: 'production',
          scopes: ['pets:read'],
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays: 30,
        });
      expect(created.status).toBe(201);
      const events = await knex('api_access_audit_events')
        .where({ request_id: created.body.id })
        .orderBy('seq');
      expect(events.length).toBeGreaterThan(0);

      // An event after the checkpoint, edited: found.
      const victim = events[0];
      await knex('api_access_audit_events')
        .where({ seq: victim.seq })
        .update({ actor_ref: 'user:default/someone.else' });
      const broken = await verify();
      expect(broken.body).toMatchObject({
        ok: false,
        fromCheckpoint: total,
        firstBroken: {
          seq: Number(victim.seq),
          reason: 'its content does not match its hash',
        },
      });
      await knex('api_access_audit_events')
        .where({ seq: victim.seq })
        .update({ actor_ref: victim.actor_ref });
      const repaired = await verify();
      expect(repaired.body).toMatchObject({
        ok: true,
        checked: events.length,
        fromCheckpoint: total,
      });

      // A checkpoint moved or forged: its signature no longer holds.
      const [checkpoint] = await knex('api_access_audit_checkpoints')
        .orderBy('seq', 'desc')
        .limit(1);
      await knex('api_access_audit_checkpoints')
        .where({ seq: checkpoint.seq })
        .update({ hash: 'f'.repeat(64) });
      const forged = await verify();
      expect(forged.body.ok).toBe(false);
      expect(forged.body.firstBroken.reason).toBe(
        `the checkpoint at event ${checkpoint.seq} has an invalid signature`,
      );
      await knex('api_access_audit_checkpoints')
        .where({ seq: checkpoint.seq })
        .update({ hash: checkpoint.hash });

      // A rewritten stretch before a checkpoint, hashes recomputed or not:
      // the checkpointed event or a full run finds it.
      const early = await knex('api_access_audit_events')
        .where('seq', '<', Number(checkpoint.seq))
        .orderBy('seq')
        .first();
      await knex('api_access_audit_events')
        .where({ seq: early.seq })
        .update({ details: '{"forged":true}' });
      const full = await verify('admin.one', '?full=true');
      expect(full.body).toMatchObject({
        ok: false,
        fromCheckpoint: 0,
        firstBroken: { seq: Number(early.seq) },
      });
      await knex('api_access_audit_events')
        .where({ seq: early.seq })
        .update({ details: early.details });
      expect((await verify()).body.ok).toBe(true);
    });
  },
);
