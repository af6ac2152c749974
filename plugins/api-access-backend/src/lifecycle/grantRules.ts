/*
 * Lifecycle rules over grants: expiry, reminders before it, stale access
 * (from the batched last-use record) and orphaned access (requester or
 * consumer gone from the catalog, or the API's owner changed). Each piece of
 * once-only work claims a mark in the transaction that records it, so a
 * second tick (or a second replica) finds the mark and does nothing.
 */
import { AuthService } from '@backstage/backend-plugin-api';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ApiAccessConfig } from '../config';
import { AccessStore } from '../requests/AccessStore';
import { GrantStore } from '../grants/GrantStore';
import { AuditLog } from '../audit/AuditLog';
import { CredentialService } from '../credentials/CredentialService';
import { GrantService } from '../grants/GrantService';
import { Notifier } from '../notifications/Notifier';
import { ProvisioningService } from '../provisioning/ProvisioningService';
import { LifecycleMarks, LifecycleRule } from './LifecycleService';

const DAY_MS = 24 * 60 * 60 * 1000;
const SYSTEM = 'api-access';

export interface GrantRuleDeps {
  access: AccessStore;
  /** The grants table's store: expiry, suspension, orphan reasons. */
  grantStore: GrantStore;
  audit: AuditLog;
  marks: LifecycleMarks;
  keys: CredentialService;
  grants: GrantService;
  provisioning: ProvisioningService;
  notifier: Notifier;
  catalog: CatalogService;
  auth: AuthService;
  policy: ApiAccessConfig;
  /** Called after a grant ends on this replica (e.g. to refresh the CRL). */
  afterEnd?: (grantId: string) => void;
}

function ownersOf(entity: Entity | undefined): string[] {
  return (entity?.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
}

async function entitiesByRef(
  deps: GrantRuleDeps,
  refs: string[],
): Promise<Map<string, Entity | undefined>> {
  const unique = Array.from(new Set(refs));
  const result = new Map<string, Entity | undefined>();
  if (unique.length === 0) return result;
  const credentials = await deps.auth.getOwnServiceCredentials();
  for (let i = 0; i < unique.length; i += 200) {
    const batch = unique.slice(i, i + 200);
    const { items } = await deps.catalog.getEntitiesByRefs(
      { entityRefs: batch },
      { credentials },
    );
    batch.forEach((ref, index) => result.set(ref, items[index] ?? undefined));
  }
  return result;
}

/** Active grants expire: introspection already refuses them; this records it and tells provisioners. */
export function grantExpiryRule(deps: GrantRuleDeps): LifecycleRule {
  return {
    name: 'grant-expiry',
    async run(now) {
      const due = await deps.grantStore.grantsExpiredBy(
        deps.access.db,
        now,
        500,
      );
      let expired = 0;
      for (const grant of due) {
        const moved = await deps.access.transaction(async tx => {
          // Under the row lock: a suspension or resumption racing this tick
          // either commits first (and the grant expires from its new
          // status) or waits for the expiry and then finds it expired.
          const locked = await deps.grantStore.lockStatus(tx, grant.id);
          const from = locked?.status;
          if (
            (from !== 'active' && from !== 'suspended') ||
            !(await deps.grantStore.setGrantStatus(
              tx,
              grant.id,
              from,
              'expired',
            ))
          ) {
            return false; // another tick or a revocation got there first
          }
          await deps.provisioning.enqueue(tx, grant, 'revoke', {
            reason: 'expired',
            now,
          });
          await deps.audit.append(tx, [
            {
              subjectType: 'grant',
              subjectId: grant.id,
              requestId: grant.requestId,
              action: 'grant.expired',
              actorRef: SYSTEM,
              occurredAt: now,
              fromStatus: from,
              toStatus: 'expired',
              details: { expiresAt: grant.expiresAt },
            },
          ]);
          return true;
        });
        if (!moved) continue;
        expired += 1;
        await deps.keys.forgetGrant(grant.id);
        deps.afterEnd?.(grant.id);
        await deps.notifier.notify([grant.requesterRef], {
          title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${grant.environment}) has expired`,
          description:
            'Request it again from the API page if it is still needed.',
          requestId: grant.requestId,
        });
      }
      if (expired > 0) deps.provisioning.kick();
      return { expired };
    },
  };
}

/**
 * Reminders before expiry, one per configured window. When a tick finds a
 * grant inside several windows at once (it ran late, or the grant was short)
 * it sends one reminder and marks every window it covers.
 */
export function expiryReminderRule(deps: GrantRuleDeps): LifecycleRule {
  return {
    name: 'expiry-reminders',
    async run(now) {
      const windows = [...deps.policy.lifecycle.reminderDaysBeforeExpiry].sort(
        (a, b) => a - b,
      );
      if (windows.length === 0) return { reminded: 0 };
      const horizon = new Date(
        now.getTime() + windows[windows.length - 1] * DAY_MS,
      );
      const grants = await deps.grantStore.grantsExpiringBetween(
        deps.access.db,
        now,
        horizon,
      );
      let reminded = 0;
      const consumers = await entitiesByRef(
        deps,
        grants.map(g => g.consumerRef),
      );
      for (const grant of grants) {
        const left = (Date.parse(grant.expiresAt) - now.getTime()) / DAY_MS;
        const covering = windows.filter(w => w >= left);
        if (covering.length === 0) continue;
        const sent = await deps.access.transaction(async tx => {
          let claimed = false;
          for (const window of covering) {
            if (
              await deps.marks.claim(tx, grant.id, `reminder:${window}`, now)
            ) {
              claimed = true;
            }
          }
          if (!claimed) return false;
          await deps.audit.append(tx, [
            {
              subjectType: 'grant',
              subjectId: grant.id,
              requestId: grant.requestId,
              action: 'grant.expiry_reminder',
              actorRef: SYSTEM,
              occurredAt: now,
              details: {
                windowDays: covering[0],
                expiresAt: grant.expiresAt,
              },
            },
          ]);
          return true;
        });
        if (!sent) continue;
        reminded += 1;
        const days = Math.max(1, Math.ceil(left));
        await deps.notifier.notify(
          [grant.requesterRef, ...ownersOf(consumers.get(grant.consumerRef))],
          {
            title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${
              grant.environment
            }) expires in ${days} day${days === 1 ? '' : 's'}`,
            description: 'Renew it from the component page before it expires.',
            requestId: grant.requestId,
          },
        );
      }
      return { reminded };
    },
  };
}

