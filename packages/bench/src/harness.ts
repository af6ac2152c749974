/*
 * What the benchmarks share: a fresh SQLite or PostgreSQL database loaded
 * with active grants and keys through the plugin's own migrations, the real
 * plugin in a Backstage test backend, and the load generator (driver.ts) in
 * its own process with the server's CPU, event loop and GC measured while it
 * runs.
 */
/* eslint-disable no-restricted-syntax --
 * __dirname is right here: the benchmarks run from source in this repository
 * (node -r nodeTransform) and are never built or published. */
import { fork, ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import {
  monitorEventLoopDelay,
  performance,
  PerformanceObserver,
} from 'node:perf_hooks';
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import knexFactory, { Knex } from 'knex';
// The plugin's internals by path: this private workspace measures the
// backend's source in this repository and is never published.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { apiAccessPlugin } from '../../../plugins/api-access-backend/src/plugin';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { hashSecret } from '../../../plugins/api-access-backend/src/credentials/CredentialService';
import type { DriverJob, DriverResult } from './driver';

/** Rows per INSERT; SQLite's multi-row insert is a compound SELECT of at most 500. */
const BATCH = 500;
export const BACKEND = resolve(
  __dirname,
  '../../../plugins/api-access-backend',
);
const MIGRATIONS = resolve(BACKEND, 'migrations');

// ---------------------------------------------------------------- database

export interface BenchDatabase {
  label: string;
  /** Loads the data; afterwards only counts the last uses written. */
  loader: Knex;
  /** backend.database for Backstage's own database service. */
  backendConfig: JsonObject;
  cleanup(): Promise<void>;
}

export async function openSqlite(): Promise<BenchDatabase> {
  const directory = mkdtempSync(join(os.tmpdir(), 'api-access-bench-'));
  // The database service names a plugin's SQLite file <directory>/<pluginId>.sqlite.
  const filename = join(directory, 'api-access.sqlite');
  const loader = knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
  });
  const { version } = require('better-sqlite3/package.json');
  const [{ v }] = await loader.raw('select sqlite_version() as v');
  return {
    label: `SQLite ${v} (better-sqlite3 ${version}), file ${filename}`,
    loader,
    backendConfig: { client: 'better-sqlite3', connection: { directory } },
    async cleanup() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A fresh database `name` on the server at `url` (dropped by cleanup). */
export async function openPostgres(
  url: string,
  PG_DATABASE: string,
): Promise<BenchDatabase> {
  const base = new URL(url);
  const connection = {
    host: base.hostname,
    port: Number(base.port || 5432),
    user: decodeURIComponent(base.username || 'postgres'),
    ...(base.password ? { password: decodeURIComponent(base.password) } : {}),
  };
  const admin = knexFactory({
    client: 'pg',
    connection: { ...connection, database: 'postgres' },
  });
  await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [PG_DATABASE]);
  await admin.raw('CREATE DATABASE ??', [PG_DATABASE]);
  const {
    rows: [{ server_version: version }],
  } = await admin.raw('SHOW server_version');
  const loader = knexFactory({
    client: 'pg',
    connection: { ...connection, database: PG_DATABASE },
  });
  return {
    label: `PostgreSQL ${version} at ${connection.host}:${connection.port}, database ${PG_DATABASE}`,
    loader,
    backendConfig: {
      client: 'pg',
      connection,
      plugin: { 'api-access': { connection: { database: PG_DATABASE } } },
    },
    async cleanup() {
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [PG_DATABASE]);
      await admin.destroy();
    },
  };
}

