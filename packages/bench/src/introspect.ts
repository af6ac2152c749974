/*
 * Benchmark of the introspection hot path: POST /api/api-access/introspect,
 * the call a gateway makes for every API request it lets through.
 *
 *   yarn bench:introspect [--db sqlite|pg] [--duration 10] [--warmup 3]
 *                         [--connections 64] [--grants 100000] [--keys 10000]
 *                         [--pg postgres://postgres@127.0.0.1:5432]
 *                         [--paced 0.5] [--cpu-profile <dir>]
 *
 * It loads active grants, each with one active API key, into a fresh
 * database with the plugin's own migrations; starts the real plugin in a
 * Backstage test backend with the production database service; checks a few
 * answers; then drives it with autocannon from a separate process, once with
 * the default 5 s answer cache and once with the cache off, and drives a bare
 * node:http server the same way for comparison. It prints a table and exits 0
 * whether or not the targets are met; 1 on any error, non-2xx answer, or
 * active=false for a valid key. The hot keys' scenarios run again once
 * their grants hold a plan with a quota, to show what counting every
 * decision costs (before/after in one run). /authorize also runs over bearer
 * tokens of the same grants (a test bearer-token type: ES256 JWTs it signs
 * itself, verified with node:crypto), to compare a token's decision with a
 * key's in one run.
 */
/* eslint-disable no-restricted-syntax --
 * __dirname is right here: the benchmark runs from source in this repository
 * (node -r nodeTransform) and is never built or published. */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { DriverResult } from './driver';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { UsageCounter } from '../../../plugins/api-access-backend/src/credentials/UsageCounter';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { UsageStore } from '../../../plugins/api-access-backend/src/credentials/UsageStore';
// The core's test bearer-token type: the benchmark is dev-only, never built.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports, no-restricted-imports
import {
  audienceOf,
  createTestTokenType,
  TEST_TOKEN_TYPE_ID,
  testTokenTypeModule,
} from '../../../plugins/api-access-backend/src/__testUtils__/testTokenType';
import {
  BACKEND,
  Driver,
  SampleKey,
  ServerStats,
  fmt,
  load,
  measure,
  newKey,
  openPostgres,
  openSqlite,
  startPlugin,
} from './harness';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: process.env.BENCH_DB ?? 'sqlite' },
    pg: {
      type: 'string',
      default: process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432',
    },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    grants: { type: 'string', default: '100000' },
    keys: { type: 'string', default: '10000' },
    /** Also drive cached introspection at this share of its saturated rate (0: skip). */
    paced: { type: 'string', default: '0.5' },
    /** Writes a CPU profile of the server process per scenario into this directory. */
    'cpu-profile': { type: 'string' },
  },
});

const DB = args.db === 'postgres' ? 'pg' : args.db!;
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const GRANTS = Number(args.grants);
const KEY_POOL = Math.min(Number(args.keys), GRANTS);
const PACED = Number(args.paced);
const PG_DATABASE = 'api_access_bench';
const INTROSPECT_PATH = '/api/api-access/introspect';
const ACTIVE = '"active":true';
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 5;
/** One API's keys: the set one gateway presents. */
const HOT_API = 'api:default/api-0';

if (!['sqlite', 'pg'].includes(DB)) {
  throw new Error(`--db must be sqlite or pg, got '${args.db}'`);
}
for (const [name, value, min] of [
  ['duration', DURATION, 1],
  ['warmup', WARMUP, 0],
  ['connections', CONNECTIONS, 1],
  ['grants', GRANTS, 1],
  ['keys', KEY_POOL, 1],
  ['paced', PACED, 0],
] as const) {
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`--${name} must be a number >= ${min}, got ${value}`);
  }
}

