/*
 * Client certificates over HTTP on SQLite and PostgreSQL: a CSR in, a
 * certificate named after the consumer out, the same rules as API keys
 * (terms, requester, active grant), rotation onto the CRL, revocation onto
 * the CRL, and no CSR or PEM in any table or history.
 */
import './reflectPolyfill';
import { mockCredentials } from '@backstage/backend-test-utils';
import * as x509 from '@peculiar/x509';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
} from '../__testUtils__/testBackend';
import { TestCa, makeCa, makeCsr } from './__testUtils__/pki';

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const DAY_MS = 24 * 60 * 60 * 1000;
const TERMS = '2026-11';

const draft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['pets:read'],
  credentialType: 'mtls-certificate',
  useCase: 'Read pets over mTLS.',
  justification: 'Spring release.',
  credentialStorage: 'Key generated on the host, never copied',
  durationDays: 10,
};

describe.each(databases.eachSupportedId())(
  'mTLS certificates on %p',
  databaseId => {
    let server: any;
    let knex: any;
    let stop: () => Promise<void>;
    let ca: TestCa;

    beforeAll(async () => {
      ca = await makeCa({ name: 'api-access routes CA' });
      knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        config: {
          apiAccess: {
            credentials: {
              rotationOverlapHours: 0,
              terms: { version: TERMS, text: 'Keep the key on the host.' },
            },
            certificates: {
              ca: {
                certificate: ca.certificatePem,
                privateKey: ca.privateKeyPem,
              },
              maxValidityDays: 30,
              crlCacheSeconds: 0,
            },
          },
        },
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 60_000);

    afterAll(async () => {
      await stop?.();
    });

    async function approvedGrant(
      overrides: Partial<typeof draft> = {},
    ): Promise<{ id: string; expiresAt: string; apiRef: string }> {
      const body = { ...draft, ...overrides };
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send(body);
      expect(created.status).toBe(201);
      expect(created.body.credentialType).toBe(body.credentialType);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      const grantId = approved.body.grantId;
      const grants = await request(server)
        .get(`/api/api-access/grants?consumerRef=${body.consumerRef}`)
        .set('Authorization', as('requester'));
      const grant = grants.body.items.find((g: any) => g.id === grantId);
      return { id: grantId, expiresAt: grant.expiresAt, apiRef: grant.apiRef };
    }

    const issue = (grantId: string, by: string, body: object) =>
      request(server)
        .post(`/api/api-access/grants/${grantId}/certificates`)
        .set('Authorization', as(by))
        .send(body);

    async function crl(): Promise<x509.X509Crl> {
      const response = await request(server).get(
        '/api/api-access/certificates/crl.pem',
      );
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toContain(
        'application/x-pem-file',
      );
      const parsed = new x509.X509Crl(response.text);
      expect(await parsed.verify({ publicKey: ca.certificate })).toBe(true);
      return parsed;
    }
    const entriesOf = (list: x509.X509Crl) =>
      Object.fromEntries(
        list.entries.map(entry => [
          entry.serialNumber.toLowerCase(),
          entry.reason,
        ]),
      );

    it('signs a CSR for the requester, rotates onto the CRL, and revokes onto the CRL', async () => {
      const grant = await approvedGrant();
      const csr = await makeCsr();

      // The same rules as API keys, with reasons.
      const wrongTerms = await issue(grant.id, 'requester', {
        csr: csr.csrPem,
        acceptTerms: '2025-01',
      });
      expect(wrongTerms.status).toBe(400);
      expect(wrongTerms.body.error.message).toContain(
        `acceptTerms must be the current usage terms version '${TERMS}'`,
      );
      const noCsr = await issue(grant.id, 'requester', { acceptTerms: TERMS });
      expect(noCsr.status).toBe(400);
      expect(noCsr.body.error.message).toBe(
        'Invalid certificate request: csr is required: a PEM certificate signing request (openssl req -new)',
      );
      const privateKey = await issue(grant.id, 'requester', {
        csr: `${csr.csrPem}${csr.privateKeyPem}`,
        acceptTerms: TERMS,
      });
      expect(privateKey.status).toBe(400);
      expect(privateKey.body.error.message).toContain(
        'csr contains a private key',
      );
      expect(JSON.stringify(privateKey.body)).not.toContain(
        csr.privateKeyPem.split('\n')[1],
      );
      const tampered = Buffer.from(csr.der);
      tampered.write('Good', tampered.indexOf(Buffer.from('Evil')));
      const badSignature = await issue(grant.id, 'requester', {
        csr: `-----BEGIN CERTIFICATE REQUEST-----\n${tampered.toString(
          'base64',
        )}\n-----END CERTIFICATE REQUEST-----`,
        acceptTerms: TERMS,
      });
      expect(badSignature.status).toBe(400);
      expect(badSignature.body.error.message).toBe(
        'csr signature does not match its public key: the request was altered, or signed with another key',
      );
      const weak = await issue(grant.id, 'requester', {
        csr: (await makeCsr({ kind: 'rsa1024' })).csrPem,
        acceptTerms: TERMS,
      });
      expect(weak.status).toBe(400);
      expect(weak.body.error.message).toContain('csr key is too weak');
      const valid = { csr: csr.csrPem, acceptTerms: TERMS };
      expect((await issue(grant.id, 'owner.one', valid)).status).toBe(403);
      expect((await issue('no-such-grant', 'requester', valid)).status).toBe(
        404,
      );
      expect(
        (
          await request(server)
            .post(`/api/api-access/grants/${grant.id}/certificates`)
            .set('Authorization', mockCredentials.none.header())
            .send(valid)
        ).status,
      ).toBe(401);
      const keyGrant = await approvedGrant({ credentialType: 'api-key' });
      const wrongType = await issue(keyGrant.id, 'requester', valid);
      expect(wrongType.status).toBe(409);
      expect(wrongType.body.error.message).toBe(
        "The grant's credential type is 'api-key', not 'mtls-certificate'; request a certificate only for an mTLS grant",
      );

      // Issued.
      const first = await issue(grant.id, 'requester', valid);
      expect(first.status).toBe(201);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.body).toEqual({
        id: expect.any(String),
        grantId: grant.id,
        serial: expect.stringMatching(/^[0-7][0-9a-f]{31}$/),
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        certificate: expect.stringContaining('-----BEGIN CERTIFICATE-----'),
        caCertificate: ca.certificatePem,
        notBefore: expect.any(String),
        notAfter: new Date(
          Math.floor(Date.parse(grant.expiresAt) / 1000) * 1000,
        ).toISOString(),
        termsVersion: TERMS,
        createdAt: expect.any(String),
      });
      const cert = new x509.X509Certificate(first.body.certificate);
      expect(cert.subject).toBe(
        'O=api-access, CN=component:default/team-a-service',
      );
      expect(
        cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON(),
      ).toEqual([
        { type: 'url', value: `urn:api-access:grant:${grant.id}` },
        { type: 'url', value: `urn:api-access:api:${grant.apiRef}` },
      ]);
      expect(await cert.verify({ publicKey: ca.certificate })).toBe(true);

      const row = await knex('api_access_credentials')
        .where({ id: first.body.id })
        .first();
      expect(row).toMatchObject({
        grant_id: grant.id,
        credential_type: 'mtls-certificate',
        prefix: first.body.serial,
        secret_hash: first.body.fingerprint,
        status: 'active',
        terms_version: TERMS,
        issued_to: 'user:default/requester',
      });
      expect(new Date(row.not_after).toISOString()).toBe(first.body.notAfter);

      // The CA and the CRL are public.
      const caPem = await request(server).get(
        '/api/api-access/certificates/ca.pem',
      );
      expect(caPem.status).toBe(200);
      expect(caPem.text).toBe(ca.certificatePem);
      expect(entriesOf(await crl())).toEqual({});

      // Rotation: with no overlap the first certificate goes on the CRL at once.
      const second = await issue(grant.id, 'requester', {
        csr: (await makeCsr()).csrPem,
        acceptTerms: TERMS,
      });
      expect(second.status).toBe(201);
      expect(second.body.previousValidUntil).toEqual(expect.any(String));
      expect(entriesOf(await crl())).toEqual({
        [first.body.serial]: x509.X509CrlReason.superseded,
      });
      const grants = await request(server)
        .get(
          '/api/api-access/grants?consumerRef=component:default/team-a-service',
        )
        .set('Authorization', as('requester'));
      expect(
        grants.body.items.find((g: any) => g.id === grant.id).credential,
      ).toMatchObject({ id: second.body.id, prefix: second.body.serial });

      // Revoking the grant puts its current certificate on the CRL; the
      // superseded one keeps its entry.
      const revoked = await request(server)
        .post(`/api/api-access/grants/${grant.id}/revoke`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'The partner contract ended.' });
      expect(revoked.status).toBe(200);
      const afterRevoke = await crl();
      expect(entriesOf(afterRevoke)).toEqual({
        [first.body.serial]: x509.X509CrlReason.superseded,
        [second.body.serial]: x509.X509CrlReason.privilegeWithdrawn,
      });
      const refused = await issue(grant.id, 'requester', {
        csr: (await makeCsr()).csrPem,
        acceptTerms: TERMS,
      });
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toContain('The grant is revoked');

      // History: serials and fingerprints, never a CSR or a PEM.
      const history = await request(server)
        .get(`/api/api-access/audit?subjectId=${grant.id}`)
        .set('Authorization', as('requester'));
      const byAction = (action: string) =>
        history.body.items.find((e: any) => e.action === action);
      expect(byAction('credential.issued').details).toMatchObject({
        credentialType: 'mtls-certificate',
        serial: first.body.serial,
        fingerprint: first.body.fingerprint,
        subject: 'component:default/team-a-service',
        termsVersion: TERMS,
      });
      expect(byAction('credential.rotated').details).toMatchObject({
        serial: second.body.serial,
        supersededSerials: [first.body.serial],
      });
      const csrBody = csr.csrPem.split('\n')[1];
      for (const table of [
        'api_access_credentials',
        'api_access_audit_events',
        'api_access_grants',
      ]) {
        const dump = JSON.stringify(await knex(table).select());
        expect([table, dump.includes('-----BEGIN')]).toEqual([table, false]);
        expect([table, dump.includes(csrBody)]).toEqual([table, false]);
      }
    });

    it("puts a suspended grant's certificate on hold on the CRL, and takes it off when the grant is resumed", async () => {
      const grant = await approvedGrant();
      const issued = await issue(grant.id, 'requester', {
        csr: (await makeCsr()).csrPem,
        acceptTerms: TERMS,
      });
      expect(issued.status).toBe(201);
      const serial = issued.body.serial;
      expect(entriesOf(await crl())[serial]).toBeUndefined();

      const suspended = await request(server)
        .post(`/api/api-access/grants/${grant.id}/suspend`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'Investigating abuse from the partner.' });
      expect(suspended.status).toBe(200);
      expect(entriesOf(await crl())[serial]).toBe(
        x509.X509CrlReason.certificateHold,
      );

      const resumed = await request(server)
        .post(`/api/api-access/grants/${grant.id}/resume`)
        .set('Authorization', as('owner.one'))
        .send({});
      expect(resumed.status).toBe(200);
      expect(entriesOf(await crl())[serial]).toBeUndefined();
    });

    it('never issues longer than maxValidityDays, however long the grant', async () => {
      const grant = await approvedGrant({ durationDays: 60 });
      const issued = await issue(grant.id, 'requester', {
        csr: (await makeCsr({ kind: 'rsa' })).csrPem,
        acceptTerms: TERMS,
      });
      expect(issued.status).toBe(201);
      const notAfter = Date.parse(issued.body.notAfter);
      expect(notAfter).toBeLessThan(Date.parse(grant.expiresAt));
      expect(Math.abs(notAfter - (Date.now() + 30 * DAY_MS))).toBeLessThan(
        60_000,
      );
      const cert = new x509.X509Certificate(issued.body.certificate);
      expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment,
      );
    });
  },
);

