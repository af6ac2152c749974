/*
 * The query of GET /audit/export, the auditors' download of a period of the
 * hash-chained history. Its own file so the export's rules sit in one place.
 */
import { z } from 'zod';

/** The file formats the export writes. */
export const AUDIT_EXPORT_FORMATS = ['ndjson', 'csv'] as const;
/** A format GET /audit/export writes: JSON Lines or CSV. */
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

// A date (midnight UTC) or a date-time with a time zone: a time without one
// would be read in the server's zone, so the same query would cut the
// history at different places on different machines.
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Whether the text is such a date or date-time, and a real day (no 30 February). */
function isExportBound(value: string): boolean {
  if (!ISO_DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    return false;
  }
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

const exportBound = z
  .string({
    invalid_type_error: 'must be given once, as an ISO 8601 date-time',
  })
  .trim()
  .refine(isExportBound, {
    message:
      'must be an ISO 8601 date-time with a time zone (e.g. 2026-01-01T00:00:00Z) or a date (2026-01-01, midnight UTC)',
  })
  .transform(value => new Date(value));

/**
 * Query of GET /audit/export. `from` is inclusive and `to` exclusive; without
 * `from` the export starts at the chain's first event, without `to` it ends
 * at the chain's head when the export starts. `format` defaults to ndjson.
 */
export const auditExportQuerySchema = z
  .object({
    from: exportBound.optional(),
    to: exportBound.optional(),
    format: z
      .enum(AUDIT_EXPORT_FORMATS, {
        errorMap: () => ({ message: "must be 'ndjson' or 'csv'" }),
      })
      .default('ndjson'),
  })
  .refine(value => !value.from || !value.to || value.from < value.to, {
    message: 'must be before to',
    path: ['from'],
  });
/** The query of GET /audit/export, as a client sends it. */
export type AuditExportQuery = z.input<typeof auditExportQuerySchema>;
