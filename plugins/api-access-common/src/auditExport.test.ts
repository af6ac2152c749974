import { auditExportQuerySchema } from './auditExport';
import { describeZodError } from './schemas';

function errorOf(value: unknown) {
  const result = auditExportQuerySchema.safeParse(value);
  if (result.success) throw new Error('expected a validation error');
  return describeZodError(result.error);
}

describe('auditExportQuerySchema', () => {
  it('reads dates as midnight UTC and date-times with their zone, ndjson by default', () => {
    expect(
      auditExportQuerySchema.parse({
        from: '2026-01-01',
        to: '2026-06-30T12:00:00+02:00',
      }),
    ).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-06-30T10:00:00Z'),
      format: 'ndjson',
    });
    expect(auditExportQuerySchema.parse({ format: 'csv' })).toEqual({
      format: 'csv',
    });
  });

  it('names the bad bound, a reversed range and an unknown format', () => {
    expect(errorOf({ from: 'yesterday' })).toMatch(
      /^from must be an ISO 8601 date-time with a time zone/,
    );
    // Date.parse would take these; the export does not guess.
    expect(errorOf({ to: '2026-01-01T10:00:00' })).toMatch(/^to must be/);
    expect(errorOf({ to: '1' })).toMatch(/^to must be/);
    expect(errorOf({ from: '2026-02-30' })).toMatch(/^from must be/);
    expect(errorOf({ from: ['2026-01-01', '2026-02-01'] })).toBe(
      'from must be given once, as an ISO 8601 date-time',
    );
    expect(errorOf({ from: '2026-02-01', to: '2026-01-01' })).toBe(
      'from must be before to',
    );
    expect(errorOf({ from: '2026-01-01', to: '2026-01-01' })).toBe(
      'from must be before to',
    );
    expect(errorOf({ format: 'xml' })).toBe("format must be 'ndjson' or 'csv'");
  });
});