describe('mTLS certificates when no CA is configured', () => {
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startApiAccessBackend({ knex });
    server = backend.server;
    stop = () => backend.stop();
  }, 60_000);

  afterAll(async () => {
    await stop?.();
  });

  it('answers 409 to a CSR and 404 for the CA and the CRL', async () => {
    // An unknown grant is a 404 as for a grant the caller may not read.
    const unknown = await request(server)
      .post('/api/api-access/grants/any-grant/certificates')
      .set('Authorization', as('requester'))
      .send({ csr: (await makeCsr()).csrPem, acceptTerms: '1' });
    expect(unknown.status).toBe(404);
    const created = await request(server)
      .post('/api/api-access/requests')
      .set('Authorization', as('requester'))
      .send({
        apiRef: 'api:default/pets',
        consumerRef: 'component:default/team-a-service',
        environment: 'sandbox',
        scopes: ['pets:read'],
        useCase: 'Read pets for the dashboard of the team.',
        justification: 'The spring release shows pets on the dashboard.',
        credentialStorage: 'Vault kv/team-a, rotated monthly by the pipeline',
        durationDays: 30,
      });
    const approved = await request(server)
      .post(`/api/api-access/requests/${created.body.id}/decisions`)
      .set('Authorization', as('owner.one'))
      .send({ decision: 'approve' });
    const post = await request(server)
      .post(`/api/api-access/grants/${approved.body.grantId}/certificates`)
      .set('Authorization', as('requester'))
      .send({ csr: (await makeCsr()).csrPem, acceptTerms: '1' });
    expect(post.status).toBe(409);
    expect(post.body.error.message).toBe(
      'mTLS certificates are not configured: set apiAccess.certificates.ca',
    );
    for (const path of ['ca.pem', 'crl.pem']) {
      const response = await request(server).get(
        `/api/api-access/certificates/${path}`,
      );
      expect([path, response.status]).toEqual([path, 404]);
    }
  });

  it('refuses a request for a certificate grant up front, naming the missing CA', async () => {
    const created = await request(server)
      .post('/api/api-access/requests')
      .set('Authorization', as('requester'))
      .send({ ...draft, credentialType: 'mtls-certificate' });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toContain(
      "credentialType 'mtls-certificate' is not offered here",
    );
    expect(created.body.error.message).toContain('apiAccess.certificates.ca');
  });
});
