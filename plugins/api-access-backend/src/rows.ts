/*
 * What every store needs of a row: one reading of timestamps (SQLite hands
 * them back as numbers or strings, PostgreSQL as Dates) and one keyset
 * cursor for pages ordered by creation time and id.
 */

/** SQLite hands timestamps back as numbers or strings, PostgreSQL as Dates. */
export function toIso(value: Date | string | number): string {
  return new Date(value).toISOString();
}

/** Where the next page starts: the last row's creation time and id. */
export interface Cursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(row: {
  created_at: Date | string | number;
  id: string;
}): string {
  const cursor: Cursor = { createdAt: toIso(row.created_at), id: row.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(value: string): Cursor | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      typeof parsed?.createdAt === 'string' &&
      typeof parsed?.id === 'string' &&
      !Number.isNaN(Date.parse(parsed.createdAt))
    ) {
      return parsed;
    }
  } catch {
    // fall through: the caller reports an invalid cursor
  }
  return undefined;
}
