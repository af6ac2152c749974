/*
 * Enforcement at the gateway: what api-access costs an API behind Debian's
 * nginx, and how fast a revocation reaches every replica's gateway.
 *
 *   yarn bench:gateway [--db pg|sqlite] [--duration 10] [--warmup 3]
 *                      [--connections 64] [--grants 50000] [--trials 20]
 *                      [--pg postgres://postgres@127.0.0.1:5432] [--cpu-profile <dir>]
 *
 * One upstream (a node:http server answering fixed JSON), and in front of it,
 * one after the other, at the same number of connections (autocannon, in its
 * own process, loopback only), GETs with a key drawn evenly from one API's keys:
 *
 *   1. nginx without auth (a plain reverse proxy): the baseline;
 *   2. the recipe in examples/nginx with its decision cache off: every call
 *      asks api-access's /authorize (whose own 5 s answer cache is on);
 *   3. the recipe with the default configuration: decisions cached for
 *      apiAccess.gateway.decisionCacheSeconds = 1 s, revocation by expiry;
 *   4. the recipe with decisions cached for 30 s and the gateways' purge
 *      endpoints listed (apiAccess.gateway.purgeEndpoints): revocation pushed.
 *
 * Then 1 and 4 at a fixed rate of half of 4's saturated rate, and 1 and 3 at
 * half of 3's, for the latency api-access adds when the machine is not
 * saturated.
 *
 * Revocation, for 3 and for 4: two api-access replicas on one PostgreSQL
 * database (one on SQLite), each behind its own caching nginx; under load on
 * the first gateway, a key in use at every gateway is revoked through the
 * first replica's HTTP API, and every gateway is polled until it refuses it.
 * Repeated --trials times; the worst trial is the figure.
 *
 * Exits 0 whether or not the goals are met; 1 on an error, an unexpected
 * status under load, or a revoked key still passing 5 s past its cache time.
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
    /** Writes a CPU profile of the api-access replicas' process per scenario here. */
    'cpu-profile': { type: 'string' },
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

interface Mode {
  label: string;
  cacheSeconds: number;
  purge: boolean;
}

/** Revocation by expiry: the default configuration. */
const EXPIRY: Mode = { label: 'cache 1 s', cacheSeconds: 1, purge: false };
/** Revocation pushed: a long cache time, gateways' purge endpoints listed. */
const PURGED: Mode = {
  label: 'cache 30 s + purge',
  cacheSeconds: 30,
  purge: true,
};

interface Trial {
  perGateway: number[];
  revokeMs: number;
}

