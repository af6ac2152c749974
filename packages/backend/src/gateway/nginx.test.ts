/*
 * End to end with a real gateway: nginx with `ssl_verify_client on`, the
 * plugin's CA as `ssl_client_certificate` and its CRL as `ssl_crl`.
 *
 *   - a certificate issued through the API is accepted;
 *   - once its grant is revoked (POST /grants/:id/revoke), the CRL fetched
 *     from GET /certificates/crl.pem lists it, and after a reload nginx
 *     refuses it, while another grant's certificate still works;
 *   - a certificate from another CA is refused, and so is no certificate.
 *
 * The requester's side uses the openssl CLI exactly as docs/mtls.md says.
 * Without /usr/sbin/nginx the test is skipped, except in CI, where it fails.
 */
// The plugin's x509 polyfill, loaded first as the plugin's own entry does.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import '../../../../plugins/api-access-backend/src/certificates/reflectPolyfill';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import * as x509 from '@peculiar/x509';
import request from 'supertest';
import {
  createTestDatabases,
  makeCa,
  startApiAccessBackend,
} from '../__testUtils__/apiAccessBackendSource';

const NGINX = '/usr/sbin/nginx';
const TERMS = '2026-11';
const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

const available = existsSync(NGINX);
if (!available && !process.env.CI) {
  // eslint-disable-next-line no-console
  console.warn(
    `Skipping the nginx mTLS test: ${NGINX} is missing (apt-get install nginx-light, or run scripts/setup.sh). In CI it fails instead.`,
  );
}
const describeNginx = available || process.env.CI ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Answer {
  status?: number;
  body: string;
  error?: string;
}

