/* Text the api-access views share: a failed call's message, dates and countdowns (luxon). */
import { ResponseError } from '@backstage/errors';
import { DateTime } from 'luxon';

/** The backend's own message for a failed call, which names the bad field. */
export function errorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function formatDate(iso: string): string {
  return DateTime.fromISO(iso).toLocaleString(DateTime.DATE_MED);
}

export function formatDateTime(iso: string): string {
  return DateTime.fromISO(iso).toLocaleString({
    ...DateTime.DATE_MED,
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "in 12 days", "in 5 hours", "2 days ago": days from two days on, hours from two hours. */
export function countdown(iso: string, now = Date.now()): string {
  const at = DateTime.fromISO(iso);
  const base = DateTime.fromMillis(now);
  const hours = Math.abs(at.diff(base, 'hours').hours);
  if (hours < 1 / 60) return at >= base ? 'in 1 minute' : '1 minute ago';
  let unit: 'days' | 'hours' | 'minutes' = 'minutes';
  if (hours >= 48) unit = 'days';
  else if (hours >= 2) unit = 'hours';
  return at.toRelative({ base, unit }) ?? '';
}