const APIS = 50;
const CONSUMERS = 2000;
const ENVIRONMENTS = ['sandbox', 'development', 'staging', 'production'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** `aak_<8>_<43>`, as CredentialService issues them. */
export function newKey() {
  const random = randomBytes(38);
  const prefix = `aak_${random.subarray(0, 6).toString('base64url')}`;
  return {
    prefix,
    secret: `${prefix}_${random.subarray(6).toString('base64url')}`,
  };
}

export interface SampleKey {
  secret: string;
  grantId: string;
  requesterRef: string;
  apiRef: string;
}

/**
 * One approved request, one active grant and one active key per grant, in
 * batches inside one transaction. Only every (GRANTS / KEY_POOL)th plain key
 * is kept, in memory, to drive the load.
 */
export async function load(
  db: Knex,
  GRANTS: number,
  KEY_POOL: number,
): Promise<SampleKey[]> {
  await db.migrate.latest({
    directory: MIGRATIONS,
    tableName: 'api_access_knex_migrations',
  });
  const now = new Date();
  const every = Math.max(1, Math.floor(GRANTS / Math.max(1, KEY_POOL)));
  const sample: SampleKey[] = [];
  await db.transaction(async tx => {
    for (let start = 0; start < GRANTS; start += BATCH) {
      const requests = [];
      const grants = [];
      const credentials = [];
      for (let i = start; i < Math.min(GRANTS, start + BATCH); i++) {
        const requestId = randomUUID();
        const grantId = randomUUID();
        const apiRef = `api:default/api-${i % APIS}`;
        const consumerRef = `component:default/consumer-${i % CONSUMERS}`;
        const requesterRef = `user:default/user-${i % 500}`;
        const environment = ENVIRONMENTS[i % ENVIRONMENTS.length];
        const scopes = JSON.stringify(
          ['read', 'write', 'admin']
            .slice(0, 1 + (i % 3))
            .map(s => `api-${i % APIS}:${s}`),
        );
        const durationDays = 30 + (i % 335);
        const createdAt = new Date(now.getTime() - (i % 30) * DAY_MS);
        requests.push({
          id: requestId,
          api_ref: apiRef,
          consumer_ref: consumerRef,
          consumer_kind: i % 10 === 0 ? 'external' : 'internal',
          requester_ref: requesterRef,
          owner_ref: `group:default/team-${i % APIS}`,
          environment,
          scopes,
          credential_type: 'api-key',
          use_case: 'Benchmark data',
          justification: 'Benchmark data',
          credential_storage: 'Vault',
          duration_days: durationDays,
          approved_scopes: scopes,
          approved_duration_days: durationDays,
          classification_level: 'internal',
          classification_source: `api:default/api-${i % APIS}`,
          plan: JSON.stringify({ stages: [], autoApproved: true }),
          review_round: 1,
          auto_approve_rule: 'benchmark',
          status: 'approved',
          version: 2,
          created_at: createdAt,
          updated_at: createdAt,
        });
        grants.push({
          id: grantId,
          request_id: requestId,
          api_ref: apiRef,
          consumer_ref: consumerRef,
          requester_ref: requesterRef,
          environment,
          scopes,
          credential_type: 'api-key',
          status: 'active',
          created_at: createdAt,
          expires_at: new Date(now.getTime() + durationDays * DAY_MS),
        });
        const { prefix, secret } = newKey();
        credentials.push({
          id: randomUUID(),
          grant_id: grantId,
          credential_type: 'api-key',
          prefix,
          secret_hash: hashSecret(secret),
          status: 'active',
          terms_version: '1',
          issued_to: requesterRef,
          created_at: createdAt,
          valid_until: null,
        });
        if (i % every === 0 && sample.length < KEY_POOL) {
          sample.push({ secret, grantId, requesterRef, apiRef });
        }
      }
      await tx('api_access_requests').insert(requests);
      await tx('api_access_grants').insert(grants);
      await tx('api_access_credentials').insert(credentials);
    }
  });
  await db.raw('ANALYZE');
  return sample;
}

// ----------------------------------------------------------------- servers

/**
 * The real plugin in a Backstage backend (startTestBackend): the plugin's own
 * init, router, services and stores, the production plugin HTTP router (auth
 * policies, credentials barrier) and the production database service on the
 * loaded database. Test stand-ins: the root HTTP router (an express app with
 * the health, not-found and error handlers, but without production's helmet,
 * cors, compression and request-log middleware), auth and httpAuth (a mock
 * service token stands for the gateway), the logger (warnings only) and the
 * scheduler (the once-a-minute last-use flush is triggered by hand).
 */
export async function startPlugin(
  database: JsonObject,
  apiAccess: JsonObject = {},
  /** More features, e.g. a module that installs a credential type. */
  extraFeatures: BackendFeature[] = [],
) {
  const scheduler = mockServices.scheduler();
  const backend = await startTestBackend({
    features: [
      apiAccessPlugin,
      ...extraFeatures,
      mockServices.rootLogger.factory({ level: 'warn' }),
      createServiceFactory({
        service: coreServices.scheduler,
        deps: {},
        factory: () => scheduler,
      }),
      mockServices.rootConfig.factory({
        data: {
          backend: { database },
          apiAccess: {
            ...apiAccess,
            // The mock service token (subject external:test-service) is the gateway.
            gateway: {
              ...(apiAccess.gateway as JsonObject | undefined),
              allowedSubjects: ['external:test-service'],
            },
          },
        },
      }),
    ],
  });
  return {
    backend,
    scheduler,
    url: `http://127.0.0.1:${backend.server.port()}`,
  };
}

// ------------------------------------------------------------------ driver

export class Driver {
  private readonly child: ChildProcess;

  constructor() {
    // Inherits execArgv, so the child runs TypeScript the same way.
    this.child = fork(join(__dirname, 'driver.ts'), [], { stdio: 'inherit' });
  }

  /** Runs a job; `onMeasure` is called when the warm-up ends. */
  run(
    job: Omit<DriverJob, 'type'>,
    onMeasure: () => void,
  ): Promise<DriverResult> {
    return new Promise((resolvePromise, reject) => {
      const child = this.child;
      function stopListening() {
        child.off('message', onMessage);
        child.off('exit', onExit);
      }
      function onMessage(message: any) {
        if (message?.type === 'measuring') {
          onMeasure();
        } else if (message?.type === 'result') {
          stopListening();
          resolvePromise(message);
        } else if (message?.type === 'error') {
          stopListening();
          reject(new Error(`Load generator failed: ${message.message}`));
        }
      }
      function onExit(code: number) {
        stopListening();
        reject(new Error(`Load generator exited with ${code}`));
      }
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ type: 'run', ...job });
    });
  }

  stop() {
    this.child.kill();
  }
}

