/*
 * What a renewal's approval does to its grant: the expiry moves to the
 * approval time plus the renewal's duration; the grant, its credentials and
 * its history stay the same. A renewal itself is a request like any other,
 * planned by policy (AccessRequestService.renew).
 */
import { ConflictError } from '@backstage/errors';
import { Knex } from 'knex';
import type { StoredAccessRequest } from '../requests/AccessStore';
import { GrantStore } from './GrantStore';
import { NewAuditEvent } from '../audit/AuditLog';
import type { GrantHooks } from '../requests/workflowTypes';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Extends the grant a renewal is for; the audit event to append. */
export async function extendRenewedGrant(
  store: GrantStore,
  tx: Knex.Transaction,
  request: StoredAccessRequest,
  now: Date,
  hooks: Pick<GrantHooks, 'grantRenewed'>,
): Promise<NewAuditEvent> {
  const grantId = request.renewalOfGrantId!;
  const expiresAt = new Date(
    now.getTime() + request.approvedDurationDays * DAY_MS,
  );
  const grant = await store.getGrant(tx, grantId);
  if (!grant || !(await store.extendGrant(tx, grantId, { now, expiresAt }))) {
    throw new ConflictError(
      'The grant this renewal is for is no longer active; request access anew',
    );
  }
  await hooks.grantRenewed(tx, grant, request.id, now);
  return {
    subjectType: 'grant',
    subjectId: grantId,
    // The grant's history lives with the request that created it.
    requestId: grant.requestId,
    action: 'grant.renewed',
    actorRef: 'api-access',
    occurredAt: now,
    details: {
      renewalRequestId: request.id,
      durationDays: request.approvedDurationDays,
      expiresAt: expiresAt.toISOString(),
    },
  };
}
