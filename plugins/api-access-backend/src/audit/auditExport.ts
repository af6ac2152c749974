/*
 * The auditors' export of a period of the history (GET /audit/export): the
 * span's events in chain order, one line each, then a trailer with the
 * range, the count, the anchor (the hash the span starts from), the chain's
 * head and the verification of what was written, computed while writing.
 * It streams: one page of events in memory at a time, and no page is read
 * before the client has taken the previous one (backpressure). The offline
 * check, bin/verify-audit-export.mjs, reads exactly these formats.
 */
import type { Response } from 'express';
import type { AuditExportFormat } from '@api-access/backstage-plugin-api-access-common';
import {
  AuditExportSpan,
  AuditLog,
  ExportedAuditEvent,
  SpanCheck,
  SpanVerification,
} from './AuditLog';

/** Names this file format in its trailer, so a reader knows what it holds. */
export const AUDIT_EXPORT_FORMAT_ID = 'api-access-audit-export/1';

/** The CSV columns, in order; the ndjson keys are the same names. */
export const AUDIT_EXPORT_CSV_COLUMNS = [
  'type',
  'seq',
  'id',
  'subjectType',
  'subjectId',
  'requestId',
  'action',
  'actorRef',
  'occurredAt',
  'fromStatus',
  'toStatus',
  'details',
  'prevHash',
  'hash',
] as const;

/** The last line of every export. */
export interface AuditExportTrailer {
  type: 'trailer';
  format: typeof AUDIT_EXPORT_FORMAT_ID;
  exportedAt: string;
  /** The period asked for: from inclusive, to exclusive; null when not given. */
  range: { from: string | null; to: string | null };
  /** Events written. */
  count: number;
  /** First and last position the span covers (lastSeq < firstSeq: none). */
  firstSeq: number;
  lastSeq: number;
  /** The event just before the span: the first event links to this hash. */
  anchor: AuditExportSpan['anchor'];
  /** The end of the whole chain when the export started. */
  head: AuditExportSpan['head'];
  /** The backend's own check of the written events, from the anchor. */
  verification: SpanVerification;
}

/**
 * One CSV field (RFC 4180): null is an empty field, an empty string is `""`,
 * and a value with a comma, quote or line break is quoted with quotes
 * doubled. Values are written verbatim (no spreadsheet-formula escaping):
 * they are the text the hashes cover.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  if (text === '' || /[",\r\n]/.test(text)) {
    return `"${text.replace(/"/g, '""')}"`;
  }
  return text;
}

function csvRow(values: Array<string | number | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

function eventLine(format: AuditExportFormat, event: ExportedAuditEvent) {
  if (format === 'csv') {
    return csvRow([
      'event',
      event.seq,
      event.id,
      event.subjectType,
      event.subjectId,
      event.requestId,
      event.action,
      event.actorRef,
      event.occurredAt,
      event.fromStatus,
      event.toStatus,
      event.details,
      event.prevHash,
      event.hash,
    ]);
  }
  return `${JSON.stringify({ type: 'event', ...event })}\n`;
}

function trailerLine(format: AuditExportFormat, trailer: AuditExportTrailer) {
  if (format === 'csv') {
    // The trailer's JSON in the details column: every row has every column.
    return csvRow(
      AUDIT_EXPORT_CSV_COLUMNS.map(column => {
        if (column === 'type') return 'trailer';
        if (column === 'details') return JSON.stringify(trailer);
        return null;
      }),
    );
  }
  return `${JSON.stringify(trailer)}\n`;
}

/** `2026-01-01T00:00:00.000Z` -> `20260101T000000Z`, for a file name. */
function compact(date: Date) {
  return date.toISOString().replace(/[-:]|\.\d+/g, '');
}

export function exportFileName(
  range: { from?: Date; to?: Date },
  exportedAt: Date,
  format: AuditExportFormat,
) {
  const from = range.from ? compact(range.from) : 'start';
  const to = compact(range.to ?? exportedAt);
  return `api-access-audit_${from}_${to}.${format}`;
}

/** Thrown when the client went away mid-export: nothing to answer. */
export class ExportAbortedError extends Error {
  constructor() {
    super('The client closed the connection before the export ended');
    this.name = 'ExportAbortedError';
  }
}

/** Writes a chunk; when the socket's buffer is full, waits until it drains. */
async function write(res: Response, chunk: string): Promise<void> {
  if (res.destroyed) throw new ExportAbortedError();
  if (res.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    function onDrain() {
      res.off('close', onClose);
      resolve();
    }
    function onClose() {
      res.off('drain', onDrain);
      reject(new ExportAbortedError());
    }
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/**
 * Streams the export of [from, to) to `res` (headers included) and returns
 * its trailer. Once the first byte is out an error cannot become a 4xx or
 * 5xx answer; the caller destroys the response, so the file ends without a
 * trailer and the offline check refuses it.
 */
export async function writeAuditExport(options: {
  audit: AuditLog;
  range: { from?: Date; to?: Date };
  format: AuditExportFormat;
  res: Response;
  now: Date;
  pageSize?: number;
}): Promise<AuditExportTrailer> {
  const { audit, range, format, res, now } = options;
  const span = await audit.exportSpan(range);
  res.status(200);
  res.setHeader(
    'Content-Type',
    format === 'csv'
      ? 'text/csv; charset=utf-8; header=present'
      : 'application/x-ndjson; charset=utf-8',
  );
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="${exportFileName(range, now, format)}"`,
  );
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (format === 'csv') {
    await write(res, csvRow([...AUDIT_EXPORT_CSV_COLUMNS]));
  }
  const check = new SpanCheck(span.anchor);
  let count = 0;
  for await (const page of audit.exportPages(span, options.pageSize)) {
    let chunk = '';
    for (const event of page) {
      check.add(event);
      chunk += eventLine(format, event);
    }
    count += page.length;
    await write(res, chunk);
    // SQLite answers synchronously and a local socket rarely fills, so
    // without this the whole export would run without the event loop
    // turning once: no other request, timer or health check on this
    // backend would be served until it ended.
    await new Promise<void>(resolve => setImmediate(resolve));
  }
  const trailer: AuditExportTrailer = {
    type: 'trailer',
    format: AUDIT_EXPORT_FORMAT_ID,
    exportedAt: now.toISOString(),
    range: {
      from: range.from?.toISOString() ?? null,
      to: range.to?.toISOString() ?? null,
    },
    count,
    firstSeq: span.firstSeq,
    lastSeq: span.lastSeq,
    anchor: span.anchor,
    head: span.head,
    verification: check.result(span.lastSeq),
  };
  await write(res, trailerLine(format, trailer));
  res.end();
  return trailer;
}
