/*
 * The append-only, hash-chained history of every request and grant. Each
 * event is written in the transaction of the change it describes; its hash
 * covers the previous event's hash, so an edited or deleted row breaks the
 * chain exactly there, and verify() names it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { AuditEvent } from '@internal/plugin-api-access-common';

const EVENTS = 'api_access_audit_events';
const HEAD = 'api_access_audit_head';
const GENESIS = '0'.repeat(64);

interface EventRow {
  seq: number | string;
  id: string;
  subject_type: string;
  subject_id: string;
  request_id: string | null;
  action: string;
  actor_ref: string;
  occurred_at: string;
  from_status: string | null;
  to_status: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface NewAuditEvent {
  subjectType: 'request' | 'grant' | 'review';
  subjectId: string;
  requestId?: string;
  action: string;
  actorRef: string;
  occurredAt: Date;
  fromStatus?: string;
  toStatus?: string;
  /** Must never contain a secret: it is kept forever and shown to readers. */
  details?: Record<string, unknown>;
}

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first event whose stored hash or link does not match. */
  firstBroken?: { seq: number; id: string; reason: string };
}

function hashOf(row: Omit<EventRow, 'hash'>): string {
  const canonical = JSON.stringify([
    Number(row.seq),
    row.id,
    row.subject_type,
    row.subject_id,
    row.request_id,
    row.action,
    row.actor_ref,
    row.occurred_at,
    row.from_status,
    row.to_status,
    row.details,
  ]);
  return createHash('sha256')
    .update(`${row.prev_hash}\n${canonical}`)
    .digest('hex');
}

/** Why this row does not continue the chain, or undefined when it does. */
function brokenLink(row: EventRow, expectedSeq: number, expectedPrev: string) {
  if (Number(row.seq) !== expectedSeq) {
    return `event ${expectedSeq} is missing before this one`;
  }
  if (row.prev_hash !== expectedPrev) {
    return "its link to the previous event's hash does not match";
  }
  if (hashOf(row) !== row.hash) {
    return 'its content does not match its hash';
  }
  return undefined;
}

function toEvent(row: EventRow): AuditEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    subjectType: row.subject_type as AuditEvent['subjectType'],
    subjectId: row.subject_id,
    requestId: row.request_id ?? undefined,
    action: row.action,
    actorRef: row.actor_ref,
    occurredAt: row.occurred_at,
    fromStatus: row.from_status ?? undefined,
    toStatus: row.to_status ?? undefined,
    details: JSON.parse(row.details),
    hash: row.hash,
  };
}

export class AuditLog {
  constructor(private readonly db: Knex) {}

  /** Appends events at the end of the chain, inside the caller's transaction. */
  async append(tx: Knex.Transaction, events: NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Row lock on PostgreSQL; SQLite already runs one writer at a time.
    const headQuery = tx(HEAD).where({ id: 1 });
    const head = await (tx.client.config.client === 'pg'
      ? headQuery.forUpdate()
      : headQuery
    ).first();
    let seq = Number(head.seq);
    let prevHash: string = head.hash;
    const rows: EventRow[] = [];
    for (const event of events) {
      seq += 1;
      const row: Omit<EventRow, 'hash'> = {
        seq,
        id: randomUUID(),
        subject_type: event.subjectType,
        subject_id: event.subjectId,
        request_id: event.requestId ?? null,
        action: event.action,
        actor_ref: event.actorRef,
        occurred_at: event.occurredAt.toISOString(),
        from_status: event.fromStatus ?? null,
        to_status: event.toStatus ?? null,
        details: JSON.stringify(event.details ?? {}),
        prev_hash: prevHash,
      };
      const hash = hashOf(row);
      rows.push({ ...row, hash });
      prevHash = hash;
    }
    await tx(EVENTS).insert(rows);
    await tx(HEAD).where({ id: 1 }).update({ seq, hash: prevHash });
  }

  /** The history of one request or grant (and, for a request, of its grant), oldest first. */
  async list(subjectId: string): Promise<AuditEvent[]> {
    const rows: EventRow[] = await this.db(EVENTS)
      .where('subject_id', subjectId)
      .orWhere('request_id', subjectId)
      .orderBy('seq');
    return rows.map(toEvent);
  }

  /** Every event about any of these subjects (e.g. a review and its grants), oldest first. */
  async listSubjects(subjectIds: string[]): Promise<AuditEvent[]> {
    if (subjectIds.length === 0) return [];
    const rows: EventRow[] = [];
    // Stay under SQLite's bound-parameter limit on large campaigns.
    for (let i = 0; i < subjectIds.length; i += 500) {
      rows.push(
        ...(await this.db(EVENTS).whereIn(
          'subject_id',
          subjectIds.slice(i, i + 500),
        )),
      );
    }
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toEvent);
  }

  /** Recomputes the whole chain and reports the first event that does not match. */
  async verify(): Promise<ChainVerification> {
    const head = await this.db(HEAD).where({ id: 1 }).first();
    let expectedPrev = GENESIS;
    let expectedSeq = 1;
    let checked = 0;
    const pageSize = 1000;
    for (;;) {
      const rows: EventRow[] = await this.db(EVENTS)
        .where('seq', '>=', expectedSeq)
        .orderBy('seq')
        .limit(pageSize);
      for (const row of rows) {
        const reason = brokenLink(row, expectedSeq, expectedPrev);
        if (reason) {
          return {
            ok: false,
            checked,
            firstBroken: { seq: Number(row.seq), id: row.id, reason },
          };
        }
        expectedPrev = row.hash;
        expectedSeq += 1;
        checked += 1;
      }
      if (rows.length < pageSize) break;
    }
    if (Number(head.seq) !== checked || head.hash !== expectedPrev) {
      return {
        ok: false,
        checked,
        firstBroken: {
          seq: checked + 1,
          id: '',
          reason: `the chain should end at event ${head.seq}, but ends at ${checked}`,
        },
      };
    }
    return { ok: true, checked };
  }
}
