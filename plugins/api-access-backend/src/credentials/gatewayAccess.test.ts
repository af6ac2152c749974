/*
 * Gateways are named, reasons are discreet, logs stay bounded: on SQLite and
 * PostgreSQL over HTTP.
 *
 * - Only service principals listed in apiAccess.gateway.allowedSubjects may
 *   call /introspect and /authorize; any other plugin or external token gets
 *   a 403 naming the key to configure; with none listed, everyone does.
 * - An /authorize reason never names the API or environment a key is for.
 * - Input is echoed into error messages, auditor events and log lines only
 *   as a bounded, escaped excerpt: no 181 KB line, no forged line from CR/LF.
 * - The certificate route's 64 KB body limit holds (the main router's 100 KB
 *   parser used to read the body first).
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  createTestDatabases,
  serviceHeader,
  startApiAccessBackend,
  TEST_GATEWAY,
} from '../__testUtils__/testBackend';
import { insertApprovedGrant } from '../__testUtils__/grants';

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

describe.each(databases.eachSupportedId())(
  'gateways, reasons and log hygiene on %p',
  databaseId => {
    let server: any;
    let stop: () => Promise<void>;
    let secret: string;
    let grantId: string;
    const output: string[] = [];
    const writes: jest.SpyInstance[] = [];

    beforeAll(async () => {
      for (const method of ['error', 'warn', 'info', 'debug', 'log'] as const) {
        writes.push(
          jest
            .spyOn(console, method)
            .mockImplementation((...args: unknown[]) => {
              output.push(
                args
                  .map((arg: any) => {
                    if (typeof arg === 'string') return arg;
                    // How a text logger prints an error: its stack, which
                    // starts with the message.
                    if (arg && typeof arg.message === 'string') {
                      return arg.stack ?? arg.message;
                    }
                    return JSON.stringify(arg);
                  })
                  .join(' '),
              );
            }),
        );
      }
      for (const stream of [process.stdout, process.stderr]) {
        writes.push(
          jest.spyOn(stream, 'write').mockImplementation((chunk: any) => {
            output.push(String(chunk));
            return true;
          }),
        );
      }
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        extraFeatures: [mockServices.rootLogger.factory({ level: 'debug' })],
        config: { apiAccess: { gateway: TEST_GATEWAY } },
      });
      server = backend.server;
      stop = () => backend.stop();
      const now = Date.now();
      grantId = await insertApprovedGrant(knex, {
        createdAt: new Date(now - 60_000),
        expiresAt: new Date(now + 86_400_000),
        apiRef: 'api:default/pets',
      });
      const issued = await request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '1' });
      // eslint-disable-next-line jest/no-standalone-expect
      expect(issued.status).toBe(201);
      secret = issued.body.secret;
    }, 60_000);

    afterAll(async () => {
      await stop?.();
      writes.forEach(spy => spy.mockRestore());
    });

    const introspect = (auth: string, token = secret) =>
      request(server)
        .post('/api/api-access/introspect')
        .set('Authorization', auth)
        .type('form')
        .send({ token });
    const authorize = (auth: string, api: string, key = secret) =>
      request(server)
        .get('/api/api-access/authorize')
        .set('Authorization', auth)
        .set('X-Api-Access-Api', api)
        .set('X-Api-Access-Key', key);

    it('answers the listed gateway and refuses every other service with a 403 naming the config key', async () => {
      const gateway = mockCredentials.service.header();
      expect((await introspect(gateway)).body.active).toBe(true);
      expect((await authorize(gateway, 'api:default/pets')).status).toBe(200);

      for (const other of [
        serviceHeader('plugin:catalog'),
        serviceHeader('external:some-other-token'),
      ]) {
        const refused = await introspect(other);
        expect(refused.status).toBe(403);
        expect(refused.body.error.message).toContain(
          'apiAccess.gateway.allowedSubjects',
        );
        expect(JSON.stringify(refused.body)).not.toContain('"active"');
        expect((await authorize(other, 'api:default/pets')).status).toBe(403);
        expect(
          (await authorize(other, 'api:default/pets')).headers[
            'x-api-access-consumer'
          ],
        ).toBeUndefined();
      }
      expect((await introspect(as('requester'))).status).toBe(403);
    });

    it('never names the API or environment a key is for in a reason', async () => {
      const gateway = mockCredentials.service.header();
      const otherApi = await authorize(gateway, 'api:default/invoices');
      expect(otherApi.status).toBe(403);
      expect(otherApi.headers['x-api-access-reason']).toBe(
        'the API key is not for this API',
      );
      expect(JSON.stringify(otherApi.body)).not.toContain('pets');
      expect(JSON.stringify(otherApi.headers)).not.toContain('pets');

      const otherEnv = await authorize(gateway, 'api:default/pets').set(
        'X-Api-Access-Environment',
        'production',
      );
      expect(otherEnv.status).toBe(403);
      expect(otherEnv.headers['x-api-access-reason']).toBe(
        'the API key is not for this environment',
      );
      expect(JSON.stringify(otherEnv.body)).not.toContain('sandbox');

      const unknown = await authorize(gateway, 'api:default/pets', 'aak_x_y');
      expect(unknown.status).toBe(401);
      expect(unknown.headers['x-api-access-reason']).toBe(
        'the API key is not active',
      );
    });

    it('quotes a 95 KB body with CR/LF only as a bounded single-line excerpt, in the answer and the log', async () => {
      // Mid-value: schemas trim the ends.
      const forged =
        'v\r\n2026-12-02T00:00:00.000Z api-access info forged line ';
      const huge = `${forged}${'x'.repeat(95 * 1024)}`;
      output.length = 0;
      // The usage terms' check quotes what was sent.
      const bad = await request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as('requester'))
        .send({ acceptTerms: huge });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).not.toMatch(/[\r\n]/);
      expect(bad.body.error.message.length).toBeLessThan(600);

      // Under the router's 100 KB limit: a 95 KB key, CR/LF in values.
      const body = { [huge]: 1, apiRef: forged, environment: forged };
      const rejected = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send(body);
      expect(rejected.status).toBe(400);
      const message: string = rejected.body.error.message;
      expect(message).not.toMatch(/[\r\n]/);
      expect(message.length).toBeLessThan(4000);

      const header = await authorize(
        mockCredentials.service.header(),
        `::${'y'.repeat(6000)}`,
      );
      expect(header.status).toBe(400);
      expect(header.body.error.message.length).toBeLessThan(400);

      await new Promise(resolve => setTimeout(resolve, 50));
      const lines = output.join('\n').split(/\r?\n/);
      // The auditor did log the failures (with the input as an excerpt).
      expect(lines.some(line => line.includes('forged line'))).toBe(true);
      // ...always on the line it belongs to, its CR/LF escaped.
      for (const line of lines.filter(l => l.includes('forged line'))) {
        expect(line).toContain('v\\r\\n2026-12-02');
      }
      expect(
        lines.some(line => line.startsWith('2026-12-02T00:00:00.000Z')),
      ).toBe(false);
      expect(Math.max(0, ...lines.map(line => line.length))).toBeLessThan(8000);
    });

    it('holds the certificate route to its 64 KB body limit', async () => {
      const tooBig = await request(server)
        .post('/api/api-access/grants/g-none/certificates')
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '1', csr: 'A'.repeat(70 * 1024) });
      expect(tooBig.status).toBe(413);
      expect(tooBig.body.error.message).toContain('65536 bytes');
    });
  },
);

describe('with no gateway listed', () => {
  let backend: Awaited<ReturnType<typeof startApiAccessBackend>>;
  beforeAll(async () => {
    backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
    });
  }, 60_000);
  afterAll(() => backend?.stop());

  it('refuses every service caller', async () => {
    const refused = await request(backend.server)
      .post('/api/api-access/introspect')
      .set('Authorization', mockCredentials.service.header())
      .type('form')
      .send({ token: 'aak_x_y' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain(
      'apiAccess.gateway.allowedSubjects',
    );
  });
});
