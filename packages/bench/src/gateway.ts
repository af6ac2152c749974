/*
 * Enforcement at the gateway: what api-access costs an API behind Debian's
 * nginx, and how fast a revocation reaches every replica's gateway.
 *
 *   yarn bench:gateway [--db pg|sqlite] [--duration 10] [--warmup 3]
 *                      [--connections 64] [--grants 50000] [--trials 20]
 *                      [--pg postgres://postgres@127.0.0.1:5432]
 *
 * One upstream (a node:http server answering fixed JSON), and in front of it,
 * one after the other, at the same number of connections (autocannon, in its
 * own process, loopback only):
 *
 *   1. nginx without auth (a plain reverse proxy): the baseline;
 *   2. the recipe in examples/nginx with its decision cache off: every call
 *      asks api-access's /authorize (whose own 5 s answer cache is on);
 *   3. the recipe as shipped: decisions cached for
 *      apiAccess.gateway.decisionCacheSeconds (1 s).
 *
 * Then 1 and 3 again at a fixed rate of half of 3's saturated rate, for the
 * latency api-access adds when the machine is not saturated. Calls are GETs
 * with a key drawn at random from the API's keys.
 *
 * Then revocation: two api-access replicas on one PostgreSQL database (one on
 * SQLite), each behind its own caching nginx; under load on the first
 * gateway, a key in use at both gateways is revoked through the first
 * replica's HTTP API, and both gateways are polled until they refuse it.
 * Repeated --trials times; the worst trial is the figure.
 *
 * Exits 0 whether or not the goals are met; 1 on an error, an unexpected
 * status under load, or a revoked key still passing after 5 s.
 */
