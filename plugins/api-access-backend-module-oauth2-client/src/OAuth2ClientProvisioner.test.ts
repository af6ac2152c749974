/*
 * The provisioner and the type against the real development identity
 * provider (oidc-provider in a child process), through the fault proxy, on
 * SQLite and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProvisioningError } from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import { CLIENTS_TABLE } from './ClientStore';
import {
  createModuleParts,
  createTestDatabases,
  fetchToken,
  makeGrant,
  makeTask,
  startIdentityProvider,
} from './__testUtils__/moduleHarness';
import { fault } from './__testUtils__/faultProxy';
import { oauth2LookupHash } from './lookupHash';
import { parseRetryAfter } from './RegistrationClient';

jest.setTimeout(60_000);

const databases = createTestDatabases();

type Idp = Awaited<ReturnType<typeof startIdentityProvider>>;

function issueContext(
  grant: ReturnType<typeof makeGrant>,
  previous: Array<{ id: string; publicId: string; createdAt: string }> = [],
) {
  return {
    grant,
    previous,
    credentialId: randomUUID(),
    rotationOverlapHours: 24,
    now: new Date(),
    signal: new AbortController().signal,
  };
}

describe.each(databases.eachSupportedId())(
  'OAuth2ClientProvisioner on %p',
  databaseId => {
    let idp: Idp;
    let knex: Knex;

    beforeAll(async () => {
      idp = await startIdentityProvider();
      knex = await databases.init(databaseId);
    });

    afterAll(async () => {
      await idp?.stop();
    });

    afterEach(() => idp.proxy.reset());

    async function rowsOf(grantId: string) {
      return knex(CLIENTS_TABLE)
        .where({ grant_id: grantId })
        .orderBy('created_at');
    }

    async function setup() {
      return createModuleParts({
        knex,
        provider: idp.provider,
        proxy: idp.proxy,
      });
    }

    it('registers, issues once, updates, rotates, retires and revokes at the provider', async () => {
      const parts = await setup();
      const grant = makeGrant();

      // Approval: provision registers the client.
      const result = await parts.provisioner.provision(makeTask(grant));
      let rows = await rowsOf(grant.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        status: 'registered',
        client_id: result.reference,
        rat_key_id: 'k1',
      });
      expect(rows[0].registration_access_token).toMatch(/^v1\.k1\./);
      expect(JSON.parse(rows[0].scopes)).toEqual(['pets:read']);

      // The provider has it, with the grant in its name and metadata.
      const remote = await parts.provisioner.readClient(
        (
          await parts.store.liveForGrant(grant.id)
        )[0],
      );
      expect(remote.metadata).toMatchObject({
        scope: 'pets:read',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        api_access_resource: 'urn:api-access:api:default:petstore',
        api_access_grant: grant.id,
      });
      expect(String(remote.metadata.client_name)).toContain(grant.id);

      // Provisioning again with nothing changed calls nothing.
      idp.proxy.reset();
      await parts.provisioner.provision(makeTask(grant));
      expect(idp.proxy.hits('/reg')).toBe(0);
      expect(idp.proxy.hits('/reg/:id')).toBe(0);

      // First issue: the secret is read from the provider and works there.
      const ctx = issueContext(grant);
      const prepared = await parts.type.issue(ctx);
      const clientId = String(result.reference);
      expect(prepared.publicId).toBe(clientId);
      expect(prepared.lookupHash).toBe(
        oauth2LookupHash(idp.provider.issuer, clientId),
      );
      expect(prepared.shownOnce).toMatchObject({
        clientId,
        clientSecret: expect.any(String),
        tokenEndpoint: `${idp.proxy.url}/token`,
        scopes: ['pets:read'],
        audience: 'urn:api-access:api:default:petstore',
        issuer: idp.provider.issuer,
      });
      expect(prepared.auditDetails).toEqual({
        clientId,
        issuer: idp.provider.issuer,
        scopes: ['pets:read'],
      });
      expect(JSON.stringify(prepared.auditDetails)).not.toContain(
        String(prepared.shownOnce.clientSecret),
      );
      const secret = String(prepared.shownOnce.clientSecret);
      const token = await fetchToken(idp.provider, clientId, secret);
      expect(token.status).toBe(200);
      expect(String(token.body.access_token).split('.')).toHaveLength(3);
      rows = await rowsOf(grant.id);
      expect(rows[0]).toMatchObject({
        status: 'issued',
        credential_id: ctx.credentialId,
      });

      // A plan change / renewal: GET + PUT with the new scopes and expiry.
      const widened = {
        ...grant,
        scopes: ['pets:read', 'pets:write'],
        expiresAt: new Date(Date.now() + 180 * 86400_000).toISOString(),
      };
      idp.proxy.reset();
      await parts.provisioner.provision(makeTask(widened));
      expect(idp.proxy.hits('/reg/:id')).toBe(2);
      const updated = await parts.provisioner.readClient(
        (
          await parts.store.liveForGrant(grant.id)
        )[0],
      );
      expect(updated.metadata.scope).toBe('pets:read pets:write');
      expect(updated.metadata.api_access_expires_at).toBe(widened.expiresAt);
      expect(updated.clientSecret).toBe(secret);
      expect(
        (await fetchToken(idp.provider, clientId, secret, 'pets:write')).status,
      ).toBe(200);

      // Rotation: a new client at once, the old one retiring.
      const rotation = issueContext(widened, [
        { id: ctx.credentialId, publicId: clientId, createdAt: '' },
      ]);
      const rotated = await parts.type.issue(rotation);
      expect(rotated.retireSuperseded).toBe(true);
      const newId = rotated.publicId;
      const newSecret = String(rotated.shownOnce.clientSecret);
      expect(newId).not.toBe(clientId);
      expect(rotated.shownOnce.scopes).toEqual(['pets:read', 'pets:write']);
      rows = await rowsOf(grant.id);
      expect(rows.map(r => [r.client_id, r.status])).toEqual([
        [clientId, 'retiring'],
        [newId, 'issued'],
      ]);
      expect((await fetchToken(idp.provider, clientId, secret)).status).toBe(
        200,
      );
      expect((await fetchToken(idp.provider, newId, newSecret)).status).toBe(
        200,
      );

      // The end of the overlap: retire deletes the old client only.
      await parts.provisioner.retire(
        makeTask(widened, 'retire', {
          credential: { id: ctx.credentialId, type: 'oauth2-client' },
        }),
      );
      expect((await fetchToken(idp.provider, clientId, secret)).status).toBe(
        401,
      );
      expect((await fetchToken(idp.provider, newId, newSecret)).status).toBe(
        200,
      );
      rows = await rowsOf(grant.id);
      expect(rows[0]).toMatchObject({
        status: 'deleted',
        registration_access_token: null,
      });

      // Revocation deletes the rest.
      const revoked = await parts.provisioner.revoke(
        makeTask(widened, 'revoke'),
      );
      expect(revoked.reference).toBe('1 client deleted');
      expect((await fetchToken(idp.provider, newId, newSecret)).status).toBe(
        401,
      );
      rows = await rowsOf(grant.id);
      expect(rows.map(r => r.status)).toEqual(['deleted', 'deleted']);
      // A second revoke (a retry) is harmless.
      await expect(
        parts.provisioner.revoke(makeTask(widened, 'revoke')),
      ).resolves.toEqual({ reference: '0 clients deleted' });
    });

    it('answers 409 at issue until the client is registered', async () => {
      const parts = await setup();
      await expect(
        parts.type.issue(issueContext(makeGrant())),
      ).rejects.toMatchObject({ name: 'ConflictError' });
    });

    it('rolls back a rotation the core could not store: the new client is deleted, the old one issued again', async () => {
      const parts = await setup();
      const grant = makeGrant();
      await parts.provisioner.provision(makeTask(grant));
      const first = issueContext(grant);
      const issued = await parts.type.issue(first);
      const rotated = await parts.type.issue(
        issueContext(grant, [
          { id: first.credentialId, publicId: issued.publicId, createdAt: '' },
        ]),
      );
      await rotated.rollback!();
      const rows = await rowsOf(grant.id);
      expect(rows.map(r => [r.client_id, r.status])).toEqual([
        [issued.publicId, 'issued'],
        [rotated.publicId, 'deleted'],
      ]);
      expect(
        (
          await fetchToken(
            idp.provider,
            rotated.publicId,
            String(rotated.shownOnce.clientSecret),
          )
        ).status,
      ).toBe(401);
    });

    it('a rolled-back rotation whose delete fails is orphaned, and the sweep deletes it later', async () => {
      const parts = await setup();
      const grant = makeGrant();
      await parts.provisioner.provision(makeTask(grant));
      const first = issueContext(grant);
      const issued = await parts.type.issue(first);
      const rotated = await parts.type.issue(
        issueContext(grant, [
          { id: first.credentialId, publicId: issued.publicId, createdAt: '' },
        ]),
      );
      idp.proxy.set('/reg/:id', fault.status(503));
      await rotated.rollback!();
      let rows = await rowsOf(grant.id);
      expect(rows.map(r => [r.client_id, r.status])).toEqual([
        [issued.publicId, 'issued'],
        [rotated.publicId, 'orphaned'],
      ]);
      expect(rows[1].last_error).toContain(
        'answered 503 to the client deletion',
      );
      // The orphan still gets tokens until the sweep deletes it.
      const secret = String(rotated.shownOnce.clientSecret);
      expect(
        (await fetchToken(idp.provider, rotated.publicId, secret)).status,
      ).toBe(200);
      await expect(parts.sweep()).resolves.toMatchObject({ orphansDeleted: 0 });
      idp.proxy.reset();
      await expect(parts.sweep()).resolves.toMatchObject({ orphansDeleted: 1 });
      rows = await rowsOf(grant.id);
      expect(rows[1].status).toBe('deleted');
      expect(
        (await fetchToken(idp.provider, rotated.publicId, secret)).status,
      ).toBe(401);
    });

    it('a registration answered after the grant was revoked deletes its client again', async () => {
      const parts = await setup();
      const grant = makeGrant();
      idp.proxy.set('/reg', fault.slow(500), { times: 1 });
      const provisioning = parts.provisioner.provision(makeTask(grant)).then(
        () => undefined,
        e => e,
      );
      await new Promise(r => setTimeout(r, 200));
      await parts.provisioner.revoke(makeTask(grant, 'revoke'));
      const error = await provisioning;
      expect(error?.message).toMatch(
        /^the registration of client \S+ was answered after its attempt was given up \(the grant was revoked meanwhile\); the client was deleted again$/,
      );
      const rows = await rowsOf(grant.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        status: 'deleted',
        registration_access_token: null,
      });
      expect(rows[0].client_id).toEqual(expect.any(String));
    });

    describe('faults at registration', () => {
      async function expectFailure(
        grant: ReturnType<typeof makeGrant>,
        parts: Awaited<ReturnType<typeof setup>>,
        message: string | RegExp,
      ) {
        const error = await parts.provisioner.provision(makeTask(grant)).then(
          () => undefined,
          e => e,
        );
        expect(error).toBeInstanceOf(ProvisioningError);
        expect(error.message).toMatch(message);
        const rows = await rowsOf(grant.id);
        expect(rows.filter(r => r.status === 'registered')).toEqual([]);
        expect(rows.filter(r => r.registration_access_token)).toEqual([]);
        return { error, rows };
      }

      async function expectRecovers(
        grant: ReturnType<typeof makeGrant>,
        parts: Awaited<ReturnType<typeof setup>>,
      ) {
        idp.proxy.reset();
        const result = await parts.provisioner.provision(makeTask(grant));
        const rows = await rowsOf(grant.id);
        const registered = rows.filter(r => r.status === 'registered');
        expect(registered).toHaveLength(1);
        expect(registered[0].client_id).toBe(result.reference);
        return rows;
      }

      it('the provider is down (nothing listens): no row, then registers', async () => {
        const closedPort = await new Promise<number>(resolve => {
          const server = createServer().listen(0, '127.0.0.1', () => {
            const { port } = server.address() as AddressInfo;
            server.close(() => resolve(port));
          });
        });
        const parts = await createModuleParts({
          knex,
          provider: idp.provider,
          proxy: idp.proxy,
          overrides: {
            registrationEndpoint: `http://127.0.0.1:${closedPort}/reg`,
            tokenEndpoint: `${idp.proxy.url}/token`,
            jwksUri: `${idp.proxy.url}/jwks`,
          },
        });
        const grant = makeGrant();
        const { rows } = await expectFailure(
          grant,
          parts,
          'the identity provider could not be reached for the client registration (ECONNREFUSED)',
        );
        expect(rows).toEqual([]);
        const working = await setup();
        await expectRecovers(grant, working);
      });

      it('discovery fails: named, nothing written, and read again on the next attempt', async () => {
        const parts = await setup();
        const grant = makeGrant();
        idp.proxy.set('/.well-known/*', fault.status(503));
        const { rows } = await expectFailure(
          grant,
          parts,
          /^the identity provider's discovery document could not be read \(http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration answered 503\)$/,
        );
        expect(rows).toEqual([]);
        await expectRecovers(grant, parts);
        // Cached from then on: the next grant does not read it again.
        idp.proxy.reset();
        await parts.provisioner.provision(makeTask(makeGrant()));
        expect(idp.proxy.hits('/.well-known/*')).toBe(0);
      });

      it('the connection drops: the attempt is orphaned (its outcome is unknown), then a new client', async () => {
        const parts = await setup();
        const grant = makeGrant();
        idp.proxy.set('/reg', fault.down());
        const { rows } = await expectFailure(
          grant,
          parts,
          /the identity provider could not be reached for the client registration/,
        );
        expect(rows.map(r => r.status)).toEqual(['orphaned']);
        const after = await expectRecovers(grant, parts);
        expect(after.map(r => r.status)).toEqual(['orphaned', 'registered']);
      });

      it('the provider is slower than timeoutSeconds: orphaned with the reason, then a new client', async () => {
        const parts = await setup();
        const grant = makeGrant();
        idp.proxy.set('/reg', fault.slow(2500), { times: 1 });
        const { rows } = await expectFailure(
          grant,
          parts,
          'the identity provider did not answer the client registration within 1 s',
        );
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({
          status: 'orphaned',
          last_error:
            'the identity provider did not answer the client registration within 1 s',
        });
        await expectRecovers(grant, parts);
      });

      it.each([
        [
          500,
          undefined,
          'the identity provider answered 500 to the client registration',
        ],
        [
          503,
          30,
          'the identity provider answered 503 to the client registration: temporarily_unavailable: maintenance; retry after 30 s',
        ],
      ])(
        'the provider answers %p: nothing is kept, Retry-After is passed on',
        async (code, retryAfter, message) => {
          const parts = await setup();
          const grant = makeGrant();
          idp.proxy.set(
            '/reg',
            fault.status(
              code,
              code === 503
                ? {
                    error: 'temporarily_unavailable',
                    error_description: 'maintenance',
                  }
                : 'Internal Server Error',
              retryAfter,
            ),
          );
          const { error, rows } = await expectFailure(grant, parts, message);
          expect(error.message).toBe(message);
          expect(error.retryAfterSeconds).toBe(retryAfter);
          expect(rows).toEqual([]);
          await expectRecovers(grant, parts);
        },
      );

      it('the provider rejects the scopes (its real 400 invalid_client_metadata)', async () => {
        const parts = await setup();
        const grant = makeGrant({ scopes: ['pets:read', 'pets:delete'] });
        const { error, rows } = await expectFailure(
          grant,
          parts,
          /^the identity provider answered 400 to the client registration: invalid_client_metadata: .*scope/,
        );
        expect(error.message.length).toBeLessThan(300);
        expect(rows).toEqual([]);
        // It stays refused until the grant's scopes change (a plan change).
        await expectFailure(grant, parts, /invalid_client_metadata/);
        await expectRecovers({ ...grant, scopes: ['pets:read'] }, parts);
      });

      it('the provider answers malformed JSON: named, orphaned, then a new client', async () => {
        const parts = await setup();
        const grant = makeGrant();
        idp.proxy.set('/reg', fault.malformedJson(), { times: 1 });
        const { rows } = await expectFailure(
          grant,
          parts,
          'the identity provider answered 201 to the client registration with a body that is not JSON',
        );
        expect(rows.map(r => r.status)).toEqual(['orphaned']);
        await expectRecovers(grant, parts);
      });

      it('a 2xx without a client_id or registration_access_token is named', async () => {
        const parts = await setup();
        const grant = makeGrant();
        idp.proxy.set('/reg', fault.status(201, { client_secret: 'x' }), {
          times: 1,
        });
        await expectFailure(
          grant,
          parts,
          'the identity provider answered 201 to the client registration without a client_id',
        );
        idp.proxy.set('/reg', fault.status(201, { client_id: 'abc' }), {
          times: 1,
        });
        const { rows } = await expectFailure(
          grant,
          parts,
          'the identity provider answered the client registration without a registration_access_token',
        );
        expect(rows.map(r => [r.status, r.client_id])).toEqual([
          ['orphaned', null],
          ['orphaned', 'abc'],
        ]);
        await expectRecovers(grant, parts);
      });

      it('a refused initial access token is named without the token', async () => {
        const parts = await createModuleParts({
          knex,
          provider: idp.provider,
          proxy: idp.proxy,
          overrides: { initialAccessToken: 'wrong-initial-access-token' },
        });
        const { error } = await expectFailure(
          makeGrant(),
          parts,
          /^the identity provider answered 401 to the client registration: invalid_token.*check apiAccess.oauth2Client.initialAccessToken/,
        );
        expect(error.message).not.toContain('wrong-initial-access-token');
      });
    });

    describe('faults at management', () => {
      it('an update that fails keeps the old metadata hash, and is retried', async () => {
        const parts = await setup();
        const grant = makeGrant();
        await parts.provisioner.provision(makeTask(grant));
        const before = (await rowsOf(grant.id))[0];
        idp.proxy.set('/reg/:id', fault.status(503, undefined, 5));
        const narrowed = {
          ...grant,
          scopes: ['pets:read'],
          expiresAt: new Date(Date.now() + 86400_000).toISOString(),
        };
        await expect(
          parts.provisioner.provision(makeTask(narrowed)),
        ).rejects.toMatchObject({
          message:
            'the identity provider answered 503 to the client read; retry after 5 s',
          retryAfterSeconds: 5,
        });
        expect((await rowsOf(grant.id))[0].metadata_hash).toBe(
          before.metadata_hash,
        );
        idp.proxy.reset();
        await parts.provisioner.provision(makeTask(narrowed));
        expect((await rowsOf(grant.id))[0].metadata_hash).not.toBe(
          before.metadata_hash,
        );
      });

      it('a revoke that fails leaves the clients to delete, and succeeds once the fault clears', async () => {
        const parts = await setup();
        const grant = makeGrant();
        await parts.provisioner.provision(makeTask(grant));
        idp.proxy.set('/reg/:id', fault.slow(2500), { times: 1 });
        await expect(
          parts.provisioner.revoke(makeTask(grant, 'revoke')),
        ).rejects.toThrow(
          'the identity provider did not answer the client deletion within 1 s',
        );
        expect((await rowsOf(grant.id))[0].status).toBe('registered');
        idp.proxy.reset();
        await parts.provisioner.revoke(makeTask(grant, 'revoke'));
        expect((await rowsOf(grant.id))[0].status).toBe('deleted');
      });

      it('a client the provider no longer knows counts as deleted', async () => {
        const parts = await setup();
        const grant = makeGrant();
        await parts.provisioner.provision(makeTask(grant));
        idp.proxy.set('/reg/:id', fault.status(404));
        await parts.provisioner.revoke(makeTask(grant, 'revoke'));
        expect((await rowsOf(grant.id))[0].status).toBe('deleted');
      });

      it('a refused registration access token is named', async () => {
        const parts = await setup();
        const grant = makeGrant();
        await parts.provisioner.provision(makeTask(grant));
        idp.proxy.set(
          '/reg/:id',
          fault.status(401, { error: 'invalid_token' }),
        );
        await expect(
          parts.provisioner.revoke(makeTask(grant, 'revoke')),
        ).rejects.toThrow(
          'the identity provider answered 401 to the client deletion: invalid_token (the identity provider refused the registration access token)',
        );
      });
    });
  },
);

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores the rest', () => {
    const now = Date.parse('2026-12-03T08:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Thu, 03 Dec 2026 08:02:00 GMT', now)).toBe(120);
    expect(
      parseRetryAfter('Thu, 03 Dec 2026 07:00:00 GMT', now),
    ).toBeUndefined();
    expect(parseRetryAfter('0', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
