/*
 * The append-only, hash-chained history of every request and grant. Each
 * event is written in the transaction of the change it describes; its hash
 * covers the previous event's hash, so an edited or deleted row breaks the
 * chain exactly there, and verify() names it.
 *
 * Verification is incremental: each one that holds leaves a checkpoint (the
 * position and hash it reached, signed with an HMAC whose key the database
 * does not hold), and the next one checks every checkpoint's signature and
 * the event it names, then rehashes only what came after the last one. A
 * rewritten chain no longer matches a signed checkpoint, a forged checkpoint
 * has no valid signature, and events after the last checkpoint are rehashed.
 * `full` rehashes everything, for the occasional deep check.
 */
import {
  createHash,
  createHmac,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { Knex } from 'knex';
import { AuditEvent } from '@api-access/backstage-plugin-api-access-common';

const EVENTS = 'api_access_audit_events';
const HEAD = 'api_access_audit_head';
const CHECKPOINTS = 'api_access_audit_checkpoints';
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

interface CheckpointRow {
  seq: number | string;
  hash: string;
  signature: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Events rehashed by this verification. */
  checked: number;
  /** Events in the chain. */
  total?: number;
  /** The signed checkpoint this verification started after (0: the beginning). */
  fromCheckpoint?: number;
  /** Signed checkpoints whose signature and event were checked. */
  checkpoints?: number;
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
  private readonly checkpointSecret?: string;

  /**
   * `checkpointSecret` signs the verification checkpoints; without it none
   * are written or trusted, and every verification rehashes the chain.
   */
  constructor(
    private readonly db: Knex,
    options: { checkpointSecret?: string } = {},
  ) {
    this.checkpointSecret = options.checkpointSecret;
  }

  private sign(seq: number, hash: string): string {
    return createHmac('sha256', this.checkpointSecret ?? '')
      .update(`api-access audit checkpoint\n${seq}\n${hash}`)
      .digest('hex');
  }

  private signatureHolds(row: CheckpointRow): boolean {
    const expected = Buffer.from(this.sign(Number(row.seq), row.hash), 'hex');
    const actual = Buffer.from(String(row.signature), 'hex');
    return (
      actual.length === expected.length && timingSafeEqual(actual, expected)
    );
  }

  /**
   * Checks every checkpoint: its signature, and that the event at its
   * position still has the checkpointed hash and matches it. Returns the
   * first problem, or the last checkpoint to start from.
   */
  private async checkCheckpoints(): Promise<
    | { broken: NonNullable<ChainVerification['firstBroken']>; count: number }
    | { last?: { seq: number; hash: string }; count: number }
  > {
    const checkpoints: CheckpointRow[] = await this.db(CHECKPOINTS).orderBy(
      'seq',
    );
    for (const checkpoint of checkpoints) {
      if (!this.signatureHolds(checkpoint)) {
        return {
          count: checkpoints.length,
          broken: {
            seq: Number(checkpoint.seq),
            id: '',
            reason: `the checkpoint at event ${checkpoint.seq} has an invalid signature`,
          },
        };
      }
    }
    const events = new Map<number, EventRow>();
    for (let i = 0; i < checkpoints.length; i += 500) {
      const rows: EventRow[] = await this.db(EVENTS).whereIn(
        'seq',
        checkpoints.slice(i, i + 500).map(c => Number(c.seq)),
      );
      for (const row of rows) events.set(Number(row.seq), row);
    }
    for (const checkpoint of checkpoints) {
      const seq = Number(checkpoint.seq);
      const row = events.get(seq);
      let reason: string | undefined;
      if (!row) {
        reason = `event ${seq}, where a signed checkpoint stands, is missing`;
      } else if (row.hash !== checkpoint.hash) {
        reason = 'its hash is not the one the signed checkpoint recorded';
      } else if (hashOf(row) !== row.hash) {
        reason = 'its content does not match its hash';
      }
      if (reason) {
        return {
          count: checkpoints.length,
          broken: { seq, id: row?.id ?? '', reason },
        };
      }
    }
    const last = checkpoints[checkpoints.length - 1];
    return {
      count: checkpoints.length,
      last: last ? { seq: Number(last.seq), hash: last.hash } : undefined,
    };
  }

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

  /**
   * Verifies the chain and reports the first event that does not match:
   * from the last signed checkpoint on (after checking every checkpoint), or
   * from the beginning with `full` or without a checkpoint secret. A
   * verification that holds leaves a new signed checkpoint at the head.
   */
  async verify(options: { full?: boolean } = {}): Promise<ChainVerification> {
    const head = await this.db(HEAD).where({ id: 1 }).first();
    const headSeq = Number(head.seq);
    let expectedPrev = GENESIS;
    let expectedSeq = 1;
    let checkpoints = 0;
    if (this.checkpointSecret) {
      const result = await this.checkCheckpoints();
      checkpoints = result.count;
      if ('broken' in result) {
        return {
          ok: false,
          checked: 0,
          total: headSeq,
          checkpoints,
          firstBroken: result.broken,
        };
      }
      if (result.last && result.last.seq > headSeq) {
        return {
          ok: false,
          checked: 0,
          total: headSeq,
          checkpoints,
          firstBroken: {
            seq: headSeq + 1,
            id: '',
            reason: `the chain ends at event ${headSeq}, before the signed checkpoint at event ${result.last.seq}`,
          },
        };
      }
      if (result.last && !options.full) {
        expectedSeq = result.last.seq + 1;
        expectedPrev = result.last.hash;
      }
    }
    const fromCheckpoint = expectedSeq - 1;
    let checked = 0;
    const pageSize = 1000;
    for (;;) {
      // Up to the head read above: events appended meanwhile wait for the next run.
      const rows: EventRow[] = await this.db(EVENTS)
        .where('seq', '>=', expectedSeq)
        .andWhere('seq', '<=', headSeq)
        .orderBy('seq')
        .limit(pageSize);
      for (const row of rows) {
        const reason = brokenLink(row, expectedSeq, expectedPrev);
        if (reason) {
          return {
            ok: false,
            checked,
            total: headSeq,
            fromCheckpoint,
            checkpoints,
            firstBroken: { seq: Number(row.seq), id: row.id, reason },
          };
        }
        expectedPrev = row.hash;
        expectedSeq += 1;
        checked += 1;
      }
      if (rows.length < pageSize) break;
    }
    if (expectedSeq - 1 !== headSeq || head.hash !== expectedPrev) {
      return {
        ok: false,
        checked,
        total: headSeq,
        fromCheckpoint,
        checkpoints,
        firstBroken: {
          seq: expectedSeq,
          id: '',
          reason: `the chain should end at event ${headSeq}, but ends at ${
            expectedSeq - 1
          }`,
        },
      };
    }
    if (this.checkpointSecret && headSeq > fromCheckpoint) {
      await this.db(CHECKPOINTS)
        .insert({
          seq: headSeq,
          hash: expectedPrev,
          signature: this.sign(headSeq, expectedPrev),
          created_at: new Date(),
        })
        .onConflict('seq')
        .ignore();
      checkpoints += 1;
    }
    return { ok: true, checked, total: headSeq, fromCheckpoint, checkpoints };
  }
}