/* eslint-disable no-restricted-syntax --
 * __dirname is right here: the benchmark runs from source in this repository
 * (node -r nodeTransform) and is never built or published. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { DriverJob, DriverResult } from './driver';
import {
  Driver,
  SampleKey,
  fmt,
  load,
  measure,
  openPostgres,
  openSqlite,
  startPlugin,
} from './harness';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const nginx = require(resolve(__dirname, '../../../examples/nginx/gateway.js'));

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: process.env.BENCH_DB ?? 'pg' },
    pg: {
      type: 'string',
      default: process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432',
    },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    grants: { type: 'string', default: '50000' },
    trials: { type: 'string', default: '20' },
  },
});

const DB = args.db === 'postgres' ? 'pg' : args.db!;
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const GRANTS = Number(args.grants);
const TRIALS = Number(args.trials);
const PG_DATABASE = 'api_access_bench_gateway';
const API = 'api:default/api-0';
const CACHE_SECONDS = 1;
const UPSTREAM_ANSWER = '{"ok":true,"pets":[{"id":1,"name":"Rex"}]}';
const GOAL_RATIO = 0.5;
const GOAL_P99_ADDED_MS = 5;
const GOAL_REVOCATION_MS = 1000;

if (!['sqlite', 'pg'].includes(DB)) {
  throw new Error(`--db must be sqlite or pg, got '${args.db}'`);
}
for (const [name, value, min] of [
  ['duration', DURATION, 1],
  ['warmup', WARMUP, 0],
  ['connections', CONNECTIONS, 1],
  ['grants', GRANTS, 100],
  ['trials', TRIALS, 1],
] as const) {
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`--${name} must be a number >= ${min}, got ${value}`);
  }
}

function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise(done =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    }),
  );
}

async function startUpstream() {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(UPSTREAM_ANSWER);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise(r => server.close(r)),
  };
}

interface Gateway {
  url: string;
  stop(): Promise<void>;
}

const call = (gateway: Gateway, key: string) =>
  fetch(`${gateway.url}/pets`, { headers: { 'X-Api-Key': key } });

function check(name: string, result: DriverResult) {
  const problems = [];
  if (result.non2xx) problems.push(`${result.non2xx} non-2xx answers`);
  if (result.errors) {
    problems.push(`${result.errors} errors (${result.firstError ?? ''})`);
  }
  if (result.timeouts) problems.push(`${result.timeouts} timeouts`);
  if (result.unexpected) problems.push(`${result.unexpected} wrong bodies`);
  if (result.completed === 0) problems.push('no answers');
  if (problems.length > 0) throw new Error(`${name}: ${problems.join(', ')}`);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};

async function main() {
  const log = (line = '') => process.stdout.write(`${line}\n`);
  const cpus = os.cpus();
  if (!nginx.nginxAvailable()) {
    throw new Error(
      'nginx and libnginx-mod-http-set-misc are needed: run scripts/setup.sh',
    );
  }
  const database =
    DB === 'pg'
      ? await openPostgres(args.pg!, PG_DATABASE)
      : await openSqlite();
  const driver = new Driver();
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    log(`Loading ${GRANTS.toLocaleString('en-US')} grants into ${DB}...`);
    const sample = await load(database.loader, GRANTS, GRANTS);
    const apiKeys = sample.filter(k => k.apiRef === API);
    // The revocation trials use keys nobody else presents.
    const trialKeys = apiKeys.slice(0, TRIALS);
    const loadKeys = apiKeys.slice(TRIALS).map(k => k.secret);
    if (loadKeys.length < 10) {
      throw new Error(`--grants ${GRANTS} leaves too few keys for ${API}`);
    }

    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const replicaCount = DB === 'pg' ? 2 : 1;
    const replicas = [];
    for (let i = 0; i < replicaCount; i++) {
      const replica = await startPlugin(database.backendConfig, {
        gateway: {
          decisionCacheSeconds: CACHE_SECONDS,
          negativeDecisionCacheSeconds: CACHE_SECONDS,
        },
      });
      cleanups.push(() => replica.backend.stop());
      replicas.push(replica);
    }
    // Decisions on tmpfs where there is one, as docs/gateways.md advises.
    const cacheDir = existsSync('/dev/shm')
      ? mkdtempSync('/dev/shm/api-access-bench-')
      : undefined;
    if (cacheDir) {
      cleanups.push(async () =>
        rmSync(cacheDir, { recursive: true, force: true }),
      );
    }
    const recipe = async (replica: { url: string }, cache: boolean) => {
      const gateway: Gateway = await nginx.startGateway({
        name: 'api0',
        listen: await freePort(),
        upstream: upstream.address,
        backend: new URL(replica.url).host,
        token: mockCredentials.service.token(),
        apiRef: API,
        readScope: 'api-0:read',
        writeScope: 'api-0:write',
        cache,
        cacheDir: cacheDir && mkdtempSync(join(cacheDir, 'nginx-')),
        accessLog: false,
      });
      cleanups.push(() => gateway.stop());
      return gateway;
    };
    const plain: Gateway = await nginx.startPlainProxy({
      listen: await freePort(),
      upstream: upstream.address,
    });
    cleanups.push(() => plain.stop());
    const uncached = await recipe(replicas[0], false);
    const cached = await recipe(replicas[0], true);

    // Sanity: the recipe lets a key through and refuses a bad one.
    for (const gateway of [uncached, cached]) {
      const ok = await call(gateway, loadKeys[0]);
      const bad = await call(gateway, `${loadKeys[0].slice(0, -4)}AAAA`);
      if (ok.status !== 200 || bad.status !== 401) {
        throw new Error(`The gateway answered ${ok.status} and ${bad.status}`);
      }
    }

    const job: Omit<DriverJob, 'type' | 'url'> = {
      method: 'GET',
      path: '/pets',
      keys: loadKeys,
      keyHeader: 'X-Api-Key',
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      expectInBody: '"ok":true',
    };
    log('nginx without auth...');
    const plainRun = await measure(driver, 'nginx', { ...job, url: plain.url });
    check('nginx without auth', plainRun.result);
    log('nginx + api-access, gateway cache off...');
    const uncachedRun = await measure(driver, 'uncached', {
      ...job,
      url: uncached.url,
    });
    check('api-access uncached', uncachedRun.result);
    log(`nginx + api-access, gateway cache ${CACHE_SECONDS} s...`);
    const cachedRun = await measure(driver, 'cached', {
      ...job,
      url: cached.url,
    });
    check('api-access cached', cachedRun.result);
    const rate = Math.round(cachedRun.result.requestsPerSecond / 2);
    log(`Both at ${rate} req/s...`);
    const plainPaced = await measure(driver, 'nginx-paced', {
      ...job,
      url: plain.url,
      rate,
    });
    check('nginx without auth, paced', plainPaced.result);
    const cachedPaced = await measure(driver, 'cached-paced', {
      ...job,
      url: cached.url,
      rate,
    });
    check('api-access cached, paced', cachedPaced.result);

    // ---------------------------------------------------------- revocation
    log(
      `Revocation: ${TRIALS} trials, ${replicaCount} replica${
        replicaCount > 1 ? 's' : ''
      } each behind its own caching nginx, under load...`,
    );
    const gateways = [cached];
    for (const replica of replicas.slice(1)) {
      gateways.push(await recipe(replica, true));
    }
    const background = driver.run(
      {
        ...job,
        url: cached.url,
        durationSeconds: TRIALS * 3 + 5,
        warmupSeconds: 1,
      },
      () => undefined,
    );
    await new Promise(r => setTimeout(r, 1000));
    const trials: Array<{ perGateway: number[]; revokeMs: number }> = [];
    for (const key of trialKeys as SampleKey[]) {
      // The key is in use at every gateway: its allow is cached there.
      for (const gateway of gateways) {
        for (let i = 0; i < 3; i++) {
          const answer = await call(gateway, key.secret);
          if (answer.status !== 200) {
            throw new Error(
              `A trial key was refused before revocation: ${answer.status}`,
            );
          }
        }
      }
      // Land the revocation at a random point of the cache second.
      await new Promise(r => setTimeout(r, Math.random() * 1000));
      const started = Date.now();
      const revokeAnswer = await fetch(
        `${replicas[0].url}/api/api-access/grants/${key.grantId}/revoke`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: mockCredentials.user.header(key.requesterRef),
          },
          body: JSON.stringify({ reason: 'Benchmark: revoked under load' }),
        },
      );
      const revokeMs = Date.now() - started;
      if (revokeAnswer.status !== 200) {
        throw new Error(
          `Revoke answered ${
            revokeAnswer.status
          }: ${await revokeAnswer.text()}`,
        );
      }
      const perGateway = await Promise.all(
        gateways.map(async gateway => {
          for (;;) {
            const answer = await call(gateway, key.secret);
            const elapsed = Date.now() - started;
            if (answer.status === 401) return elapsed;
            if (elapsed > 5000) {
              throw new Error(`A revoked key still passed after ${elapsed} ms`);
            }
            await new Promise(r => setTimeout(r, 2));
          }
        }),
      );
      trials.push({ perGateway, revokeMs });
    }
    const backgroundRun = await background;

    // --------------------------------------------------------------- report
    const plainRps = plainRun.result.requestsPerSecond;
    const rows = [
      ['nginx without auth', plainRun.result],
      ['nginx + api-access, no gateway cache', uncachedRun.result],
      [
        `nginx + api-access, gateway cache ${CACHE_SECONDS} s`,
        cachedRun.result,
      ],
      [`nginx without auth, ${rate}/s`, plainPaced.result],
      [`nginx + api-access cached, ${rate}/s`, cachedPaced.result],
    ] as const;
    log();
    log('api-access gateway benchmark');
    log(`date:        ${new Date().toISOString()}`);
    log(
      `node:        ${process.version}, ${
        cpus.length
      } CPUs (${cpus[0]?.model.trim()}); nginx with 1 worker`,
    );
    log(`db:          ${database.label}`);
    log(
      `data:        ${GRANTS.toLocaleString(
        'en-US',
      )} active grants; load over ${loadKeys.length.toLocaleString(
        'en-US',
      )} keys of ${API}, GET /pets with X-Api-Key, ${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s warm-up`,
    );
    log(
      '             everything on this machine: autocannon, nginx, the upstream, api-access, the database',
    );
    log();
    log(
      `${'scenario'.padEnd(44)}${'req/s'.padStart(9)}${'p50 ms'.padStart(
        9,
      )}${'p99 ms'.padStart(9)}${'vs no auth'.padStart(12)}`,
    );
    for (const [name, result] of rows) {
      const paced = name.includes('/s');
      log(
        `${name.padEnd(44)}${fmt(result.requestsPerSecond, 0).padStart(9)}${fmt(
          result.p50,
        ).padStart(9)}${fmt(result.p99).padStart(9)}${(paced
          ? '-'
          : `${fmt((100 * result.requestsPerSecond) / plainRps, 1)}%`
        ).padStart(12)}`,
      );
    }
    const ratio = cachedRun.result.requestsPerSecond / plainRps;
    const added = cachedPaced.result.p99 - plainPaced.result.p99;
    const worst = Math.max(...trials.map(t => Math.max(...t.perGateway)));
    const all = trials.map(t => Math.max(...t.perGateway));
    log();
    log(
      `revocation:  ${trials.length} trials over ${gateways.length} gateway${
        gateways.length > 1 ? 's' : ''
      } (${replicaCount} replica${
        replicaCount > 1 ? 's' : ''
      }), measured from the start of POST /grants/:id/revoke to a 401 at each gateway:`,
    );
    gateways.forEach((_, i) => {
      const times = trials.map(t => t.perGateway[i]);
      log(
        `             gateway ${i + 1} (replica ${i + 1}): median ${fmt(
          percentile(times, 50),
          0,
        )} ms, worst ${fmt(Math.max(...times), 0)} ms`,
      );
    });
    log(
      `             the revoke call itself: median ${fmt(
        percentile(
          trials.map(t => t.revokeMs),
          50,
        ),
        0,
      )} ms; background load meanwhile ${fmt(
        backgroundRun.requestsPerSecond,
        0,
      )} req/s, ${backgroundRun.non2xx} refused (other keys are never refused)`,
    );
    log(
      `             every trial (worst gateway): ${all
        .map(v => `${v}`)
        .join(' ')}`,
    );
    log();
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    log(
      `goals:       cached >= ${100 * GOAL_RATIO}% of nginx without auth: ${met(
        ratio >= GOAL_RATIO,
      )}; p99 added <= ${GOAL_P99_ADDED_MS} ms at half load: ${met(
        added <= GOAL_P99_ADDED_MS,
      )}; revocation <= ${GOAL_REVOCATION_MS} ms at every gateway: ${met(
        worst <= GOAL_REVOCATION_MS,
      )}`,
    );
    log(
      `gateway: cached enforcement at ${fmt(
        100 * ratio,
        1,
      )}% of nginx without auth, p99 +${fmt(
        added,
      )} ms; revocation refused everywhere after ${worst} ms`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    driver.stop();
    await database.loader.destroy().catch(() => undefined);
    await database.cleanup();
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(
      `bench:gateway failed: ${String(error?.stack ?? error).slice(0, 3000)}\n`,
    );
    process.exit(1);
  },
);
