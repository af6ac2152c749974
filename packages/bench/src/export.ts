/*
 * Benchmark of the auditors' export (GET /audit/export): seeds a SQLite file
 * database with a million hash-chained audit events through the plugin's own
 * AuditLog.append (real hashes), starts the real plugin in a separate
 * process (exportServer.ts), downloads the whole history over HTTP to a
 * file and runs the offline verifier on it. It prints rows/s, total time,
 * and the backend process's RSS and heap before the export, at their peak
 * during it (sampled every 100 ms) and after it: the claim under test is
 * that the export streams, so the backend's memory stays flat however many
 * events it writes.
 *
 *   yarn bench:export [--events 1000000] [--format ndjson|csv] [--no-verify]
 *
 * Exits 0 when the export's trailer and the offline verifier both say the
 * file verifies, 1 otherwise or on any error.
 */
/* eslint-disable no-restricted-syntax --
 * __dirname is right here: the benchmark runs from source in this repository
 * (node -r nodeTransform) and is never built or published. */
import { fork, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  closeSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { mockCredentials } from '@backstage/backend-test-utils';
// The plugin's internals by path: this private workspace measures the
// backend's source in this repository and is never published.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  AuditLog,
  NewAuditEvent,
} from '../../../plugins/api-access-backend/src/audit/AuditLog';
import { BACKEND, fmt, openSqlite } from './harness';
import type { MemorySample, ServerMessage } from './exportServer';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'ndjson' },
    'no-verify': { type: 'boolean', default: false },
  },
});
const EVENTS = Number(args.events);
const FORMAT = args.format!;
if (!Number.isInteger(EVENTS) || EVENTS < 1) {
  throw new Error(`--events must be a whole number >= 1, got ${args.events}`);
}
if (FORMAT !== 'ndjson' && FORMAT !== 'csv') {
  throw new Error(`--format must be ndjson or csv, got ${FORMAT}`);
}
/** Events per AuditLog.append (one multi-row INSERT, under SQLite's limits). */
const APPEND_BATCH = 500;
/** Events per transaction while seeding. */
const TRANSACTION = 50_000;
const ACTIONS = [
  'request.submitted',
  'step.approval_recorded',
  'request.approved',
  'grant.created',
  'grant.revoked',
];
const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
/** Spreads the events over a year. */
const STEP_MS = Math.floor((365 * 24 * 3600 * 1000) / EVENTS);

const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

function eventAt(i: number): NewAuditEvent {
  const request = `00000000-0000-4000-8000-${String(Math.floor(i / 5)).padStart(
    12,
    '0',
  )}`;
  return {
    subjectType: 'request',
    subjectId: request,
    requestId: request,
    action: ACTIONS[i % ACTIONS.length],
    actorRef: `user:default/user-${i % 500}`,
    occurredAt: new Date(YEAR_START + i * STEP_MS),
    fromStatus: 'in_review',
    toStatus: i % 5 === 2 ? 'approved' : 'in_review',
    details: {
      stage: 'owner',
      round: 1,
      step: `step-${i % 7}`,
      comment: `Benchmark event ${i}: reviewed against the data classification.`,
      apiRef: `api:default/api-${i % 200}`,
    },
  };
}

/** The backend in its own process, and its answers over IPC. */
class ExportServer {
  private readonly child;
  private readonly waiting: Array<(message: ServerMessage) => void> = [];

  constructor(database: object) {
    this.child = fork(
      join(__dirname, 'exportServer.ts'),
      [JSON.stringify(database)],
      { execArgv: [...process.execArgv, '--expose-gc'], stdio: 'inherit' },
    );
    this.child.on('message', (message: ServerMessage | { type: 'watch' }) => {
      // nodeTransform reports each file it compiles as { type: 'watch' }.
      if (message.type === 'watch') return;
      this.waiting.shift()?.(message);
    });
    this.child.on('exit', code => {
      if (code) {
        throw new Error(`The export server exited with ${code}`);
      }
    });
  }

  next(): Promise<ServerMessage> {
    return new Promise(r => this.waiting.push(r));
  }

  async ask(type: string): Promise<ServerMessage> {
    const answer = this.next();
    this.child.send({ type });
    return answer;
  }

  async memory(): Promise<MemorySample> {
    const answer = await this.ask('memory');
    if (answer.type !== 'memory') throw new Error('unexpected answer');
    return answer.memory;
  }

  stop() {
    this.child.send({ type: 'stop' });
  }
}