/** One HTTPS request on a fresh connection, with a client certificate when given. */
function get(
  port: number,
  serverCa: string,
  client?: { cert: string; key: string },
): Promise<Answer> {
  return new Promise(resolve => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        path: '/',
        ca: serverCa,
        agent: false,
        ...(client ?? {}),
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('error', error => resolve({ body: '', error: error.message }));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function waitFor<T>(
  what: string,
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await attempt();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms}ms`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

describeNginx.each(databases.eachSupportedId())(
  'nginx ssl_verify_client with the plugin CA and CRL on %p',
  databaseId => {
    let server: any;
    let stop: (() => Promise<void>) | undefined;
    let dir: string;
    let nginxArgs: string[] = [];
    let nginxStarted = false;
    const run = (args: string[], cwd = dir) =>
      execFileSync('openssl', args, { cwd, stdio: 'pipe' });
    const readLog = (name: string) =>
      existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '';
    const nginx = (...extra: string[]) => {
      const result = spawnSync(NGINX, [...nginxArgs, ...extra], {
        encoding: 'utf8',
      });
      if (result.status !== 0) {
        throw new Error(
          `nginx ${extra.join(' ')} failed (${result.status}): ${
            result.stderr
          }\n${readLog('error.log')}`,
        );
      }
    };

    beforeAll(async () => {
      if (!available) {
        throw new Error(
          `nginx is required in CI: ${NGINX} not found (scripts/setup.sh installs it)`,
        );
      }
      dir = mkdtempSync(join(tmpdir(), 'api-access-nginx-'));
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'tmp'));
      const ca = await makeCa({ name: 'api-access nginx test CA' });
      const knex = await databases.init(databaseId);
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
              crlCacheSeconds: 0,
            },
          },
        },
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 90_000);

    afterAll(async () => {
      if (nginxStarted) {
        try {
          nginx('-s', 'stop');
        } catch {
          const pid = Number(readLog('nginx.pid').trim());
          if (pid) process.kill(pid, 'SIGTERM');
        }
      }
      await stop?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function grantWithCertificate(name: string) {
      const created = await request(server)
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
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      const grantId: string = approved.body.grantId;
      // The requester's side, as docs/mtls.md describes it.
      run([
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        '/CN=team-a-service',
      ]);
      const issued = await request(server)
        .post(`/api/api-access/grants/${grantId}/certificates`)
        .set('Authorization', as('requester'))
        .send({
          csr: readFileSync(join(dir, `${name}.csr`), 'utf8'),
          acceptTerms: TERMS,
        });
      expect(issued.status).toBe(201);
      return {
        grantId,
        serial: issued.body.serial as string,
        cert: issued.body.certificate as string,
        key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      };
    }

    async function fetchCrl(): Promise<string> {
      const crl = await request(server).get(
        '/api/api-access/certificates/crl.pem',
      );
      expect(crl.status).toBe(200);
      writeFileSync(join(dir, 'crl.pem'), crl.text);
      return crl.text;
    }

    it('accepts issued certificates, refuses a revoked one after the CRL reload, and refuses another CA', async () => {
      const revokedLater = await grantWithCertificate('revoked-later');
      const kept = await grantWithCertificate('kept');

      // Another CA, made with openssl, and a client certificate from it with the same name.
      run([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'other-ca.key',
        '-out',
        'other-ca.pem',
        '-days',
        '2',
        '-subj',
        '/CN=Some other CA',
      ]);
      run([
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'stranger.key',
        '-out',
        'stranger.csr',
        '-subj',
        '/O=api-access/CN=component:default\\/team-a-service',
      ]);
      run([
        'x509',
        '-req',
        '-in',
        'stranger.csr',
        '-CA',
        'other-ca.pem',
        '-CAkey',
        'other-ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-out',
        'stranger.pem',
      ]);
      // nginx's own certificate, for localhost.
      run([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'server.key',
        '-out',
        'server.pem',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ]);
      const serverCa = readFileSync(join(dir, 'server.pem'), 'utf8');

      // What a gateway operator does: fetch the CA and the CRL from the plugin.
      const caPem = await request(server).get(
        '/api/api-access/certificates/ca.pem',
      );
      expect(caPem.status).toBe(200);
      writeFileSync(join(dir, 'client-ca.pem'), caPem.text);
      await fetchCrl();

      const port = await freePort();
      const isRoot = process.getuid?.() === 0;
      writeFileSync(
        join(dir, 'nginx.conf'),
        `${isRoot ? `user ${userInfo().username};\n` : ''}worker_processes 1;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${dir}/server.pem;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/client-ca.pem;
    ssl_verify_client on;
    ssl_crl ${dir}/crl.pem;
    location / {
      default_type text/plain;
      return 200 "hello $ssl_client_s_dn serial=$ssl_client_serial\\n";
    }
  }
}
`,
      );
      nginxArgs = [
        '-p',
        dir,
        '-c',
        join(dir, 'nginx.conf'),
        '-e',
        join(dir, 'error.log'),
        '-g',
        `pid ${dir}/nginx.pid; error_log ${dir}/error.log info;`,
      ];
      nginx();
      nginxStarted = true;

      const client = (who: { cert: string; key: string }) =>
        get(port, serverCa, { cert: who.cert, key: who.key });
      const first = await waitFor(
        'nginx to answer',
        () => client(kept),
        answer => answer.status !== undefined,
      );
      expect(first.status).toBe(200);
      expect(first.body).toContain('CN=component:default/team-a-service');
      expect(first.body).toContain('O=api-access');
      const before = await client(revokedLater);
      expect(before.status).toBe(200);
      expect(before.body).toContain(
        `serial=${revokedLater.serial.toUpperCase()}`,
      );

      const stranger = await client({
        cert: readFileSync(join(dir, 'stranger.pem'), 'utf8'),
        key: readFileSync(join(dir, 'stranger.key'), 'utf8'),
      });
      expect(stranger.status).toBe(400);
      expect(stranger.body).toContain('The SSL certificate error');
      const anonymous = await get(port, serverCa);
      expect(anonymous.status).toBe(400);
      expect(anonymous.body).toContain('No required SSL certificate was sent');

      // Revoke the grant through the API; the CRL lists its certificate.
      const revoked = await request(server)
        .post(`/api/api-access/grants/${revokedLater.grantId}/revoke`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'The host was decommissioned.' });
      expect(revoked.status).toBe(200);
      const crl = new x509.X509Crl(await fetchCrl());
      expect(crl.findRevoked(revokedLater.serial)).not.toBeNull();
      expect(crl.findRevoked(kept.serial)).toBeNull();
      nginx('-s', 'reload');

      const refused = await waitFor(
        'nginx to refuse the revoked certificate after the reload',
        () => client(revokedLater),
        answer => answer.status !== 200,
      );
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('The SSL certificate error');
      expect((await client(kept)).status).toBe(200);

      const log = readLog('error.log');
      expect(log).toMatch(
        /client SSL certificate verify error: \(23:certificate revoked\)/,
      );
      expect(log).toMatch(
        /client SSL certificate verify error: \(21:unable to verify the first certificate\)/,
      );
      // eslint-disable-next-line no-console
      console.info(
        `nginx said:\n${log
          .split('\n')
          .filter(line => /verify error|no required|reconfiguring/.test(line))
          .join('\n')}`,
      );
    }, 90_000);
  },
);
