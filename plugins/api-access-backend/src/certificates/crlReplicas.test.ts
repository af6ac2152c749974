/*
 * A revoked certificate is on every replica's CRL at once, not after that
 * replica's CRL cache runs out: two backends on one PostgreSQL database,
 * each with its own connection pool, and a 5-minute CRL cache. The revoking
 * replica publishes the grant on the decision bus (NOTIFY); the other one
 * drops its built CRL. SQLite is one replica, so this runs on PostgreSQL only.
 */
import './reflectPolyfill';
import { mockCredentials } from '@backstage/backend-test-utils';
import * as x509 from '@peculiar/x509';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import { TestCa, makeCa, makeCsr } from './__testUtils__/pki';

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const TERMS = '2026-11';
const describePg = databases.supports('POSTGRES_15') ? describe : describe.skip;

describePg('the CRL across replicas on PostgreSQL', () => {
  const servers: any[] = [];
  const stops: Array<() => Promise<void>> = [];
  let second: Knex;
  let ca: TestCa;

  beforeAll(async () => {
    ca = await makeCa({ name: 'api-access replicas CA' });
    const knex = await databases.init('POSTGRES_15');
    second = knexFactory({
      client: 'pg',
      connection: knex.client.config.connection,
      pool: { min: 0, max: 5 },
    });
    for (const pool of [knex, second]) {
      const backend = await startApiAccessBackend({
        knex: pool,
        config: {
          apiAccess: {
            credentials: {
              terms: { version: TERMS, text: 'Keep the key on the host.' },
            },
            certificates: {
              ca: {
                certificate: ca.certificatePem,
                privateKey: ca.privateKeyPem,
              },
              // Long enough that only a message can explain a fresh CRL.
              crlCacheSeconds: 300,
            },
          },
        },
      });
      servers.push(backend.server);
      stops.push(() => backend.stop());
    }
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops) await stop();
    await second?.destroy();
  });

  const serialsOn = async (server: any) => {
    const response = await request(server).get(
      '/api/api-access/certificates/crl.pem',
    );
    expect(response.status).toBe(200);
    const crl = new x509.X509Crl(response.text);
    expect(await crl.verify({ publicKey: ca.certificate })).toBe(true);
    return crl.entries.map(entry => entry.serialNumber.toLowerCase());
  };

  it('lists a certificate revoked on one replica on the other at once', async () => {
    const [first, other] = servers;
    const created = await request(first)
      .post('/api/api-access/requests')
      .set('Authorization', as('requester'))
      .send({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/team-a-service',
        environment: 'sandbox',
        scopes: ['pets:read'],
        credentialType: 'mtls-certificate',
        useCase: 'Read pets over mTLS.',
        justification: 'Spring release.',
        credentialStorage: 'Key generated on the host, never copied',
        durationDays: 10,
      });
    expect(created.status).toBe(201);
    const approved = await request(first)
      .post(`/api/api-access/requests/${created.body.id}/decisions`)
      .set('Authorization', as('owner.one'))
      .send({ decision: 'approve' });
    const grantId = approved.body.grantId;
    const csr = await makeCsr();
    const issued = await request(first)
      .post(`/api/api-access/grants/${grantId}/certificates`)
      .set('Authorization', as('requester'))
      .send({ csr: csr.csrPem, acceptTerms: TERMS });
    expect(issued.status).toBe(201);
    const serial = new x509.X509Certificate(
      issued.body.certificate,
    ).serialNumber.toLowerCase();

    // Both replicas have built (and cached) a CRL without it.
    expect(await serialsOn(first)).not.toContain(serial);
    expect(await serialsOn(other)).not.toContain(serial);

    const revoked = await request(first)
      .post(`/api/api-access/grants/${grantId}/revoke`)
      .set('Authorization', as('requester'))
      .send({ reason: 'Host decommissioned' });
    expect(revoked.status).toBe(200);

    expect(await serialsOn(first)).toContain(serial);
    // The other replica hears of it over NOTIFY within moments.
    const deadline = Date.now() + 2000;
    let listed = false;
    while (!listed && Date.now() < deadline) {
      listed = (await serialsOn(other)).includes(serial);
      if (!listed) await new Promise(r => setTimeout(r, 25));
    }
    expect(listed).toBe(true);
  });
});
