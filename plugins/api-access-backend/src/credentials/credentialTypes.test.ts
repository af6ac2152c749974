/*
 * Credential types from a backend module, on SQLite and PostgreSQL: a test
 * type added through the real extension point is listed and requestable,
 * its credential is refused until its provisioner has set the grant up,
 * issued once (what it shows once is stored, logged and recorded nowhere),
 * rotated (the old one superseded, its remote removal queued for the end of
 * the overlap), and undone remotely when the core cannot store it. Types
 * that are unknown or not offered are refused by name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  ApiAccessCredentialType,
  ApiAccessProvisioner,
  CredentialIssueContext,
  PreparedCredential,
  ProvisioningError,
  ProvisioningTask,
  apiAccessCredentialTypesExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import request from 'supertest';
import {
  TEST_ADMIN,
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';

const databases = createTestDatabases();
const as = (ref: string) =>
  mockCredentials.user.header(
    ref.startsWith('user:') ? ref : `user:default/${ref}`,
  );
const sha256 = (text: string) =>
  createHash('sha256').update(text).digest('hex');

/** The module's type: an in-process stand-in for an identity provider's clients. */
class TestClientType implements ApiAccessCredentialType {
  readonly id = 'test-client';
  readonly title = 'Test client';
  readonly description = 'A client registered at the test identity provider.';
  readonly presentation = 'api-key' as const;
  offered = true;
  /** Until true, the provisioner fails with a reason. */
  provisionWorks = false;
  /** Secrets handed out, to search for everywhere afterwards. */
  readonly secrets: string[] = [];
  readonly rollbacks: string[] = [];
  readonly retired: ProvisioningTask[] = [];
  readonly issued: CredentialIssueContext[] = [];
  /** When set, the next issue reuses this lookup hash (the insert then fails). */
  collideWith?: string;

  availability() {
    return this.offered
      ? ({ offered: true } as const)
      : ({
          offered: false,
          reason: 'the test identity provider is unreachable',
        } as const);
  }

  readonly provisioner: ApiAccessProvisioner = {
    id: 'test-idp',
    // The registry narrows this to the type's own grants.
    provision: async () => {
      if (!this.provisionWorks) {
        throw new ProvisioningError('registration endpoint answered 503');
      }
      return { reference: 'registered' };
    },
    rotate: async () => undefined,
    revoke: async () => undefined,
    retire: async task => {
      this.retired.push(task);
    },
  };

  async issue(ctx: CredentialIssueContext): Promise<PreparedCredential> {
    this.issued.push(ctx);
    const clientId = `client-${ctx.credentialId}`;
    const clientSecret = `tcs_${randomBytes(24).toString('base64url')}`;
    this.secrets.push(clientSecret);
    const lookupHash = this.collideWith ?? sha256(`test-client\0${clientId}`);
    this.collideWith = undefined;
    return {
      publicId: clientId,
      lookupHash,
      shownOnce: {
        clientId,
        clientSecret,
        tokenEndpoint: 'https://idp.test/token',
      },
      // A careless module: the core keeps the secret out of the history.
      auditDetails: { clientId, registeredAt: 'idp.test', clientSecret },
      retireSuperseded: true,
      rollback: async () => {
        this.rollbacks.push(clientId);
      },
    };
  }
}