/** Unused grants: flagged (computed on read) and their owners told once per idle spell. */
export function staleAccessRule(deps: GrantRuleDeps): LifecycleRule {
  return {
    name: 'stale-access',
    async run(now) {
      const cutoff = new Date(
        now.getTime() - deps.policy.lifecycle.staleAfterDays * DAY_MS,
      );
      const grants = await deps.grantStore.grantsUnusedSince(
        deps.access.db,
        cutoff,
      );
      let flagged = 0;
      for (const grant of grants) {
        const spell = `stale:${grant.lastUsedAt ?? 'never'}`;
        const request = await deps.access.getRequest(
          deps.access.db,
          grant.requestId,
        );
        const noticed = await deps.access.transaction(async tx => {
          if (!(await deps.marks.claim(tx, grant.id, spell, now))) return false;
          await deps.audit.append(tx, [
            {
              subjectType: 'grant',
              subjectId: grant.id,
              requestId: grant.requestId,
              action: 'grant.flagged_stale',
              actorRef: SYSTEM,
              occurredAt: now,
              details: {
                lastUsedAt: grant.lastUsedAt ?? null,
                staleAfterDays: deps.policy.lifecycle.staleAfterDays,
              },
            },
          ]);
          return true;
        });
        if (!noticed) continue;
        flagged += 1;
        await deps.notifier.notify(
          [grant.requesterRef, request?.ownerRef ?? ''].filter(Boolean),
          {
            title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${grant.environment}) is unused`,
            description: grant.lastUsedAt
              ? `Last used ${grant.lastUsedAt}. Revoke it if it is no longer needed.`
              : 'Never used. Revoke it if it is no longer needed.',
            requestId: grant.requestId,
          },
        );
      }
      return { flagged };
    },
  };
}

/**
 * Orphaned grants: the requester or consumer left the catalog, the API
 * did, or the API's owner is not the one who approved. Flagged on the grant
 * (and cleared when the catalog heals); revoked when the policy says so.
 */
export function orphanedAccessRule(deps: GrantRuleDeps): LifecycleRule {
  return {
    name: 'orphaned-access',
    async run(now) {
      const grants = await deps.grantStore.activeGrants(deps.access.db);
      const requests = new Map(
        (
          await deps.access.getRequests(
            deps.access.db,
            grants.map(g => g.requestId),
          )
        ).map(r => [r.id, r]),
      );
      const entities = await entitiesByRef(
        deps,
        grants.flatMap(g => [g.requesterRef, g.consumerRef, g.apiRef]),
      );
      let flagged = 0;
      let cleared = 0;
      let revoked = 0;
      for (const grant of grants) {
        const api = entities.get(grant.apiRef);
        const approvedOwner = requests.get(grant.requestId)?.ownerRef;
        const currentOwners = ownersOf(api);
        let reason: string | undefined;
        if (!entities.get(grant.requesterRef)) {
          reason = `requester ${grant.requesterRef} is no longer in the catalog`;
        } else if (!entities.get(grant.consumerRef)) {
          reason = `consumer ${grant.consumerRef} is no longer in the catalog`;
        } else if (!api) {
          reason = `API ${grant.apiRef} is no longer in the catalog`;
        } else if (approvedOwner && !currentOwners.includes(approvedOwner)) {
          reason = `API owner changed from ${approvedOwner} to ${
            currentOwners.join(', ') || 'nobody'
          }`;
        }
        if ((reason ?? null) === (grant.orphanReason ?? null)) continue;
        await deps.access.transaction(async tx => {
          await deps.grantStore.setOrphanReason(tx, grant.id, reason ?? null);
          await deps.audit.append(tx, [
            {
              subjectType: 'grant',
              subjectId: grant.id,
              requestId: grant.requestId,
              action: reason
                ? 'grant.flagged_orphaned'
                : 'grant.orphan_cleared',
              actorRef: SYSTEM,
              occurredAt: now,
              details: reason ? { reason } : {},
            },
          ]);
        });
        if (!reason) {
          cleared += 1;
          continue;
        }
        flagged += 1;
        if (deps.policy.lifecycle.revokeOrphaned) {
          await deps.grants.revokeAsSystem(
            grant.id,
            `Orphaned: ${reason}`,
            'api-access:orphaned-access',
          );
          revoked += 1;
        } else {
          await deps.notifier.notify(
            [
              ...deps.policy.alertRecipients,
              ...(approvedOwner ? [approvedOwner] : []),
              ...currentOwners,
            ],
            {
              title: `Orphaned access: ${grant.consumerRef} to ${grant.apiRef} (${grant.environment})`,
              description: `${reason}. Revoke it, or fix the catalog.`,
              requestId: grant.requestId,
            },
          );
        }
      }
      return { flagged, cleared, revoked };
    },
  };
}

export function grantLifecycleRules(deps: GrantRuleDeps): LifecycleRule[] {
  return [
    grantExpiryRule(deps),
    expiryReminderRule(deps),
    staleAccessRule(deps),
    orphanedAccessRule(deps),
  ];
}