/** A fixed answer of the same shape and size as an introspection answer. */
const BARE_ANSWER = JSON.stringify({
  active: true,
  scope: 'api-0:read api-0:write',
  client_id: 'component:default/consumer-0',
  sub: 'component:default/consumer-0',
  aud: 'api:default/api-0',
  exp: 1_900_000_000,
  environment: 'production',
  grant_id: '00000000-0000-4000-8000-000000000000',
  rate_limit: { requests: 600, per_seconds: 60 },
});

async function startBare() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(BARE_ANSWER);
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise(r => server.close(r)),
  };
}

async function introspect(url: string, token: string, authorization?: string) {
  const response = await fetch(`${url}${INTROSPECT_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return { status: response.status, body: await response.json() };
}

/** A few answers checked field by field before any load is applied. */
async function verify(url: string, sample: SampleKey[], auth: string) {
  for (const key of sample.slice(0, 5)) {
    const { status, body } = await introspect(url, key.secret, auth);
    if (
      status !== 200 ||
      body.active !== true ||
      body.grant_id !== key.grantId
    ) {
      throw new Error(
        `Valid key not accepted: ${status} ${JSON.stringify(body)}`,
      );
    }
  }
  const unknown = await introspect(url, newKey().secret, auth);
  if (unknown.status !== 200 || unknown.body.active !== false) {
    throw new Error(`Unknown key accepted: ${JSON.stringify(unknown)}`);
  }
  // Only service principals may introspect.
  const none = await introspect(
    url,
    sample[0].secret,
    mockCredentials.none.header(),
  );
  const user = await introspect(
    url,
    sample[0].secret,
    mockCredentials.user.header(),
  );
  if (none.status !== 401 || user.status !== 403) {
    throw new Error(
      `Introspection without a service token got ${none.status} (no token) and ${user.status} (user token)`,
    );
  }
}

// ------------------------------------------------------------------ report

interface Row {
  name: string;
  /** Driven at a fixed rate, not as fast as answered. */
  paced?: boolean;
  result: DriverResult;
  server: ServerStats;
}

function check(name: string, result: DriverResult) {
  const problems = [];
  if (result.non2xx) problems.push(`${result.non2xx} non-2xx answers`);
  if (result.errors) {
    problems.push(
      `${result.errors} connection errors${
        result.firstError ? ` (${result.firstError})` : ''
      }`,
    );
  }
  if (result.timeouts) problems.push(`${result.timeouts} timeouts`);
  if (result.unexpected) {
    problems.push(`${result.unexpected} answers without ${ACTIVE}`);
  }
  if (result.completed === 0) problems.push('no answers at all');
  if (problems.length > 0) {
    throw new Error(`${name}: ${problems.join(', ')}`);
  }
}

function table(rows: Row[], bare: DriverResult) {
  const columns: Array<[string, number, (row: Row) => string]> = [
    ['scenario', -32, row => row.name],
    ['req/s', 8, row => fmt(row.result.requestsPerSecond, 0)],
    ['p50 ms', 7, row => fmt(row.result.p50)],
    ['p99 ms', 7, row => fmt(row.result.p99)],
    ['max ms', 8, row => fmt(row.result.max, 1)],
    [
      'vs bare',
      7,
      row =>
        row.paced
          ? '-'
          : `${fmt(
              (100 * row.result.requestsPerSecond) / bare.requestsPerSecond,
              1,
            )}%`,
    ],
    ['srv CPU us/req', 14, row => fmt(row.server.cpuMicrosPerRequest, 0)],
    ['loop busy', 9, row => `${fmt(100 * row.server.eventLoopBusy, 0)}%`],
    ['loop stall ms', 13, row => fmt(row.server.eventLoopDelayMaxMs, 1)],
    ['GC', 4, row => `${fmt(100 * row.server.gcShare, 0)}%`],
  ];
  const cell = (text: string, width: number) =>
    width < 0 ? text.padEnd(-width) : text.padStart(width);
  return [
    columns.map(([title, width]) => cell(title, width)).join('  '),
    ...rows.map(row =>
      columns.map(([, width, value]) => cell(value(row), width)).join('  '),
    ),
  ].join('\n');
}

function targets(name: string, result: DriverResult, bare: DriverResult) {
  const ratio = result.requestsPerSecond / bare.requestsPerSecond;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    `${name}: throughput ${fmt(100 * ratio, 1)}% of bare (target >= ${
      100 * TARGET_RATIO
    }%): ${met(ratio >= TARGET_RATIO)}`,
    `${name}: p99 ${fmt(result.p99)} ms (target < ${TARGET_P99_MS} ms): ${met(
      result.p99 < TARGET_P99_MS,
    )}`,
  ].join('\n');
}

/**
 * With K keys drawn at random at R req/s, each key comes back every K/R s on
 * average; an answer cached for T s then serves about (R/K)T requests before
 * it expires, so the share served from the cache is (R/K)T / (1 + (R/K)T).
 */
function expectedHitRatio(requestsPerSecond: number, ttlSeconds: number) {
  const perKey = (requestsPerSecond / KEY_POOL) * ttlSeconds;
  return perKey / (1 + perKey);
}

/** The commit measured, and whether the code under test differs from it. */
function codeVersion(): string {
  const git = (...gitArgs: string[]) =>
    execFileSync('git', gitArgs, { cwd: __dirname, encoding: 'utf8' }).trim();
  try {
    const head = git('log', '-1', '--format=%h %s');
    const changed = git(
      'status',
      '--porcelain',
      '--',
      resolve(BACKEND, 'src'),
      resolve(BACKEND, 'migrations'),
      resolve(BACKEND, '../api-access-common/src'),
    );
    return changed ? `${head} (plus uncommitted changes under test)` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

// -------------------------------------------------------------------- main

async function main() {
  const log = (line = '') => process.stdout.write(`${line}\n`);
  const cpus = os.cpus();
  const loadBefore = os.loadavg()[0];
  const code = codeVersion();
  const database =
    DB === 'pg'
      ? await openPostgres(args.pg!, PG_DATABASE)
      : await openSqlite();
  const driver = new Driver();
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    log(`Loading ${GRANTS.toLocaleString('en-US')} grants into ${DB}...`);
    const loadStart = Date.now();
    const sample = await load(database.loader, GRANTS, KEY_POOL);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const keys = sample.map(k => k.secret);
    const auth = mockCredentials.service.header();
    const job = {
      method: 'POST' as const,
      path: INTROSPECT_PATH,
      authorization: auth,
      keys,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      expectInBody: ACTIVE,
    };

    log('Bare node:http server...');
    const bare = await startBare();
    cleanups.push(bare.close);
    const bareRun = await measure(
      driver,
      'bare',
      { ...job, url: bare.url },
      args['cpu-profile'],
    );
    check('bare', bareRun.result);

    log('Introspection, default config (5 s answer cache)...');
    // Bearer tokens for the hot grants: one client each, of a test type.
    const tokenType = createTestTokenType();
    const cached = await startPlugin(database.backendConfig, {}, [
      testTokenTypeModule(tokenType),
    ]);
    cleanups.push(() => cached.backend.stop());
    await verify(cached.url, sample, auth);
    const cachedRun = await measure(
      driver,
      'introspect-cached',
      {
        ...job,
        url: cached.url,
      },
      args['cpu-profile'],
    );
    check('introspection (cache 5 s)', cachedRun.result);
    await verify(cached.url, sample, auth);
    const flushStart = Date.now();
    await cached.scheduler.triggerTask('api-access-record-last-use');
    const flushMs = Date.now() - flushStart;
    const [{ used }] = await database
      .loader('api_access_grants')
      .whereNotNull('last_used_at')
      .count({ used: '*' });
    // Latency below saturation: the same scenario at a fixed offered rate.
    const pacedRate = Math.round(PACED * cachedRun.result.requestsPerSecond);
    const pacedRun =
      pacedRate > 0
        ? await measure(driver, 'introspect-cached-paced', {
            ...job,
            url: cached.url,
            rate: pacedRate,
          })
        : undefined;
    if (pacedRun) check('introspection (paced)', pacedRun.result);
    // The bare server at the same rate: what the machine allows.
    const pacedBareRun =
      pacedRate > 0
        ? await measure(driver, 'bare-paced', {
            ...job,
            url: bare.url,
            rate: pacedRate,
          })
        : undefined;
    if (pacedBareRun) check('bare (paced)', pacedBareRun.result);
    await bare.close();
    cleanups.splice(cleanups.indexOf(bare.close), 1);
    // The framework's floor: the same backend, root router, plugin router
    // and auth barrier, for a route that does no work.
    const healthRun = await measure(
      driver,
      'plugin-health',
      {
        ...job,
        url: cached.url,
        method: 'GET',
        path: '/api/api-access/health',
        keys: undefined,
        expectInBody: '"status":"ok"',
      },
      args['cpu-profile'],
    );
    check('plugin health', healthRun.result);
    // The decision path against that floor, over one API's keys (a hot set,
    // as one gateway sees it): introspection, and /authorize as nginx asks.
    const hotKeys = sample.filter(k => k.apiRef === HOT_API).map(k => k.secret);
    const hotIntrospectRun = await measure(
      driver,
      'introspect-hot',
      { ...job, url: cached.url, keys: hotKeys },
      args['cpu-profile'],
    );
    check('introspection (hot keys)', hotIntrospectRun.result);
    const authorizeRun = await measure(
      driver,
      'authorize-hot',
      {
        ...job,
        url: cached.url,
        method: 'GET',
        path: '/api/api-access/authorize',
        keys: hotKeys,
        keyHeader: 'X-Api-Access-Key',
        headers: { 'X-Api-Access-Api': HOT_API },
        expectInBody: '"allowed":true',
      },
      args['cpu-profile'],
    );
    check('authorize (hot keys)', authorizeRun.result);
    // The same grants' bearer tokens (one client each, ~600-byte ES256 JWTs).
    const hotSample = sample.filter(k => k.apiRef === HOT_API);
    const hotGrantRows = await database
      .loader('api_access_grants')
      .whereIn(
        'id',
        hotSample.map(k => k.grantId),
      )
      .select('id', 'scopes');
    const tokens: string[] = [];
    const clients = hotGrantRows.map((row: { id: string; scopes: string }) => {
      const clientId = `client-${row.id}`;
      tokens.push(
        tokenType.sign({
          clientId,
          scopes: JSON.parse(row.scopes),
          audiences: [audienceOf(HOT_API)],
          expiresInSeconds: 3600,
        }),
      );
      return {
        id: randomUUID(),
        grant_id: row.id,
        credential_type: TEST_TOKEN_TYPE_ID,
        prefix: clientId,
        secret_hash: tokenType.lookupHashOf(clientId),
        status: 'active',
        terms_version: '1',
        issued_to: 'user:default/bench',
        created_at: new Date(),
        valid_until: null,
      };
    });
    for (let i = 0; i < clients.length; i += 200) {
      await database
        .loader('api_access_credentials')
        .insert(clients.slice(i, i + 200));
    }
    const verifiedBefore = tokenType.verified;
    const authorizeTokenRun = await measure(
      driver,
      'authorize-hot-token',
      {
        ...job,
        url: cached.url,
        method: 'GET',
        path: '/api/api-access/authorize',
        keys: tokens,
        keyHeader: 'X-Api-Access-Token',
        headers: { 'X-Api-Access-Api': HOT_API },
        expectInBody: '"allowed":true',
      },
      args['cpu-profile'],
    );
    check('authorize (hot tokens)', authorizeTokenRun.result);
    const tokenVerifications = tokenType.verified - verifiedBefore;
    // What the type's check costs when the answer is not cached: in-process.
    const VERIFY_ROUNDS = 2000;
    const verifyStart = process.hrtime.bigint();
    for (let i = 0; i < VERIFY_ROUNDS; i++) {
      await tokenType.verifyToken!(tokens[i % tokens.length]);
    }
    const verifyMicros =
      Number(process.hrtime.bigint() - verifyStart) / VERIFY_ROUNDS / 1000;
    await cached.backend.stop();
    cleanups.pop();

    // What quota counting costs per decision: the same keys, the same
    // scenarios, once their grants hold a plan with a quota (too large to
    // be reached), so that every decision is counted in memory and flushed
    // every second. Before/after in one run: the two rows above.
    log('The same keys on a plan with a quota (every decision counted)...');
    const planColumns = {
      plan: 'standard',
      plan_title: 'Standard',
      rate_limit_requests: 1000,
      rate_limit_seconds: 1,
      quota_requests: 1_000_000_000_000,
      quota_period: 'month',
    };
    await database
      .loader('api_access_grants')
      .where('api_ref', HOT_API)
      .update(planColumns);
    const quotaed = await startPlugin(database.backendConfig);
    cleanups.push(() => quotaed.backend.stop());
    const hotQuotaIntrospectRun = await measure(
      driver,
      'introspect-hot-quota',
      { ...job, url: quotaed.url, keys: hotKeys },
      args['cpu-profile'],
    );
    check('introspection (hot keys, quota)', hotQuotaIntrospectRun.result);
    const authorizeQuotaRun = await measure(
      driver,
      'authorize-hot-quota',
      {
        ...job,
        url: quotaed.url,
        method: 'GET',
        path: '/api/api-access/authorize',
        keys: hotKeys,
        keyHeader: 'X-Api-Access-Key',
        headers: { 'X-Api-Access-Api': HOT_API },
        expectInBody: '"allowed":true',
      },
      args['cpu-profile'],
    );
    check('authorize (hot keys, quota)', authorizeQuotaRun.result);
    // Stopping flushes what is pending: every answered decision is counted.
    await quotaed.backend.stop();
    cleanups.pop();
    const [{ counted }] = await database
      .loader('api_access_usage')
      .sum({ counted: 'calls' });

    // The same counting in-process, without HTTP around it: the noise of a
    // busy machine hides a microsecond in the rows above. Per decision: one
    // count and one quota check (a known total), over the hot grants.
    const hotGrants = sample
      .filter(k => k.apiRef === HOT_API)
      .map(k => k.grantId);
    const quota = { requests: 1_000_000_000_000, period: 'month' as const };
    const counter = new UsageCounter({
      store: new UsageStore(database.loader),
    });
    const at = new Date();
    for (const grantId of hotGrants) await counter.used(grantId, quota, at);
    const DECISIONS = 1_000_000;
    const countStart = process.hrtime.bigint();
    for (let i = 0; i < DECISIONS; i++) {
      const grantId = hotGrants[i % hotGrants.length];
      counter.knownUsed(grantId, quota, at);
      counter.record(grantId, 'call', at.getTime());
    }
    const countNsPerDecision =
      Number(process.hrtime.bigint() - countStart) / DECISIONS;
    // One flush of all of them: the upsert and the re-read of their totals,
    // what each replica does once a second.
    const usageFlushStart = process.hrtime.bigint();
    await counter.flush();
    const usageFlushMs =
      Number(process.hrtime.bigint() - usageFlushStart) / 1_000_000;
    await database
      .loader('api_access_grants')
      .where('api_ref', HOT_API)
      .update(Object.fromEntries(Object.keys(planColumns).map(k => [k, null])));

    log('Introspection, introspectionCacheSeconds: 0...');
    const uncached = await startPlugin(database.backendConfig, {
      credentials: { introspectionCacheSeconds: 0 },
    });
    cleanups.push(() => uncached.backend.stop());
    await verify(uncached.url, sample, auth);
    const uncachedRun = await measure(
      driver,
      'introspect-uncached',
      {
        ...job,
        url: uncached.url,
      },
      args['cpu-profile'],
    );
    check('introspection (no cache)', uncachedRun.result);
    await uncached.backend.stop();
    cleanups.pop();

    const rows: Row[] = [
      { name: 'bare node:http, fixed JSON', ...bareRun },
      { name: 'introspect, cache 5 s (default)', ...cachedRun },
      { name: 'introspect, cache off', ...uncachedRun },
      ...(pacedRun && pacedBareRun
        ? [
            {
              name: `introspect, cache 5 s, ${pacedRate}/s`,
              paced: true,
              ...pacedRun,
            },
            {
              name: `bare node:http, ${pacedRate}/s`,
              paced: true,
              ...pacedBareRun,
            },
          ]
        : []),
      { name: '(plugin GET /health, no work)', ...healthRun },
      {
        name: `introspect, ${hotKeys.length} keys of one API`,
        ...hotIntrospectRun,
      },
      { name: `GET /authorize, the same keys`, ...authorizeRun },
      {
        name: `GET /authorize, their tokens`,
        ...authorizeTokenRun,
      },
      {
        name: `introspect, same keys, quota plan`,
        ...hotQuotaIntrospectRun,
      },
      { name: `GET /authorize, same keys, quota plan`, ...authorizeQuotaRun },
    ];
    const bareResult = bareRun.result;
    const cachedResult = cachedRun.result;
    const uncachedResult = uncachedRun.result;
    log();
    log('api-access introspection benchmark');
    log(`date:        ${new Date().toISOString()}`);
    log(`code:        ${code}`);
    log(
      `node:        ${process.version} on ${os.platform()} ${os.arch()}, ${
        cpus.length
      } CPUs (${cpus[0]?.model.trim()})`,
    );
    log(
      `machine:     1-min load average ${fmt(
        loadBefore,
      )} before the run (other work; the run itself adds about 2, 3 with PostgreSQL)`,
    );
    log(`db:          ${database.label}`);
    log(
      `data:        ${GRANTS.toLocaleString(
        'en-US',
      )} active grants, one active API key each; loaded in ${fmt(
        loadSeconds,
        1,
      )} s`,
    );
    const header = [
      'server:      the real api-access plugin in a Backstage test backend (startTestBackend): production',
      '             plugin HTTP router (auth barrier) and database service; test root router (no helmet,',
      '             cors, compression, request log); mock auth (mock service token), quiet logger',
      `load:        a separate process on the same machine, sharing the ${cpus.length} CPUs with the servers (which`,
      `             depresses both); POST form token=<one of ${KEY_POOL.toLocaleString(
        'en-US',
      )} keys at random>; ${DURATION} s per scenario`,
      `             after ${WARMUP} s warm-up on the same connections. Closed loop (autocannon, ${CONNECTIONS} connections,`,
      '             next request when answered), except the row with a rate: open loop at that fixed',
      '             rate, latency counted from when each request was due',
      'columns:     srv CPU = CPU time of the server process per answer (a PostgreSQL server burns more, not',
      '             counted); loop busy = event-loop utilisation; loop stall = longest event-loop delay;',
      '             GC = share of the time in garbage-collection pauses',
    ];
    if (args['cpu-profile']) {
      header.push(
        `profiles:    ${resolve(
          args['cpu-profile'],
        )}/*.cpuprofile (profiling slows the server: do not quote these figures)`,
      );
    }
    header.forEach(line => log(line));
    log();
    log(table(rows, bareResult));
    log();
    log(targets('cache 5 s (default)', cachedResult, bareResult));
    log(targets('cache off', uncachedResult, bareResult));
    if (pacedRun && pacedBareRun) {
      log(
        `paced:       cached introspection at ${pacedRate} req/s (${fmt(
          100 * PACED,
          0,
        )}% of its saturated rate): p99 ${fmt(
          pacedRun.result.p99,
        )} ms (target < ${TARGET_P99_MS} ms): ${
          pacedRun.result.p99 < TARGET_P99_MS ? 'met' : 'NOT met'
        }; the bare server at that rate: p99 ${fmt(
          pacedBareRun.result.p99,
        )} ms`,
      );
    }
    log(
      `floor:       GET /health through the same stack does ${fmt(
        healthRun.result.requestsPerSecond,
        0,
      )} req/s (${fmt(
        (100 * healthRun.result.requestsPerSecond) /
          bareResult.requestsPerSecond,
        1,
      )}% of bare); cached introspection reaches ${fmt(
        (100 * cachedResult.requestsPerSecond) /
          healthRun.result.requestsPerSecond,
        1,
      )}% of that`,
    );
    const vsHealth = (result: DriverResult) =>
      `${fmt(
        (100 * result.requestsPerSecond) / healthRun.result.requestsPerSecond,
        1,
      )}%`;
    log(
      `decision:    over ${
        hotKeys.length
      } keys of ${HOT_API} (cache 5 s), introspection reaches ${vsHealth(
        hotIntrospectRun.result,
      )} and /authorize ${vsHealth(
        authorizeRun.result,
      )} of GET /health (target >= 80%)`,
    );
    log(
      `tokens:      /authorize over ${
        tokens.length
      } bearer tokens of the same grants reaches ${vsHealth(
        authorizeTokenRun.result,
      )} of GET /health (keys: ${vsHealth(
        authorizeRun.result,
      )}); the type checked ${tokenVerifications.toLocaleString(
        'en-US',
      )} tokens (once per token per 5 s cache), each ES256 check ${fmt(
        verifyMicros,
        0,
      )} us in-process (node:crypto; the oauth2-client module's jose check is of the same kind)`,
    );
    const costOf = (before: Row['server'], after: Row['server']) =>
      `${fmt(after.cpuMicrosPerRequest - before.cpuMicrosPerRequest, 1)} us`;
    log(
      `quota:       counting every decision of a quota'd plan (UsageCounter) costs ${costOf(
        hotIntrospectRun.server,
        hotQuotaIntrospectRun.server,
      )} of server CPU per introspection and ${costOf(
        authorizeRun.server,
        authorizeQuotaRun.server,
      )} per /authorize; throughput ${fmt(
        (100 * hotQuotaIntrospectRun.result.requestsPerSecond) /
          hotIntrospectRun.result.requestsPerSecond,
        1,
      )}% and ${fmt(
        (100 * authorizeQuotaRun.result.requestsPerSecond) /
          authorizeRun.result.requestsPerSecond,
        1,
      )}% of the same keys without a plan; ${Number(counted).toLocaleString(
        'en-US',
      )} calls counted in api_access_usage (every answer, warm-up included)`,
    );
    log(
      `counting:    in-process, one count and one quota check cost ${fmt(
        countNsPerDecision,
        0,
      )} ns per decision (${DECISIONS.toLocaleString('en-US')} decisions over ${
        hotGrants.length
      } quota'd grants); one flush of their counts (upsert and re-read of the totals, once a second per replica) took ${fmt(
        usageFlushMs,
        1,
      )} ms`,
    );
    log();
    log(
      `cache:       at ${fmt(
        cachedResult.requestsPerSecond,
        0,
      )} req/s over ${keys.length.toLocaleString('en-US')} keys, about ${fmt(
        100 * expectedHitRatio(cachedResult.requestsPerSecond, 5),
        0,
      )}% of answers come from the 5 s cache (estimate)`,
    );
    log(
      `last use:    the last-use flush after the cached run wrote ${Number(
        used,
      ).toLocaleString(
        'en-US',
      )} grants in ${flushMs} ms (in production it runs once a minute)`,
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
    // Failed bulk inserts quote every row: keep the message readable.
    const text = String(error?.stack ?? error);
    process.stderr.write(
      `bench:introspect failed: ${
        text.length > 3000 ? `${text.slice(0, 3000)}...` : text
      }\n`,
    );
    process.exit(1);
  },
);