/** What the servers' process spent while the load generator measured. */
export interface ServerStats {
  /** CPU time of the server process (all threads) per answer. */
  cpuMicrosPerRequest: number;
  /** Share of the time the event loop was busy. */
  eventLoopBusy: number;
  eventLoopDelayMaxMs: number;
  /** Share of the time spent in garbage-collection pauses. */
  gcShare: number;
}

export async function measure(
  driver: Driver,
  name: string,
  job: Omit<DriverJob, 'type'>,
  cpuProfileDir?: string,
): Promise<{ result: DriverResult; server: ServerStats }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const profiler = cpuProfileDir ? new Session() : undefined;
  let cpuBefore: NodeJS.CpuUsage | undefined;
  let loopBefore: ReturnType<typeof performance.eventLoopUtilization>;
  let profiling: Promise<unknown> = Promise.resolve();
  let gcMs = 0;
  let measuredFrom = 0;
  const gc = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (measuredFrom && entry.startTime >= measuredFrom)
        gcMs += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const result = await driver.run(job, () => {
    measuredFrom = performance.now();
    delay.enable();
    cpuBefore = process.cpuUsage();
    loopBefore = performance.eventLoopUtilization();
    if (profiler) {
      profiler.connect();
      profiling = profiler
        .post('Profiler.enable')
        .then(() => profiler.post('Profiler.start'));
    }
  });
  delay.disable();
  const measuredMs = performance.now() - measuredFrom;
  gc.disconnect();
  const cpu = process.cpuUsage(cpuBefore);
  const loop = performance.eventLoopUtilization(loopBefore!);
  if (profiler) {
    await profiling;
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    const dir = resolve(cpuProfileDir!);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
  return {
    result,
    server: {
      cpuMicrosPerRequest:
        (cpu.user + cpu.system) / Math.max(1, result.completed),
      eventLoopBusy: loop.utilization,
      eventLoopDelayMaxMs: delay.max / 1e6,
      gcShare: gcMs / measuredMs,
    },
  };
}

export const fmt = (n: number, digits = 2) =>
  n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