/** The file's last line (the trailer). */
function lastLine(file: string): string {
  const size = statSync(file).size;
  const length = Math.min(size, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  readSync(fd, buffer, 0, length, size - length);
  closeSync(fd);
  const lines = buffer.toString('utf8').trimEnd().split(/\r?\n/);
  return lines[lines.length - 1];
}

async function main() {
  const database = await openSqlite();
  const out = mkdtempSync(join(os.tmpdir(), 'api-access-export-bench-'));
  let server: ExportServer | undefined;
  try {
    // eslint-disable-next-line no-console
    const log = console.log;
    log(`Database: ${database.label}`);
    log(`Node ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}`);

    // ---- Seed: the plugin's migrations and its own append, real hashes.
    await database.loader.migrate.latest({
      directory: resolve(BACKEND, 'migrations'),
      tableName: 'api_access_knex_migrations',
    });
    const audit = new AuditLog(database.loader);
    const seedStart = performance.now();
    for (let start = 0; start < EVENTS; start += TRANSACTION) {
      await database.loader.transaction(async tx => {
        const end = Math.min(EVENTS, start + TRANSACTION);
        for (let i = start; i < end; i += APPEND_BATCH) {
          const batch: NewAuditEvent[] = [];
          for (let j = i; j < Math.min(end, i + APPEND_BATCH); j++) {
            batch.push(eventAt(j));
          }
          await audit.append(tx, batch);
        }
      });
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(
      `Seeded ${EVENTS.toLocaleString('en-US')} events in ${fmt(
        seedSeconds,
        1,
      )} s (${fmt(
        EVENTS / seedSeconds,
        0,
      )} events/s, AuditLog.append in batches of ${APPEND_BATCH}, ${TRANSACTION.toLocaleString(
        'en-US',
      )} per transaction)`,
    );
    await database.loader.destroy();

    // ---- The backend in its own process.
    server = new ExportServer(database.backendConfig);
    const ready = await server.next();
    if (ready.type !== 'ready') throw new Error('the server did not start');
    const before = await server.memory();

    // ---- The export over HTTP, written to a file as it arrives.
    const file = join(out, `export.${FORMAT}`);
    await server.ask('start-sampling');
    const exportStart = performance.now();
    let firstByteMs = 0;
    let lines = 0;
    let bytes = 0;
    const response = await new Promise<http.IncomingMessage>(
      (resolvePromise, reject) => {
        http
          .get(
            `${ready.url}/api/api-access/audit/export?format=${FORMAT}`,
            {
              headers: {
                Authorization: mockCredentials.user.header(
                  'user:default/bench-admin',
                ),
              },
            },
            resolvePromise,
          )
          .on('error', reject);
      },
    );
    if (response.statusCode !== 200) {
      throw new Error(`The export answered ${response.statusCode}`);
    }
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (!firstByteMs) firstByteMs = performance.now() - exportStart;
        bytes += chunk.length;
        for (let k = chunk.indexOf(10); k >= 0; k = chunk.indexOf(10, k + 1)) {
          lines += 1;
        }
        callback(null, chunk);
      },
    });
    await pipeline(response, counter, createWriteStream(file));
    const exportSeconds = (performance.now() - exportStart) / 1000;
    const peakAnswer = await server.ask('stop-sampling');
    if (peakAnswer.type !== 'peak') throw new Error('unexpected answer');
    const after = await server.memory();

    const trailerText = lastLine(file);
    const trailer = JSON.parse(
      FORMAT === 'csv'
        ? // The trailer row's JSON sits in the details column, quoted.
          trailerText
            .slice(trailerText.indexOf('"') + 1, trailerText.lastIndexOf('"'))
            .replace(/""/g, '"')
        : trailerText,
    );
    const rows = trailer.count as number;

    log('');
    log(`GET /audit/export?format=${FORMAT}, whole history:`);
    log(
      `  ${rows.toLocaleString('en-US')} events, ${mb(
        bytes,
      )}, ${lines.toLocaleString('en-US')} lines, in ${fmt(
        exportSeconds,
        2,
      )} s: ${fmt(rows / exportSeconds, 0)} rows/s, ${mb(
        bytes / exportSeconds,
      )}/s; first byte after ${fmt(firstByteMs, 0)} ms`,
    );
    log(
      `  trailer: verification ${JSON.stringify(trailer.verification)}, head ${
        trailer.head.seq
      }`,
    );
    log('  backend process memory (RSS / heap used / heap total / external):');
    const row = (label: string, m: MemorySample) =>
      log(
        `    ${label.padEnd(8)} ${mb(m.rssBytes).padStart(10)} ${mb(
          m.heapUsedBytes,
        ).padStart(10)} ${mb(m.heapTotalBytes).padStart(10)} ${mb(
          m.externalBytes,
        ).padStart(10)}`,
      );
    row('before', before);
    row('peak', peakAnswer.peak);
    row('after', after);
    log(
      `    (before and after: after a full GC; peak: the highest of ${peakAnswer.samples} samples, one per 100 ms, during the export)`,
    );
    log(
      `  backend event loop: longest block during the export ${fmt(
        peakAnswer.eventLoopDelayMaxMs,
        0,
      )} ms`,
    );

    let verified = !args['no-verify'];
    if (!args['no-verify']) {
      const verifyStart = performance.now();
      const run = spawnSync(
        process.execPath,
        [resolve(BACKEND, 'bin/verify-audit-export.mjs'), file],
        { encoding: 'utf8', maxBuffer: 1024 * 1024 },
      );
      const verifySeconds = (performance.now() - verifyStart) / 1000;
      verified = run.status === 0;
      log('');
      log(
        `Offline: verify-audit-export on the file: exit ${run.status} in ${fmt(
          verifySeconds,
          1,
        )} s (${fmt(rows / verifySeconds, 0)} rows/s)`,
      );
      log(`  ${(run.stdout || run.stderr).trim().slice(0, 400)}`);
    }

    const ok =
      rows === EVENTS &&
      trailer.verification.ok === true &&
      (verified || args['no-verify']);
    process.exitCode = ok ? 0 : 1;
  } finally {
    server?.stop();
    rmSync(out, { recursive: true, force: true });
    await database.cleanup();
  }
}

main().catch(error => {
  // eslint-disable-next-line no-console
  console.error(error);
  process.exit(1);
});
