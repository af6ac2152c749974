/*
 * Incident revocation: an API's owners, or admins, end every active grant of
 * an API, a consumer or a requester in one action. Who may revoke which
 * grant is the single revocation's rule for owners and admins, applied per
 * grant in SQL: the grants the caller may read (the policy's
 * api-access.grant.read and the party filter) whose API the caller's groups
 * own in the catalog now, or every readable grant for an admin. The
 * requester's own right to revoke their grant stays with the single route.
 *
 * A real run is a batch: each grant is revoked through GrantService's normal
 * revocation in its own transaction (one failure does not stop the others,
 * a grant a racing single revocation ended first is reported as
 * `already_ended`), its history event carries the batch id, and one history
 * event on the batch ties them together once every grant has been tried.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  Grant,
  IncidentRevocationResult,
  MAX_INCIDENT_REVOCATION_GRANTS,
  RevocationBatch,
  RevocationCandidate,
  RevocationOutcome,
  RevocationSelector,
  sanitizeError,
} from '@api-access/backstage-plugin-api-access-common';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import { AuditLog } from '../audit/AuditLog';
import { ApiAccessClock, systemClock } from '../clock';
import type { GrantAccess } from '../permissions/GrantAccess';
import type { GrantFilter } from '../permissions/grantPermissionRules';
import type { ProvisioningService } from '../provisioning/ProvisioningService';
import type { Caller } from '../requests/workflowTypes';
import { GrantService } from './GrantService';
import { GrantStore } from './GrantStore';
import { RevocationBatchStore, selectorParts } from './RevocationBatchStore';

export interface IncidentRevocationServiceOptions {
  grants: GrantService;
  grantStore: GrantStore;
  batches: RevocationBatchStore;
  access: GrantAccess;
  audit: AuditLog;
  provisioning: ProvisioningService;
  clock?: ApiAccessClock;
}

/** The grants a caller may revoke under a selector, and how many they may not. */
interface Selection {
  grants: Grant[];
  leftOut: number;
}

/** A provisioning task's status as the batch's progress shows it. */
const TASK_STATES: Record<string, 'pending' | 'confirmed' | 'failed'> = {
  pending: 'pending',
  succeeded: 'confirmed',
  failed: 'failed',
};

function candidate(grant: Grant): RevocationCandidate {
  return {
    id: grant.id,
    apiRef: grant.apiRef,
    consumerRef: grant.consumerRef,
    requesterRef: grant.requesterRef,
    environment: grant.environment,
    expiresAt: grant.expiresAt,
  };
}

