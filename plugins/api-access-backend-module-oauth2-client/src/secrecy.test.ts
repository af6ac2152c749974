/*
 * The proof that no client secret, registration access token or initial
 * access token is kept in clear: the whole life of a client (register,
 * update, issue, rotate, retire, a refused call, a key rotation, revoke)
 * against a provider that rotates the registration access token on every
 * update, then every api_access_% table (SELECT *) and every logged line
 * are searched for each secret the provider ever answered.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { CLIENTS_TABLE } from './ClientStore';
import {
  IAT,
  createModuleParts,
  createTestDatabases,
  dumpApiAccessTables,
  encodingsOf,
  fetchToken,
  makeGrant,
  makeTask,
  recordingLogger,
  secretCollectingFetch,
  startIdentityProvider,
} from './__testUtils__/moduleHarness';
import { fault } from './__testUtils__/faultProxy';

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe.each(databases.eachSupportedId())('secrecy on %p', databaseId => {
  let idp: Awaited<ReturnType<typeof startIdentityProvider>>;
  let knex: Knex;

  beforeAll(async () => {
    idp = await startIdentityProvider({ rotateRat: true });
    knex = await databases.init(databaseId);
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('keeps no secret in clear in the database or the logs', async () => {
    const logger = recordingLogger();
    const collector = secretCollectingFetch();
    const k1 = randomBytes(32).toString('base64');
    const k2 = randomBytes(32).toString('base64');
    const errors: string[] = [];
    const parts = await createModuleParts({
      knex,
      provider: idp.provider,
      proxy: idp.proxy,
      logger,
      fetch: collector.fetch,
      overrides: { encryption: { keys: [{ id: 'k1', secret: k1 }] } },
    });
    const grant = makeGrant();
    const ctx = (previous: Array<{ id: string; publicId: string }> = []) => ({
      grant,
      previous: previous.map(p => ({ ...p, createdAt: '' })),
      credentialId: randomUUID(),
      rotationOverlapHours: 24,
      now: new Date(),
      signal: new AbortController().signal,
    });
    const sealedRat = async () =>
      (await knex(CLIENTS_TABLE).where({ grant_id: grant.id }).first())
        .registration_access_token as string;

    // Register, then an update (the provider rotates the RAT: it is kept).
    await parts.provisioner.provision(makeTask(grant));
    const ratBefore = await sealedRat();
    const widened = { ...grant, scopes: ['pets:read', 'pets:write'] };
    await parts.provisioner.provision(makeTask(widened));
    expect(await sealedRat()).not.toBe(ratBefore);

    // A refused call's reason is kept on the task: it must name no secret.
    idp.proxy.set(
      '/reg/:id',
      fault.status(400, {
        error: 'invalid_request',
        error_description: `echoing ${IAT} back`,
      }),
      { times: 1 },
    );
    await parts.provisioner
      .provision(makeTask({ ...widened, scopes: ['pets:read'] }))
      .catch(e => errors.push(e.message));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('[redacted]');

    // Issue, rotate, retire.
    const first = ctx();
    const issued = await parts.type.issue({ ...first, grant: widened });
    const rotated = await parts.type.issue({
      ...ctx([{ id: first.credentialId, publicId: issued.publicId }]),
      grant: widened,
    });
    for (const shown of [issued, rotated]) {
      expect(
        (
          await fetchToken(
            idp.provider,
            shown.publicId,
            String(shown.shownOnce.clientSecret),
          )
        ).status,
      ).toBe(200);
    }
    await parts.provisioner.retire(
      makeTask(widened, 'retire', {
        credential: { id: first.credentialId, type: 'oauth2-client' },
      }),
    );

    // A new key first: the sweep re-seals every token under it.
    const rekeyed = await createModuleParts({
      knex,
      provider: idp.provider,
      proxy: idp.proxy,
      logger,
      fetch: collector.fetch,
      overrides: {
        encryption: {
          keys: [
            { id: 'k2', secret: k2 },
            { id: 'k1', secret: k1 },
          ],
        },
      },
    });
    const sweep = await rekeyed.sweep();
    expect(sweep).toMatchObject({ failed: 0, remaining: 0 });
    expect(sweep.resealed).toBeGreaterThan(0);
    const live = await knex(CLIENTS_TABLE)
      .where({ grant_id: grant.id })
      .whereNotNull('registration_access_token');
    expect(live.map(r => r.rat_key_id)).toEqual(['k2']);
    expect(live[0].registration_access_token).toMatch(/^v1\.k2\./);

    // Revoke with the new ring: the re-sealed token still manages the client.
    await rekeyed.provisioner.revoke(makeTask(widened, 'revoke'));
    expect(
      (
        await fetchToken(
          idp.provider,
          rotated.publicId,
          String(rotated.shownOnce.clientSecret),
        )
      ).status,
    ).toBe(401);

    // What was there to hide: both clients' secrets, every RAT, the IAT.
    const secrets = [...collector.secrets, IAT];
    expect(collector.secrets.size).toBeGreaterThanOrEqual(5);
    expect(secrets).toContain(String(issued.shownOnce.clientSecret));
    expect(secrets).toContain(String(rotated.shownOnce.clientSecret));

    const tables = await dumpApiAccessTables(knex);
    expect(tables).toContain(CLIENTS_TABLE);
    expect(tables).toContain(issued.publicId);
    const logs = logger.lines.join('\n');
    expect(logs).toContain(issued.publicId);
    const auditDetails = JSON.stringify([
      issued.auditDetails,
      rotated.auditDetails,
    ]);
    for (const secret of secrets) {
      for (const form of encodingsOf(secret)) {
        expect(tables).not.toContain(form);
        expect(logs).not.toContain(form);
        expect(errors.join('\n')).not.toContain(form);
        expect(auditDetails).not.toContain(form);
      }
    }
    for (const key of [k1, k2]) {
      expect(tables).not.toContain(key);
      expect(logs).not.toContain(key);
    }
  });
});
