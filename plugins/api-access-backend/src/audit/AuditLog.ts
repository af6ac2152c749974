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
  subjectType: 'request' | 'grant' | 'review' | 'revocation_batch';
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

/**
 * One event of an export: every field the chain hash covers, exactly as
 * hashed (nulls stay null, `details` is the stored JSON text), with its hash
 * and the previous event's, so the file alone can be rehashed.
 */
export interface ExportedAuditEvent {
  seq: number;
  id: string;
  subjectType: string;
  subjectId: string;
  requestId: string | null;
  action: string;
  actorRef: string;
  occurredAt: string;
  fromStatus: string | null;
  toStatus: string | null;
  /** The JSON text the hash covers, byte for byte; parse it to read it. */
  details: string;
  prevHash: string;
  hash: string;
}

/** The part of the chain an export covers, fixed when it starts. */
export interface AuditExportSpan {
  /** The end of the whole chain when the export started. */
  head: { seq: number; hash: string };
  /**
   * The event just before the span (seq 0 and the genesis hash at the
   * chain's start): the first exported event must link to its hash. `hash`
   * is null when that event is missing from the table.
   */
  anchor: { seq: number; hash: string | null };
  /** First and last position exported; lastSeq < firstSeq for an empty span. */
  firstSeq: number;
  lastSeq: number;
}

/** The export's verification of the events it wrote, as `verify()` words it. */
export interface SpanVerification {
  ok: boolean;
  checked: number;
  firstBroken?: { seq: number; id: string; reason: string };
}

/**
 * Checks exported events one by one, in chain order, from the anchor: the
 * same rules as verify() (no gap, each links to the previous hash, each
 * hash matches its content). It keeps only the first break.
 */
export class SpanCheck {
  private expectedSeq: number;
  private expectedPrev: string;
  private checked = 0;
  private firstBroken?: SpanVerification['firstBroken'];

  constructor(anchor: AuditExportSpan['anchor']) {
    this.expectedSeq = anchor.seq + 1;
    this.expectedPrev = anchor.hash ?? '';
  }

  add(event: ExportedAuditEvent) {
    if (this.firstBroken) return;
    const reason = brokenLink(
      fromExported(event),
      this.expectedSeq,
      this.expectedPrev,
    );
    if (reason) {
      this.firstBroken = { seq: event.seq, id: event.id, reason };
      return;
    }
    this.expectedSeq += 1;
    this.expectedPrev = event.hash;
    this.checked += 1;
  }

  /** The result once every event was added; `lastSeq` is where the span should end. */
  result(lastSeq: number): SpanVerification {
    if (!this.firstBroken && this.expectedSeq - 1 < lastSeq) {
      this.firstBroken = {
        seq: this.expectedSeq,
        id: '',
        reason: `the span should end at event ${lastSeq}, but ends at ${
          this.expectedSeq - 1
        }`,
      };
    }
    return this.firstBroken
      ? { ok: false, checked: this.checked, firstBroken: this.firstBroken }
      : { ok: true, checked: this.checked };
  }
}

function toExported(row: EventRow): ExportedAuditEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    requestId: row.request_id,
    action: row.action,
    actorRef: row.actor_ref,
    occurredAt: row.occurred_at,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function fromExported(event: ExportedAuditEvent): EventRow {
  return {
    seq: event.seq,
    id: event.id,
    subject_type: event.subjectType,
    subject_id: event.subjectId,
    request_id: event.requestId,
    action: event.action,
    actor_ref: event.actorRef,
    occurred_at: event.occurredAt,
    from_status: event.fromStatus,
    to_status: event.toStatus,
    details: event.details,
    prev_hash: event.prevHash,
    hash: event.hash,
  };
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
   * Fixes the span an export of [from, to) covers: from the first event that
   * occurred at or after `from` to the last that occurred before `to`, up to
   * the head as it is now. The span is every event between the two in chain
   * order, so it links end to end even where clocks of two writers crossed
   * at its edges. Two MIN/MAX reads; occurred_at is ISO text, so comparing
   * it as text compares instants.
   */
  async exportSpan(range: {
    from?: Date;
    to?: Date;
  }): Promise<AuditExportSpan> {
    const headRow = await this.db(HEAD).where({ id: 1 }).first();
    const head = { seq: Number(headRow.seq), hash: String(headRow.hash) };
    let firstSeq = 1;
    if (range.from) {
      const row = await this.db(EVENTS)
        .where('occurred_at', '>=', range.from.toISOString())
        .andWhere('seq', '<=', head.seq)
        .min({ seq: 'seq' })
        .first();
      firstSeq =
        row?.seq === null || row?.seq === undefined
          ? head.seq + 1
          : Number(row.seq);
    }
    let lastSeq = head.seq;
    if (range.to) {
      const row = await this.db(EVENTS)
        .where('occurred_at', '<', range.to.toISOString())
        .andWhere('seq', '<=', head.seq)
        .max({ seq: 'seq' })
        .first();
      lastSeq =
        row?.seq === null || row?.seq === undefined ? 0 : Number(row.seq);
    }
    let anchorHash: string | null = GENESIS;
    if (firstSeq - 1 === head.seq) {
      anchorHash = head.hash;
    } else if (firstSeq > 1) {
      const row = await this.db(EVENTS)
        .where('seq', firstSeq - 1)
        .first('hash');
      anchorHash = row ? String(row.hash) : null;
    }
    return {
      head,
      anchor: { seq: firstSeq - 1, hash: anchorHash },
      firstSeq,
      lastSeq,
    };
  }

  /**
   * The span's events in chain order, one page at a time (keyset on seq),
   * so an export of a million events holds one page in memory.
   */
  async *exportPages(
    span: AuditExportSpan,
    pageSize = 1000,
  ): AsyncGenerator<ExportedAuditEvent[]> {
    let next = span.firstSeq;
    while (next <= span.lastSeq) {
      const rows: EventRow[] = await this.db(EVENTS)
        .where('seq', '>=', next)
        .andWhere('seq', '<=', span.lastSeq)
        .orderBy('seq')
        .limit(pageSize);
      if (rows.length === 0) return;
      yield rows.map(toExported);
      next = Number(rows[rows.length - 1].seq) + 1;
    }
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