async function main() {
  const log = (line = '') => process.stdout.write(`${line}\n`);
  const cpus = os.cpus();
  if (!nginx.nginxAvailable()) {
    throw new Error(
      'nginx and libnginx-mod-http-js are needed: run scripts/setup.sh',
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
    // The revocation trials use keys nobody else presents, per mode.
    const trialKeys = apiKeys.slice(0, 2 * TRIALS);
    const loadKeys = apiKeys.slice(2 * TRIALS).map(k => k.secret);
    if (loadKeys.length < 10) {
      throw new Error(`--grants ${GRANTS} leaves too few keys for ${API}`);
    }

    const upstream = await startUpstream();
    cleanups.push(upstream.close);
    const replicaCount = DB === 'pg' ? 2 : 1;
    // Decisions on tmpfs where there is one, as docs/gateways.md advises.
    const cacheDir = existsSync('/dev/shm')
      ? mkdtempSync('/dev/shm/api-access-bench-')
      : undefined;
    if (cacheDir) {
      cleanups.push(async () =>
        rmSync(cacheDir, { recursive: true, force: true }),
      );
    }
    const recipe = async (
      replica: { url: string },
      cache: boolean,
      purgeListen?: number,
    ) => {
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
        purgeListen,
      });
      cleanups.push(() => gateway.stop());
      return gateway;
    };

    /** The replicas of one configuration, each behind its own caching nginx. */
    const startMode = async (mode: Mode) => {
      const purgePorts = [];
      for (let i = 0; i < replicaCount; i++) purgePorts.push(await freePort());
      const replicas = [];
      for (let i = 0; i < replicaCount; i++) {
        const replica = await startPlugin(database.backendConfig, {
          gateway: {
            decisionCacheSeconds: mode.cacheSeconds,
            negativeDecisionCacheSeconds: 1,
            purgeEndpoints: mode.purge
              ? purgePorts.map(
                  port => `http://127.0.0.1:${port}/_api_access_purge`,
                )
              : [],
          },
        });
        cleanups.push(() => replica.backend.stop());
        replicas.push(replica);
      }
      const gateways: Gateway[] = [];
      for (let i = 0; i < replicaCount; i++) {
        gateways.push(await recipe(replicas[i], true, purgePorts[i]));
      }
      // Sanity: the recipe lets a key through and refuses a bad one.
      for (const gateway of gateways) {
        const ok = await call(gateway, loadKeys[0]);
        const bad = await call(gateway, `${loadKeys[0].slice(0, -4)}AAAA`);
        if (ok.status !== 200 || bad.status !== 401) {
          throw new Error(
            `The gateway answered ${ok.status} and ${bad.status}`,
          );
        }
      }
      return { replicas, gateways };
    };

    const job: Omit<DriverJob, 'type' | 'url'> = {
      method: 'GET',
      path: '/pets',
      keys: loadKeys,
      keyHeader: 'X-Api-Key',
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      expectInBody: '"ok":true',
      countHeader: 'X-Api-Access-Cache',
    };
    const profile = args['cpu-profile'];
    const run = async (name: string, url: string, rate?: number) => {
      const { result } = await measure(
        driver,
        name,
        { ...job, url, ...(rate ? { rate } : {}) },
        profile,
      );
      check(name, result);
      return result;
    };

    /** Revokes each key while the first gateway is under load; times the 401s. */
    const revocations = async (
      mode: Mode,
      replicas: Array<{ url: string }>,
      gateways: Gateway[],
      keys: SampleKey[],
    ) => {
      log(
        `Revocation, ${mode.label}: ${keys.length} trials over ${gateways.length} gateway(s), under load...`,
      );
      const background = driver.run(
        {
          ...job,
          url: gateways[0].url,
          durationSeconds: keys.length * 3 + 5,
          warmupSeconds: 1,
        },
        () => undefined,
      );
      await new Promise(r => setTimeout(r, 1000));
      const trials: Trial[] = [];
      for (const key of keys) {
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
              if (elapsed > 5000 + mode.cacheSeconds * 1000) {
                throw new Error(
                  `A revoked key still passed after ${elapsed} ms`,
                );
              }
              await new Promise(r => setTimeout(r, 2));
            }
          }),
        );
        trials.push({ perGateway, revokeMs });
      }
      return { trials, background: await background };
    };

    log('nginx without auth...');
    const plainProxy: Gateway = await nginx.startPlainProxy({
      listen: await freePort(),
      upstream: upstream.address,
    });
    cleanups.push(() => plainProxy.stop());
    const plainRun = await run('nginx', plainProxy.url);

    log(`api-access, ${EXPIRY.label}...`);
    const expiry = await startMode(EXPIRY);
    const uncached = await recipe(expiry.replicas[0], false);
    log('nginx + api-access, gateway cache off...');
    const uncachedRun = await run('uncached', uncached.url);
    log(`nginx + api-access, ${EXPIRY.label}...`);
    const expiryRun = await run('cached-expiry', expiry.gateways[0].url);
    const expiryRevocations = await revocations(
      EXPIRY,
      expiry.replicas,
      expiry.gateways,
      trialKeys.slice(0, TRIALS),
    );

    log(`nginx + api-access, ${PURGED.label}...`);
    const purged = await startMode(PURGED);
    const purgedRun = await run('cached-purge', purged.gateways[0].url);
    const rate = Math.round(purgedRun.requestsPerSecond / 2);
    log(
      `nginx without auth and api-access ${PURGED.label} at ${rate} req/s...`,
    );
    const plainPaced = await run('nginx-paced', plainProxy.url, rate);
    const purgedPaced = await run(
      'cached-purge-paced',
      purged.gateways[0].url,
      rate,
    );
    // The default configuration at half of its own saturated rate.
    const expiryRate = Math.round(expiryRun.requestsPerSecond / 2);
    log(`both again at ${expiryRate} req/s, for ${EXPIRY.label}...`);
    const plainPacedForExpiry = await run(
      'nginx-paced-expiry',
      plainProxy.url,
      expiryRate,
    );
    const expiryPaced = await run(
      'cached-expiry-paced',
      expiry.gateways[0].url,
      expiryRate,
    );
    const purgeRevocations = await revocations(
      PURGED,
      purged.replicas,
      purged.gateways,
      trialKeys.slice(TRIALS),
    );

    // --------------------------------------------------------------- report
    const plainRps = plainRun.requestsPerSecond;
    const hits = (result: DriverResult) => {
      const counts = result.headerCounts ?? {};
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return total > 0 ? `${fmt((100 * (counts.HIT ?? 0)) / total, 1)}%` : '-';
    };
    const rows: Array<[string, DriverResult, boolean]> = [
      ['nginx without auth', plainRun, false],
      ['nginx + api-access, no gateway cache', uncachedRun, false],
      [`nginx + api-access, ${EXPIRY.label}`, expiryRun, false],
      [`nginx + api-access, ${PURGED.label}`, purgedRun, false],
      [`nginx without auth, ${rate}/s`, plainPaced, true],
      [`nginx + api-access, ${PURGED.label}, ${rate}/s`, purgedPaced, true],
      [`nginx without auth, ${expiryRate}/s`, plainPacedForExpiry, true],
      [
        `nginx + api-access, ${EXPIRY.label}, ${expiryRate}/s`,
        expiryPaced,
        true,
      ],
    ];
    log();
    log('api-access gateway benchmark');
    log(`date:        ${new Date().toISOString()}`);
    log(
      `node:        ${process.version}, ${
        cpus.length
      } CPUs (${cpus[0]?.model.trim()}); nginx with 1 worker, decisions on ${
        cacheDir ? 'tmpfs' : 'disk'
      }`,
    );
    log(`db:          ${database.label}`);
    log(
      `data:        ${GRANTS.toLocaleString(
        'en-US',
      )} active grants; load over ${loadKeys.length.toLocaleString(
        'en-US',
      )} keys of ${API} drawn evenly, GET /pets with X-Api-Key, ${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s warm-up`,
    );
    log(
      '             everything on this machine: autocannon, nginx, the upstream, api-access, the database',
    );
    log();
    log(
      `${'scenario'.padEnd(52)}${'req/s'.padStart(9)}${'p50 ms'.padStart(
        9,
      )}${'p99 ms'.padStart(9)}${'vs no auth'.padStart(
        12,
      )}${'cache hits'.padStart(12)}`,
    );
    for (const [name, result, paced] of rows) {
      log(
        `${name.padEnd(52)}${fmt(result.requestsPerSecond, 0).padStart(9)}${fmt(
          result.p50,
        ).padStart(9)}${fmt(result.p99).padStart(9)}${(paced
          ? '-'
          : `${fmt((100 * result.requestsPerSecond) / plainRps, 1)}%`
        ).padStart(12)}${hits(result).padStart(12)}`,
      );
    }
    const worstOf = (trials: Trial[]) =>
      Math.max(...trials.map(t => Math.max(...t.perGateway)));
    for (const [mode, { trials, background }] of [
      [EXPIRY, expiryRevocations],
      [PURGED, purgeRevocations],
    ] as const) {
      log();
      log(
        `revocation, ${mode.label}: ${trials.length} trials, ${replicaCount} replica(s) each behind its own nginx, from the start of POST /grants/:id/revoke to a 401:`,
      );
      trials[0].perGateway.forEach((_, i) => {
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
        )} ms; other keys meanwhile ${fmt(
          background.requestsPerSecond,
          0,
        )} req/s, ${background.non2xx} refused`,
      );
      log(
        `             every trial (worst gateway): ${trials
          .map(t => Math.max(...t.perGateway))
          .join(' ')}`,
      );
    }
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const summary = (
      mode: Mode,
      cached: DriverResult,
      paced: DriverResult,
      pacedBaseline: DriverResult,
      trials: Trial[],
    ) => {
      const ratio = cached.requestsPerSecond / plainRps;
      const added = paced.p99 - pacedBaseline.p99;
      const worst = worstOf(trials);
      return {
        goals: `${mode.label}: >= ${
          100 * GOAL_RATIO
        }% of nginx without auth: ${met(
          ratio >= GOAL_RATIO,
        )}; p99 added <= ${GOAL_P99_ADDED_MS} ms at half load: ${met(
          added <= GOAL_P99_ADDED_MS,
        )}; revocation <= ${GOAL_REVOCATION_MS} ms at every gateway: ${met(
          worst <= GOAL_REVOCATION_MS,
        )}`,
        line: `cached enforcement at ${fmt(
          100 * ratio,
          1,
        )}% of nginx without auth, p99 +${fmt(
          added,
        )} ms; revocation refused everywhere after ${worst} ms`,
      };
    };
    const byExpiry = summary(
      EXPIRY,
      expiryRun,
      expiryPaced,
      plainPacedForExpiry,
      expiryRevocations.trials,
    );
    const byPurge = summary(
      PURGED,
      purgedRun,
      purgedPaced,
      plainPaced,
      purgeRevocations.trials,
    );
    log();
    log(`goals:       ${byExpiry.goals}`);
    log(`             ${byPurge.goals}`);
    log(`with ${EXPIRY.label} (the default): ${byExpiry.line}`);
    log(`gateway: ${byPurge.line} (${PURGED.label})`);
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
