/*
 * When a grant counts as stale. Its own module so that GrantService (flags on
 * read) and the lifecycle rules (notifications) share it without importing
 * each other.
 */
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessConfig } from '../config';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The moment a grant counts as stale: its last use (or creation) plus the configured days. */
export function staleSince(grant: Grant, policy: ApiAccessConfig): Date {
  const lastUse = Date.parse(grant.lastUsedAt ?? grant.createdAt);
  return new Date(lastUse + policy.lifecycle.staleAfterDays * DAY_MS);
}