describe.each(databases.eachSupportedId())(
  'Credential types from modules on %p',
  databaseId => {
    let server: any;
    let knex: any;
    let stop: () => Promise<void>;
    const type = new TestClientType();
    const output: string[] = [];
    const writes: jest.SpyInstance[] = [];

    const draft = {
      apiRef: 'api:default/pets',
      consumerRef: 'component:default/team-a-service',
      environment: 'sandbox',
      scopes: ['pets:read'],
      useCase: 'Read pets for the dashboard.',
      justification: 'Spring release.',
      credentialStorage: 'Vault, rotated monthly',
      durationDays: 30,
    };

    beforeAll(async () => {
      for (const method of ['error', 'warn', 'info', 'debug', 'log'] as const) {
        writes.push(
          jest
            .spyOn(console, method)
            .mockImplementation((...args: unknown[]) => {
              output.push(
                args
                  .map(arg =>
                    typeof arg === 'string' ? arg : JSON.stringify(arg),
                  )
                  .join(' '),
              );
            }),
        );
      }
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        extraFeatures: [
          mockServices.rootLogger.factory({ level: 'debug' }),
          createBackendModule({
            pluginId: 'api-access',
            moduleId: 'test-client',
            register(env) {
              env.registerInit({
                deps: {
                  credentialTypes: apiAccessCredentialTypesExtensionPoint,
                },
                async init({ credentialTypes }) {
                  credentialTypes.addCredentialType(type);
                },
              });
            },
          }),
        ],
        config: {
          apiAccess: {
            credentials: {
              rotationOverlapHours: 2,
              terms: { version: '2026-12', text: 'Keep it secret.' },
            },
            provisioning: { initialBackoffSeconds: 0, maxAttempts: 20 },
          },
        },
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
      writes.forEach(spy => spy.mockRestore());
    });

    const api = (path: string) => `/api/api-access${path}`;
    const issue = (grantId: string, by = 'requester') =>
      request(server)
        .post(api(`/grants/${grantId}/credentials`))
        .set('Authorization', as(by))
        .send({ acceptTerms: '2026-12' });
    /** Runs due provisioning tasks now (the admins' route), as the sweep would. */
    const runDue = () =>
      request(server)
        .post(api('/admin/lifecycle/run'))
        .set('Authorization', as(TEST_ADMIN))
        .expect(200);

    async function approvedGrant(): Promise<string> {
      const created = await request(server)
        .post(api('/requests'))
        .set('Authorization', as('requester'))
        .send({ ...draft, credentialType: 'test-client' });
      expect(created.status).toBe(201);
      expect(created.body.credentialType).toBe('test-client');
      const approved = await request(server)
        .post(api(`/requests/${created.body.id}/decisions`))
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(approved.status).toBe(201);
      return approved.body.grantId;
    }

    /** Runs due tasks until the grant's provision task at the test IdP succeeded. */
    async function untilProvisioned(grantId: string) {
      for (let i = 0; i < 50; i += 1) {
        await runDue();
        if ((await provisionState(grantId)).includes('provision:succeeded'))
          return;
        await new Promise(r => setTimeout(r, 50));
      }
      throw new Error(`grant ${grantId} was never provisioned`);
    }

    async function provisionState(grantId: string) {
      const task = await knex('api_access_provisioning_tasks')
        .where({ grant_id: grantId, provisioner_id: 'test-idp' })
        .orderBy('created_at');
      return task.map((t: any) => `${t.action}:${t.status}`);
    }

    it('lists the module type with the built-in ones, each saying whether it is offered', async () => {
      const listed = await request(server)
        .get(api('/credential-types'))
        .set('Authorization', as('requester'));
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([
        expect.objectContaining({
          id: 'api-key',
          presentation: 'api-key',
          offered: true,
        }),
        {
          id: 'mtls-certificate',
          title: 'mTLS client certificate',
          description: expect.any(String),
          presentation: 'client-certificate',
          offered: false,
          reason:
            'this Backstage has no certificate authority configured (apiAccess.certificates.ca)',
        },
        {
          id: 'test-client',
          title: 'Test client',
          description: 'A client registered at the test identity provider.',
          presentation: 'api-key',
          offered: true,
        },
      ]);
    });

    it('refuses unknown and unoffered types by name, saying what is offered', async () => {
      const send = (credentialType: string) =>
        request(server)
          .post(api('/requests'))
          .set('Authorization', as('requester'))
          .send({ ...draft, credentialType });
      const unknown = await send('carrier-pigeon');
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toBe(
        "credentialType 'carrier-pigeon' is not offered here: no credential type of that name is installed; offered: api-key, test-client",
      );
      const malformed = await send('Test_Client');
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toContain('credentialType');
      const mtls = await send('mtls-certificate');
      expect(mtls.status).toBe(400);
      expect(mtls.body.error.message).toBe(
        "credentialType 'mtls-certificate' is not offered here: this Backstage has no certificate authority configured (apiAccess.certificates.ca); offered: api-key, test-client",
      );
      type.offered = false;
      try {
        const off = await send('test-client');
        expect(off.status).toBe(400);
        expect(off.body.error.message).toBe(
          "credentialType 'test-client' is not offered here: the test identity provider is unreachable; offered: api-key",
        );
      } finally {
        type.offered = true;
      }
    });

    it('refuses an unknown type on a resubmission too, and changes nothing', async () => {
      const created = await request(server)
        .post(api('/requests'))
        .set('Authorization', as('requester'))
        .send({ ...draft, credentialType: 'test-client' });
      expect(created.status).toBe(201);
      const changes = await request(server)
        .post(api(`/requests/${created.body.id}/decisions`))
        .set('Authorization', as('owner.one'))
        .send({ decision: 'request_changes', comment: 'Narrow it, please.' });
      expect(changes.status).toBe(201);
      const { apiRef: _apiRef, ...resubmitTerms } = draft;
      const before = await knex('api_access_requests')
        .where({ id: created.body.id })
        .first();
      const resubmitted = await request(server)
        .post(api(`/requests/${created.body.id}/resubmit`))
        .set('Authorization', as('requester'))
        .send({ ...resubmitTerms, credentialType: 'password' });
      expect(resubmitted.status).toBe(400);
      expect(resubmitted.body.error.message).toBe(
        "credentialType 'password' is not offered here: no credential type of that name is installed; offered: api-key, test-client",
      );
      const after = await knex('api_access_requests')
        .where({ id: created.body.id })
        .first();
      expect(after).toEqual(before);
    });

    it('issues once the provisioner is done, shows the secret once and keeps it nowhere, rotates, and queues the retirement', async () => {
      type.provisionWorks = false;
      const grantId = await approvedGrant();
      // The approval's kick ran the provisioner, which failed.
      await runDue();
      const notReady = await issue(grantId);
      expect(notReady.status).toBe(409);
      expect(notReady.body.error.message).toBe(
        'The Test client is not ready yet at the identity provider (retrying: ProvisioningError: registration endpoint answered 503)',
      );
      // The type's provisioner sees only its own type's grants; holder and
      // terms are checked as for keys.
      expect((await issue(grantId, 'owner.one')).status).toBe(403);
      const wrongTerms = await request(server)
        .post(api(`/grants/${grantId}/credentials`))
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '2020-01' });
      expect(wrongTerms.status).toBe(400);
      expect(type.issued).toHaveLength(0);

      type.provisionWorks = true;
      await untilProvisioned(grantId);
      expect(await provisionState(grantId)).toEqual(['provision:succeeded']);

      const first = await issue(grantId);
      expect(first.status).toBe(201);
      expect(first.headers['cache-control']).toBe('no-store');
      const firstId = first.body.id;
      expect(first.body).toEqual({
        id: expect.any(String),
        grantId,
        credentialType: 'test-client',
        termsVersion: '2026-12',
        createdAt: expect.any(String),
        clientId: `client-${firstId}`,
        clientSecret: type.secrets[0],
        tokenEndpoint: 'https://idp.test/token',
      });
      expect(type.issued[0]).toMatchObject({
        grant: { id: grantId, credentialType: 'test-client' },
        previous: [],
        credentialId: firstId,
        rotationOverlapHours: 2,
      });
      const row = await knex('api_access_credentials')
        .where({ id: firstId })
        .first();
      expect(row).toMatchObject({
        grant_id: grantId,
        credential_type: 'test-client',
        prefix: `client-${firstId}`,
        secret_hash: sha256(`test-client\0client-${firstId}`),
        status: 'active',
        terms_version: '2026-12',
      });

      // Rotation: a new client, the old one superseded for the overlap and
      // its remote removal queued for the end of it.
      const second = await issue(grantId);
      expect(second.status).toBe(201);
      expect(second.body.clientSecret).toBe(type.secrets[1]);
      expect(second.body.previousValidUntil).toEqual(expect.any(String));
      expect(type.issued[1].previous).toEqual([
        {
          id: firstId,
          publicId: `client-${firstId}`,
          createdAt: expect.any(String),
        },
      ]);
      const old = await knex('api_access_credentials')
        .where({ id: firstId })
        .first();
      expect(old.status).toBe('superseded');
      const validUntil = new Date(old.valid_until).getTime();
      expect(validUntil).toBe(Date.parse(second.body.previousValidUntil));
      expect(validUntil - Date.parse(second.body.createdAt)).toBe(
        2 * 3600 * 1000,
      );
      const retire = await knex('api_access_provisioning_tasks')
        .where({ grant_id: grantId, action: 'retire' })
        .first();
      expect(retire).toMatchObject({
        provisioner_id: 'test-idp',
        credential_id: firstId,
        status: 'pending',
      });
      expect(new Date(retire.next_attempt_at).getTime()).toBe(validUntil);
      // Not due before the overlap ends.
      await runDue();
      expect(type.retired).toEqual([]);
      expect(await provisionState(grantId)).toContain('retire:pending');

      const history = await request(server)
        .get(api(`/audit?subjectId=${grantId}`))
        .set('Authorization', as('requester'));
      expect(history.status).toBe(200);
      const credentialEvents = history.body.items
        .filter((e: any) => e.action.startsWith('credential.'))
        .map((e: any) => ({ action: e.action, details: e.details }));
      expect(credentialEvents).toEqual(
        expect.arrayContaining([
          {
            action: 'credential.issued',
            details: expect.objectContaining({
              credentialType: 'test-client',
              publicId: `client-${firstId}`,
              clientId: `client-${firstId}`,
              registeredAt: 'idp.test',
            }),
          },
          {
            action: 'credential.rotated',
            details: expect.objectContaining({
              supersededPublicIds: [`client-${firstId}`],
            }),
          },
        ]),
      );

      // The secrets are nowhere: not in any table, the history or the logs.
      const tables = await knex('api_access_credentials').select();
      const tasks = await knex('api_access_provisioning_tasks').select();
      const audit = await knex('api_access_audit_events').select();
      const stored = JSON.stringify([tables, tasks, audit, history.body]);
      for (const secret of type.secrets) {
        expect(stored).not.toContain(secret);
        expect(output.join('\n')).not.toContain(secret);
      }
      expect(stored).not.toContain('clientSecret');
    });

    it('undoes the remote client when the core cannot store it', async () => {
      type.provisionWorks = true;
      const grantId = await approvedGrant();
      await untilProvisioned(grantId);
      const first = await issue(grantId);
      expect(first.status).toBe(201);
      const before = await knex('api_access_credentials')
        .where({ grant_id: grantId })
        .select('id', 'status');

      // The next credential's lookup hash is taken: the insert fails.
      type.collideWith = sha256(`test-client\0client-${first.body.id}`);
      const failed = await issue(grantId);
      expect(failed.status).toBe(500);
      const undone = type.issued[type.issued.length - 1].credentialId;
      expect(type.rollbacks).toEqual([`client-${undone}`]);
      // Nothing changed: the first client is still the active one.
      expect(
        await knex('api_access_credentials')
          .where({ grant_id: grantId })
          .select('id', 'status'),
      ).toEqual(before);
      expect(
        await knex('api_access_provisioning_tasks').where({
          grant_id: grantId,
          action: 'retire',
        }),
      ).toEqual([]);
    });

    it('refuses a renewal of a grant whose type is no longer offered (409)', async () => {
      type.provisionWorks = true;
      const grantId = await approvedGrant();
      type.offered = false;
      try {
        const renewal = await request(server)
          .post(api(`/grants/${grantId}/renew`))
          .set('Authorization', as('requester'))
          .send({ durationDays: 30, justification: 'Still needed.' });
        expect(renewal.status).toBe(409);
        expect(renewal.body.error.message).toBe(
          "The grant cannot be renewed: credentialType 'test-client' is not offered here: the test identity provider is unreachable; offered: api-key",
        );
      } finally {
        type.offered = true;
      }
    });
  },
);

describe('a module adding a built-in credential type', () => {
  it('stops the backend at start-up, naming the type', async () => {
    const knex = await databases.init('SQLITE_3');
    const taken: ApiAccessCredentialType = {
      id: 'api-key',
      title: 'My keys',
      description: 'Keys of my own.',
      presentation: 'api-key',
      availability: () => ({ offered: true }),
      issue: async () => {
        throw new Error('never called');
      },
    };
    await expect(
      startApiAccessBackend({
        knex,
        waitFor: [],
        extraFeatures: [
          createBackendModule({
            pluginId: 'api-access',
            moduleId: 'taken-id',
            register(env) {
              env.registerInit({
                deps: {
                  credentialTypes: apiAccessCredentialTypesExtensionPoint,
                },
                async init({ credentialTypes }) {
                  credentialTypes.addCredentialType(taken);
                },
              });
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      "A backend module adds the credential type 'api-key', which is built into api-access; choose another id",
    );
  }, 60_000);
});