/** One line, bounded: what a failed item shows (never a secret: errors here carry none). */
function describe(error: unknown): string {
  const clean = sanitizeError(error);
  const text = `${clean.name}: ${clean.message}`.replace(/\s+/g, ' ');
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

export class IncidentRevocationService {
  private readonly clock: ApiAccessClock;

  constructor(private readonly options: IncidentRevocationServiceOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The active grants the caller may revoke under the selector. Refuses
   * (403) a caller who is neither an admin nor an owner of the API named, or
   * for a consumer or requester, of any API at all; an owner of some API
   * gets the grants on their APIs and the number left out.
   */
  private async select(
    selector: RevocationSelector,
    caller: Caller,
  ): Promise<Selection> {
    const { access, grantStore } = this.options;
    const isAdmin = await access.isAdmin(caller);
    let apiIn: string[] | undefined;
    if (!isAdmin) {
      apiIn = await access.apisOwnedNow(caller);
      const { kind, ref } = selectorParts(selector);
      if (kind === 'apiRef') {
        const lower = ref.toLocaleLowerCase('en-US');
        if (!apiIn.some(api => api.toLocaleLowerCase('en-US') === lower)) {
          throw new NotAllowedError(
            `Only the owners of ${ref} and api-access admins can revoke all access to it`,
          );
        }
      } else if (apiIn.length === 0) {
        throw new NotAllowedError(
          "Only an API's owners and api-access admins can revoke access in bulk",
        );
      }
    }
    const readFilters = await access.listFilters(caller);
    const all = await grantStore.countActiveMatching(grantStore.db, {
      selector,
      filters: [],
    });
    if (readFilters === 'none') return { grants: [], leftOut: all };
    const filters: PermissionCriteria<GrantFilter>[] = readFilters;
    const revocable = await grantStore.countActiveMatching(grantStore.db, {
      selector,
      filters,
      apiIn,
    });
    if (revocable > MAX_INCIDENT_REVOCATION_GRANTS) {
      throw new InputError(
        `${revocable} active grants match; one incident revocation ends at most ${MAX_INCIDENT_REVOCATION_GRANTS}: narrow it (one API, one consumer) and revoke in several batches`,
      );
    }
    const grants = await grantStore.activeGrantsMatching(grantStore.db, {
      selector,
      filters,
      apiIn,
      limit: MAX_INCIDENT_REVOCATION_GRANTS,
    });
    return { grants, leftOut: Math.max(0, all - revocable) };
  }

  async revoke(
    input: {
      apiRef?: string;
      consumerRef?: string;
      requesterRef?: string;
      reason: string;
      dryRun: boolean;
    },
    caller: Caller,
  ): Promise<IncidentRevocationResult> {
    const { reason, dryRun } = input;
    const { kind, ref } = selectorParts(input);
    const selector = { [kind]: ref } as RevocationSelector;
    const { grants, leftOut } = await this.select(selector, caller);
    const candidates = grants.map(candidate);
    if (dryRun) {
      return { dryRun: true, selector, reason, grants: candidates, leftOut };
    }

    const { batches, grants: grantService, audit, grantStore } = this.options;
    const batchId = randomUUID();
    const actorRef = caller.userEntityRef;
    await batches.insertBatch(batches.db, {
      id: batchId,
      startedBy: actorRef,
      startedAt: this.clock.now(),
      selector,
      reason,
      leftOut,
    });

    const results: NonNullable<IncidentRevocationResult['results']> = [];
    for (const [position, grant] of grants.entries()) {
      let outcome: RevocationOutcome = 'revoked';
      let error: string | undefined;
      try {
        await grantService.revokeInBatch(grant.id, reason, actorRef, {
          id: batchId,
          within: tx =>
            batches.addItem(tx, batchId, {
              grantId: grant.id,
              position,
              outcome: 'revoked',
            }),
        });
      } catch (e) {
        // A racing revocation (or expiry) ended it first: GrantService's
        // conditional update answers 409, and nothing of ours committed.
        outcome = e instanceof ConflictError ? 'already_ended' : 'failed';
        error = outcome === 'failed' ? describe(e) : undefined;
        await batches.addItem(batches.db, batchId, {
          grantId: grant.id,
          position,
          outcome,
          error,
        });
      }
      const status =
        outcome === 'revoked'
          ? undefined
          : (await grantStore.getGrant(grantStore.db, grant.id))?.status;
      results.push({
        grantId: grant.id,
        outcome,
        ...(status ? { status } : {}),
        ...(error ? { error } : {}),
      });
    }

    const counts = {
      revoked: results.filter(r => r.outcome === 'revoked').length,
      alreadyEnded: results.filter(r => r.outcome === 'already_ended').length,
      failed: results.filter(r => r.outcome === 'failed').length,
    };
    const finishedAt = this.clock.now();
    await grantStore.transaction(async tx => {
      await batches.finish(tx, batchId, finishedAt);
      await audit.append(tx, [
        {
          subjectType: 'revocation_batch',
          subjectId: batchId,
          action: 'grants.revoked_in_batch',
          actorRef,
          occurredAt: finishedAt,
          details: {
            selector,
            reason,
            grantIds: grants.map(grant => grant.id),
            counts: { ...counts, matched: grants.length, leftOut },
            results: results
              .filter(r => r.outcome !== 'revoked')
              .map(r => ({ grantId: r.grantId, outcome: r.outcome })),
          },
        },
      ]);
    });
    return {
      dryRun: false,
      batchId,
      selector,
      reason,
      grants: candidates,
      leftOut,
      results,
      counts,
    };
  }

  /**
   * A batch and each grant's revocation and provisioning state. Readable by
   * whoever started it, admins, and for a batch of one API, its owners now;
   * anyone else gets the 404 of an unknown batch.
   */
  async batch(id: string, caller: Caller): Promise<RevocationBatch> {
    const { batches, access, grantStore, provisioning } = this.options;
    const notFound = () =>
      new NotFoundError(`No incident revocation batch '${id}'`);
    const batch = await batches.getBatch(batches.db, id);
    if (!batch) throw notFound();
    const { kind, ref } = selectorParts(batch.selector);
    const readable =
      batch.startedBy === caller.userEntityRef ||
      (await access.isAdmin(caller)) ||
      (kind === 'apiRef' && (await access.ownsApiNow(ref, caller)));
    if (!readable) throw notFound();

    const items = await batches.items(batches.db, id);
    const ids = items.map(item => item.grantId);
    const [grantRows, tasks] = await Promise.all([
      Promise.all(
        ids.map(grantId => grantStore.getGrant(grantStore.db, grantId)),
      ),
      provisioning.forGrants(ids),
    ]);
    const shown = items.map((item, index) => {
      const grant = grantRows[index];
      const revokeTasks = (tasks.get(item.grantId)?.tasks ?? [])
        .filter(task => task.action === 'revoke' && task.status !== 'cancelled')
        .map(task => ({
          provisionerId: task.provisionerId,
          status: TASK_STATES[task.status] ?? 'pending',
          attempts: task.attempts,
          ...(task.lastError ? { lastError: task.lastError } : {}),
          ...(task.completedAt ? { completedAt: task.completedAt } : {}),
        }));
      let state: 'pending' | 'confirmed' | 'failed' = 'confirmed';
      if (revokeTasks.some(task => task.status === 'failed')) state = 'failed';
      else if (revokeTasks.some(task => task.status === 'pending'))
        state = 'pending';
      return {
        id: item.grantId,
        apiRef: grant?.apiRef ?? '',
        consumerRef: grant?.consumerRef ?? '',
        requesterRef: grant?.requesterRef ?? '',
        environment: grant?.environment ?? '',
        expiresAt: grant?.expiresAt ?? '',
        outcome: item.outcome,
        ...(item.error ? { error: item.error } : {}),
        status: grant?.status ?? 'unknown',
        // Only this batch's revocations wait for provisioners.
        provisioning:
          item.outcome === 'revoked' ? state : ('confirmed' as const),
        tasks: item.outcome === 'revoked' ? revokeTasks : [],
      };
    });
    const revoked = shown.filter(item => item.outcome === 'revoked');
    const confirmed = revoked.filter(item => item.provisioning === 'confirmed');
    const finished = !!batch.finishedAt;
    return {
      ...batch,
      counts: {
        total: shown.length,
        revoked: revoked.length,
        alreadyEnded: shown.filter(item => item.outcome === 'already_ended')
          .length,
        failed: shown.filter(item => item.outcome === 'failed').length,
        confirmed: confirmed.length,
      },
      done:
        finished &&
        confirmed.length === revoked.length &&
        shown.every(item => item.outcome !== 'failed'),
      settled: finished && shown.every(item => item.provisioning !== 'pending'),
      items: shown,
    };
  }
}
