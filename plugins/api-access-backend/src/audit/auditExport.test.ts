/*
 * GET /audit/export on SQLite and PostgreSQL, checked with the offline
 * verifier an auditor runs (bin/verify-audit-export.mjs) as a separate
 * process: a real export verifies, a range is cut at the right events and
 * anchored at the one before, a tampered file or table fails, CSV escapes
 * what it must and keeps null apart from empty, and only admins and holders
 * of api-access.audit.export get it.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import {
  createTestDatabases,
  startApiAccessBackend,
  TEST_ADMIN,
} from '../__testUtils__/testBackend';
import { AuditLog, NewAuditEvent } from './AuditLog';

const VERIFIER = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
  'bin/verify-audit-export.mjs',
);
const COMPLIANCE = 'user:default/comp.one';
const REQUESTER = 'user:default/requester';

const databases = createTestDatabases();

/** Runs the offline verifier on a file, as the docs tell an auditor to. */
function verifyOffline(file: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [VERIFIER, ...args, file], {
    encoding: 'utf8',
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

function event(
  day: string,
  action: string,
  extra: Partial<NewAuditEvent> = {},
): NewAuditEvent {
  return {
    subjectType: 'request',
    subjectId: `req-${day}`,
    requestId: `req-${day}`,
    action,
    actorRef: 'user:default/owner.one',
    occurredAt: new Date(`${day}T12:00:00.000Z`),
    fromStatus: 'in_review',
    toStatus: 'approved',
    details: { comment: `on ${day}` },
    ...extra,
  };
}

describe.each(databases.eachSupportedId())('GET /audit/export on %p', id => {
  let knex: Knex;
  let backend: Awaited<ReturnType<typeof startApiAccessBackend>>;
  let dir: string;
  let audit: AuditLog;

  beforeAll(async () => {
    knex = await databases.init(id);
    backend = await startApiAccessBackend({ knex });
    audit = new AuditLog(knex);
    dir = mkdtempSync(join(os.tmpdir(), 'audit-export-'));
    // One day per event, in chain order, plus a CSV-hostile one.
    await knex.transaction(tx =>
      audit.append(tx, [
        event('2026-01-10', 'request.submitted'),
        event('2026-02-10', 'step.approval_recorded'),
        event('2026-03-10', 'request.approved', {
          details: {
            comment: 'Fine, "for now",\r\nsee line 2; naïve ✓ \u2028',
            scopes: ['a,b'],
          },
        }),
        event('2026-04-10', 'grant.created', {
          requestId: '',
          fromStatus: undefined,
        }),
        event('2026-05-10', 'grant.revoked'),
      ]),
    );
  }, 120_000);

  afterAll(async () => {
    await backend?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function exportAs(user: string, query: string) {
    return request(backend.server)
      .get(`/api/api-access/audit/export${query}`)
      .set('Authorization', mockCredentials.user.header(user))
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => done(null, text));
      });
  }

  function save(name: string, text: string) {
    const file = join(dir, `${id}-${name}`);
    writeFileSync(file, text);
    return file;
  }

  const lines = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line));

  it('exports the whole history as JSON Lines that verify offline', async () => {
    const response = await exportAs(TEST_ADMIN, '');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(
      'application/x-ndjson; charset=utf-8',
    );
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="api-access-audit_start_\d{8}T\d{6}Z\.ndjson"$/,
    );
    expect(response.headers['cache-control']).toBe('no-store');

    const parsed = lines(response.body);
    const trailer = parsed.pop();
    const head = await knex('api_access_audit_head').first();
    expect(parsed.length).toBe(Number(head.seq));
    expect(parsed.every(l => l.type === 'event')).toBe(true);
    expect(parsed[0]).toMatchObject({ seq: 1, prevHash: '0'.repeat(64) });
    expect(trailer).toEqual({
      type: 'trailer',
      format: 'api-access-audit-export/1',
      exportedAt: expect.any(String),
      range: { from: null, to: null },
      count: parsed.length,
      firstSeq: 1,
      lastSeq: Number(head.seq),
      anchor: { seq: 0, hash: '0'.repeat(64) },
      head: { seq: Number(head.seq), hash: head.hash },
      verification: { ok: true, checked: parsed.length },
    });

    const offline = verifyOffline(save('all.ndjson', response.body));
    expect(offline.out).toMatch(
      new RegExp(`^OK: ${parsed.length} events verified`),
    );
    expect(offline.status).toBe(0);
  });

  it('cuts a range at from (inclusive) and to (exclusive), anchored at the event before', async () => {
    const all = lines((await exportAs(TEST_ADMIN, '')).body);
    all.pop();
    const response = await exportAs(
      TEST_ADMIN,
      '?from=2026-02-10T12:00:00Z&to=2026-04-10T12:00:00Z',
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="api-access-audit_20260210T120000Z_20260410T120000Z.ndjson"',
    );
    const parsed = lines(response.body);
    const trailer = parsed.pop();
    expect(parsed.map(l => l.action)).toEqual([
      'step.approval_recorded',
      'request.approved',
    ]);
    const before = all.find(l => l.seq === parsed[0].seq - 1);
    expect(before.action).toBe('request.submitted');
    expect(trailer).toMatchObject({
      range: {
        from: '2026-02-10T12:00:00.000Z',
        to: '2026-04-10T12:00:00.000Z',
      },
      count: 2,
      anchor: { seq: before.seq, hash: before.hash },
      head: { seq: all[all.length - 1].seq, hash: all[all.length - 1].hash },
      verification: { ok: true, checked: 2 },
    });
    const file = save('range.ndjson', response.body);
    expect(verifyOffline(file).status).toBe(0);
    // An auditor holding the previous period's last hash checks continuity.
    expect(verifyOffline(file, '--anchor', before.hash).status).toBe(0);
    const wrong = verifyOffline(file, '--anchor', 'f'.repeat(64));
    expect(wrong.status).toBe(1);
    expect(wrong.out).toMatch(/not from the given anchor/);

    // A period with no event: an empty span, still a verifiable file.
    const empty = await exportAs(TEST_ADMIN, '?from=2030-01-01');
    const emptyLines = lines(empty.body);
    expect(emptyLines).toHaveLength(1);
    expect(emptyLines[0]).toMatchObject({
      count: 0,
      anchor: { seq: all[all.length - 1].seq, hash: all[all.length - 1].hash },
      verification: { ok: true, checked: 0 },
    });
    expect(verifyOffline(save('empty.ndjson', empty.body)).status).toBe(0);
  });

  it('fails the offline check for an edited, removed or cut-off line', async () => {
    const text: string = (await exportAs(TEST_ADMIN, '')).body;
    const rows = text.split('\n').filter(Boolean);
    const edited = rows.map(row =>
      row.includes('request.approved')
        ? row.replace('for now', 'forever')
        : row,
    );
    expect(edited).not.toEqual(rows);
    const editedRun = verifyOffline(
      save('edited.ndjson', `${edited.join('\n')}\n`),
    );
    expect(editedRun.status).toBe(1);
    expect(editedRun.out).toMatch(
      /^BROKEN: line \d+ \(event \d+, [^)]+\): its content does not match its hash/,
    );

    const removed = rows.filter(row => !row.includes('"grant.created"'));
    const removedRun = verifyOffline(
      save('removed.ndjson', `${removed.join('\n')}\n`),
    );
    expect(removedRun.status).toBe(1);
    expect(removedRun.out).toMatch(/the events between are missing/);

    const cut = verifyOffline(
      save('cut.ndjson', `${rows.slice(0, -1).join('\n')}\n`),
    );
    expect(cut.status).toBe(1);
    expect(cut.out).toMatch(/the trailer is missing/);

    // Rehashing the edited line too does not help: the next one's link breaks.
    const trailer = JSON.parse(rows[rows.length - 1]);
    trailer.count += 1;
    const counted = verifyOffline(
      save(
        'recounted.ndjson',
        `${[...rows.slice(0, -1), JSON.stringify(trailer)].join('\n')}\n`,
      ),
    );
    expect(counted.status).toBe(1);
    expect(counted.out).toMatch(/the trailer counts/);
  });

  it('escapes CSV and keeps null apart from an empty value, and the CSV verifies', async () => {
    const response = await exportAs(TEST_ADMIN, '?format=csv&from=2026-03-01');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(
      'text/csv; charset=utf-8; header=present',
    );
    const text: string = response.body;
    const records = text.split('\r\n');
    expect(records[0]).toBe(
      'type,seq,id,subjectType,subjectId,requestId,action,actorRef,occurredAt,fromStatus,toStatus,details,prevHash,hash',
    );
    // The comment's quotes doubled, its CR/LF inside the quoted field.
    expect(text).toContain(
      '"{""comment"":""Fine, \\""for now\\"",\\r\\nsee line 2; naïve ✓ \u2028"",""scopes"":[""a,b""]}"',
    );
    // requestId '' is `""`; fromStatus null is an empty field.
    const created = records.find(r => r.includes(',grant.created,'))!;
    expect(created).toMatch(
      /^event,\d+,[0-9a-f-]{36},request,req-2026-04-10,"",grant\.created,user:default\/owner\.one,2026-04-10T12:00:00\.000Z,,approved,/,
    );
    const last = records.filter(Boolean).pop()!;
    expect(last).toMatch(/^trailer,,,,,,,,,,,"\{""type"":""trailer""/);

    const file = save('export.csv', text);
    const offline = verifyOffline(file);
    expect(offline.out).toMatch(/^OK: 3 events verified/);
    expect(offline.status).toBe(0);

    // Turning the empty requestId into null changes the hashed content.
    const nulled = text.replace(',"",grant.created,', ',,grant.created,');
    expect(nulled).not.toBe(text);
    const run = verifyOffline(save('nulled.csv', nulled));
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/its content does not match its hash/);
  });

  it('reports an edited table row in the trailer, and the file fails offline', async () => {
    const victim = await knex('api_access_audit_events')
      .where({ action: 'grant.revoked' })
      .first();
    await knex('api_access_audit_events')
      .where({ seq: victim.seq })
      .update({ actor_ref: 'user:default/someone.else' });
    try {
      const response = await exportAs(COMPLIANCE, '?from=2026-04-01');
      expect(response.status).toBe(200);
      const parsed = lines(response.body);
      expect(parsed[parsed.length - 1].verification).toEqual({
        ok: false,
        checked: 1,
        firstBroken: {
          seq: Number(victim.seq),
          id: victim.id,
          reason: 'its content does not match its hash',
        },
      });
      const offline = verifyOffline(save('tampered-db.ndjson', response.body));
      expect(offline.status).toBe(1);
      expect(offline.out).toMatch(/its content does not match its hash/);
    } finally {
      await knex('api_access_audit_events')
        .where({ seq: victim.seq })
        .update({ actor_ref: victim.actor_ref });
    }
  });

  it('is for admins and holders of api-access.audit.export only', async () => {
    expect((await exportAs(TEST_ADMIN, '?format=csv')).status).toBe(200);
    // The test policy grants api-access.audit.export to group compliance.
    expect((await exportAs(COMPLIANCE, '')).status).toBe(200);
    const denied = await exportAs(REQUESTER, '');
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).error.message).toBe(
      'Exporting the audit history needs api-access.admin or api-access.audit.export',
    );
    const anonymous = await request(backend.server)
      .get('/api/api-access/audit/export')
      .set('Authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
  });

  it('reads no further while the client does not read (backpressure)', async () => {
    // 40 pages of 1,000 events, about 26 MB: more than the sockets buffer.
    const from = '2027-01-01T00:00:00.000Z';
    await knex.transaction(async tx => {
      for (let i = 0; i < 40_000; i += 500) {
        await audit.append(
          tx,
          Array.from({ length: 500 }, (_, j) => ({
            ...event('2027-01-01', 'bulk.event'),
            occurredAt: new Date(Date.parse(from) + i + j),
            details: { filler: 'x'.repeat(400), n: i + j },
          })),
        );
      }
    });
    let pages = 0;
    const original = AuditLog.prototype.exportPages;
    const spy = jest
      .spyOn(AuditLog.prototype, 'exportPages')
      .mockImplementation(async function* counted(this: AuditLog, ...a) {
        for await (const page of original.apply(this, a)) {
          pages += 1;
          yield page;
        }
      });
    try {
      const url = `http://127.0.0.1:${backend.server.port()}/api/api-access/audit/export?from=${from}`;
      const response = await new Promise<http.IncomingMessage>(
        (resolve, reject) =>
          http
            .get(
              url,
              {
                headers: {
                  Authorization: mockCredentials.user.header(TEST_ADMIN),
                },
              },
              resolve,
            )
            .on('error', reject),
      );
      expect(response.statusCode).toBe(200);
      response.pause();
      // Wait until the server stops reading pages (it would read all 40
      // without backpressure), at most 15 s.
      let seen = -1;
      for (let i = 0; i < 30 && pages !== seen; i++) {
        seen = pages;
        await new Promise(r => setTimeout(r, 500));
      }
      const whilePaused = pages;
      expect(whilePaused).toBeGreaterThan(0);
      expect(whilePaused).toBeLessThan(30);

      let received = 0;
      response.on('data', (chunk: Buffer) => {
        for (let k = chunk.indexOf(10); k >= 0; k = chunk.indexOf(10, k + 1)) {
          received += 1;
        }
      });
      // Explicitly paused, a stream stays paused when a listener is added.
      response.resume();
      await new Promise(r => response.on('end', r));
      expect(pages).toBe(40);
      expect(received).toBe(40_001);
    } finally {
      spy.mockRestore();
    }
  }, 90_000);

  it('answers 400 naming the bad date, a reversed range or an unknown format', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?from=yesterday', /^Invalid query: from must be an ISO 8601 date-time/],
      ['?to=2026-01-01T10:00:00', /^Invalid query: to must be an ISO 8601/],
      [
        '?from=2026-02-01&to=2026-01-01',
        /^Invalid query: from must be before to$/,
      ],
      ['?format=xml', /^Invalid query: format must be 'ndjson' or 'csv'$/],
    ];
    for (const [query, message] of cases) {
      const response = await exportAs(TEST_ADMIN, query);
      expect({ query, status: response.status }).toEqual({
        query,
        status: 400,
      });
      expect(JSON.parse(response.body).error.message).toMatch(message);
    }
  });
});
