/*
 * A live grant's plan and suspension, changed by the API's owners (catalog
 * `ownedBy` now) or admins, with the same credential: suspend (the key is
 * refused at once), resume, and move to another plan the API offers. Each
 * change is one transaction with the grant's row locked, so it never
 * interleaves with a revocation or the expiry tick; then, as a revocation
 * does, every replica and gateway drops its cached decisions about the
 * grant. Also the grant's usage per day and its quota state.
 */
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  Grant,
  GrantUsage,
  computeReviewPlan,
  computeRiskScore,
  grantPlanOf,
  planRank,
  quotaPeriodStart,
  quotaResetsAt,
  usageDay,
} from '@api-access/backstage-plugin-api-access-common';
import { Knex } from 'knex';
import { AuditLog } from '../audit/AuditLog';
import { ApiAccessClock, systemClock } from '../clock';
import type { ProvisioningService } from '../provisioning/ProvisioningService';
import { ApiAccessConfig } from '../config';
import type { CredentialService } from '../credentials/CredentialService';
import { LiveUpdates } from '../notifications/LiveUpdates';
import { Notifier, noNotifier } from '../notifications/Notifier';
import type { GrantAccess } from '../permissions/GrantAccess';
import type { ApiProfileService } from '../profiles/ApiProfileService';
import type { AccessStore } from '../requests/AccessStore';
import type { Caller } from '../requests/workflowTypes';
import type { GrantService } from './GrantService';
import { GrantStore } from './GrantStore';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface GrantPlanServiceOptions {
  grants: GrantService;
  grantStore: GrantStore;
  requests: AccessStore;
  access: GrantAccess;
  audit: AuditLog;
  /** Drops cached decisions (every replica, the gateways) and counts usage. */
  keys: CredentialService;
  profiles: ApiProfileService;
  policy: ApiAccessConfig;
  notifier?: Notifier;
  live?: LiveUpdates;
  clock?: ApiAccessClock;
  /** Called after a grant's suspension changed on this replica (e.g. to refresh the CRL). */
  afterChange?: (grantId: string) => void;
  /**
   * Provisioners hear of a plan change as of a renewal (provision is an
   * upsert): an identity provider's client must lose the dropped scopes.
   */
  provisioning?: ProvisioningService;
}

export class GrantPlanService {
  private readonly clock: ApiAccessClock;
  private readonly notifier: Notifier;
  private readonly live: LiveUpdates;

  constructor(private readonly options: GrantPlanServiceOptions) {
    this.clock = options.clock ?? systemClock;
    this.notifier = options.notifier ?? noNotifier;
    this.live = options.live ?? new LiveUpdates();
  }

  /**
   * The grant, if the caller is an owner of its API now or an admin; a
   * caller who may not even read it gets the 404 of an unknown grant.
   */
  private async managed(id: string, caller: Caller, what: string) {
    const { access } = this.options;
    const grant = await access.readable(id, caller);
    const allowed =
      (await access.ownsApiNow(grant.apiRef, caller)) ||
      (await access.isAdmin(caller));
    if (!allowed) {
      throw new NotAllowedError(
        `Only the owners of ${grant.apiRef} and api-access admins can ${what} a grant`,
      );
    }
    return grant;
  }

  /** The grant's status under its row lock, or 404. */
  private async locked(tx: Knex.Transaction, id: string) {
    const locked = await this.options.grantStore.lockStatus(tx, id);
    if (!locked) throw new NotFoundError(`No grant '${id}'`);
    return locked;
  }

  async suspend(id: string, reason: string, caller: Caller): Promise<Grant> {
    const grant = await this.managed(id, caller, 'suspend');
    const { grantStore, audit } = this.options;
    const now = this.clock.now();
    const by = caller.userEntityRef;
    await grantStore.transaction(async tx => {
      const { status, expiresAt } = await this.locked(tx, id);
      if (status !== 'active') {
        throw new ConflictError(
          `The grant is ${status}; only an active grant can be suspended`,
        );
      }
      if (expiresAt.getTime() <= now.getTime()) {
        throw new ConflictError(
          `The grant expired at ${expiresAt.toISOString()}; there is nothing to suspend`,
        );
      }
      if (!(await grantStore.suspendGrant(tx, id, { now, by, reason }))) {
        throw new ConflictError('The grant changed; reload it');
      }
      await audit.append(tx, [
        {
          subjectType: 'grant',
          subjectId: id,
          requestId: grant.requestId,
          action: 'grant.suspended',
          actorRef: by,
          occurredAt: now,
          fromStatus: 'active',
          toStatus: 'suspended',
          details: { reason },
        },
      ]);
    });
    // As a revocation: every replica and gateway forgets its answers now.
    await this.options.keys.forgetGrant(id);
    this.options.afterChange?.(id);
    return this.announce(grant, by, {
      title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${grant.environment}) was suspended by ${by}`,
      description: `${reason} Its key is refused until the API's owners resume it.`,
    });
  }

  async resume(
    id: string,
    comment: string | undefined,
    caller: Caller,
  ): Promise<Grant> {
    const grant = await this.managed(id, caller, 'resume');
    const { grantStore, audit } = this.options;
    const now = this.clock.now();
    const by = caller.userEntityRef;
    await grantStore.transaction(async tx => {
      const { status, expiresAt } = await this.locked(tx, id);
      if (status !== 'suspended') {
        throw new ConflictError(
          `The grant is ${status}; only a suspended grant can be resumed`,
        );
      }
      if (expiresAt.getTime() <= now.getTime()) {
        throw new ConflictError(
          `The grant expired at ${expiresAt.toISOString()} while suspended; request access anew`,
        );
      }
      if (!(await grantStore.resumeGrant(tx, id))) {
        throw new ConflictError('The grant changed; reload it');
      }
      await audit.append(tx, [
        {
          subjectType: 'grant',
          subjectId: id,
          requestId: grant.requestId,
          action: 'grant.resumed',
          actorRef: by,
          occurredAt: now,
          fromStatus: 'suspended',
          toStatus: 'active',
          details: comment ? { comment } : {},
        },
      ]);
    });
    // Gateways and replicas cached the refusal: drop it so the key works now.
    await this.options.keys.forgetGrant(id);
    this.options.afterChange?.(id);
    return this.announce(grant, by, {
      title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${grant.environment}) was resumed by ${by}`,
      description: comment ?? 'Its key works again.',
    });
  }

  /**
   * Moves the grant to another plan the API offers now. A downgrade takes
   * effect at once; so does an upgrade when the review policy, for the
   * grant's terms under the new plan, needs no one beyond the API's owner
   * (who is the one changing it, or an admin); otherwise 409 naming the
   * stages, and the consumer requests the plan anew. Scopes the new plan
   * does not include are dropped; none are ever added.
   */
  async changePlan(
    id: string,
    input: { plan: string; comment?: string },
    caller: Caller,
  ): Promise<Grant> {
    const grant = await this.managed(id, caller, 'change the plan of');
    const { grantStore, audit, profiles, requests, policy } = this.options;
    const profile = await profiles.getProfile(grant.apiRef, caller.credentials);
    const offered = profile.plans.map(plan => `'${plan.name}'`).join(', ');
    if (profile.plans.length === 0) {
      throw new InputError(
        `Invalid plan: ${grant.apiRef} offers no plans (its grants keep the platform's rate limit)`,
      );
    }
    const target = profile.plans.find(plan => plan.name === input.plan);
    if (!target) {
      throw new InputError(
        `Invalid plan: '${input.plan}' is not a plan ${grant.apiRef} offers (it offers ${offered})`,
      );
    }
    if (grant.plan?.name === target.name) {
      throw new ConflictError(
        `The grant is already on the plan '${target.name}'`,
      );
    }
    if (!target.environments.includes(grant.environment)) {
      throw new InputError(
        `Invalid plan: the plan '${target.name}' is not offered for '${
          grant.environment
        }' (only ${target.environments.join(', ')})`,
      );
    }
    const scopes = grant.scopes.filter(scope => target.scopes.includes(scope));
    const dropped = grant.scopes.filter(scope => !scopes.includes(scope));
    if (scopes.length === 0) {
      throw new ConflictError(
        `The plan '${
          target.name
        }' allows none of the grant's scopes (${grant.scopes.join(
          ', ',
        )}; it allows ${target.scopes.join(', ')})`,
      );
    }
    const fromRank = grant.plan ? planRank(profile.plans, grant.plan.name) : -1;
    const toRank = planRank(profile.plans, target.name);
    // A plan-less grant, or one whose plan the API no longer offers, moves
    // "up" as far as review goes: it gets limits no one reviewed for it.
    const direction = fromRank !== -1 && toRank < fromRank ? 'down' : 'up';
    const request = await requests.getRequest(requests.db, grant.requestId);
    if (direction === 'up') {
      const durationDays = Math.max(
        1,
        Math.ceil(
          (Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)) / DAY_MS,
        ),
      );
      const terms = {
        environment: grant.environment,
        scopes,
        consumerKind: request?.consumerKind ?? 'internal',
      };
      // The review the grant's terms would get as a request on the new plan:
      // its risk score and approval mode count, as for a new request.
      const riskScore = computeRiskScore(
        { ...terms, durationDays, plan: target.name },
        profile,
        policy,
      ).score;
      const review = computeReviewPlan(
        {
          ...terms,
          riskScore,
          plan: { name: target.name, approval: target.approval },
        },
        profile,
        policy,
      );
      const beyond = review.autoApproved
        ? []
        : review.stages.filter(stage => stage.name !== 'owner');
      if (beyond.length > 0) {
        throw new ConflictError(
          `Upgrading to the plan '${
            target.name
          }' needs review beyond the API's owner (${beyond
            .map(stage => stage.name)
            .join(', ')}): request access on the plan '${target.name}' instead`,
        );
      }
    }

    const now = this.clock.now();
    const by = caller.userEntityRef;
    const snapshot = grantPlanOf(target);
    await grantStore.transaction(async tx => {
      const { status } = await this.locked(tx, id);
      if (status !== 'active' && status !== 'suspended') {
        throw new ConflictError(
          `The grant is ${status}; only an active or suspended grant can change plans`,
        );
      }
      if (!(await grantStore.changePlan(tx, id, { plan: snapshot, scopes }))) {
        throw new ConflictError('The grant changed; reload it');
      }
      await audit.append(tx, [
        {
          subjectType: 'grant',
          subjectId: id,
          requestId: grant.requestId,
          action: 'grant.plan_changed',
          actorRef: by,
          occurredAt: now,
          details: {
            from: grant.plan?.name ?? null,
            to: target.name,
            direction,
            rateLimit: snapshot.rateLimit,
            quota: snapshot.quota ?? null,
            ...(dropped.length > 0 ? { droppedScopes: dropped } : {}),
            ...(input.comment ? { comment: input.comment } : {}),
          },
        },
      ]);
      await this.options.provisioning?.enqueue(tx, grant, 'provision', {
        now,
        reason: 'plan-changed',
        dedupeKey: `plan:${now.toISOString()}`,
      });
    });
    // Cached decisions carry the old limits and scopes.
    await this.options.keys.forgetGrant(id);
    this.options.provisioning?.kick();
    const was = grant.plan ? `'${grant.plan.title}'` : 'no plan';
    return this.announce(grant, by, {
      title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${grant.environment}) moved from ${was} to '${target.title}'`,
      description: [
        `${by} changed the plan${input.comment ? `: ${input.comment}` : ''}.`,
        dropped.length > 0
          ? `The scopes ${dropped.join(', ')} are no longer included.`
          : '',
      ]
        .filter(Boolean)
        .join(' '),
    });
  }

  /**
   * The grant's calls and refusals per UTC day, oldest first, the last
   * `days` days through today, zero-filled; and, when its plan has a quota,
   * how much of the current period is used.
   */
  async usage(id: string, days: number, caller: Caller): Promise<GrantUsage> {
    const grant = await this.options.access.readable(id, caller);
    const now = this.clock.now();
    const today = Date.parse(`${usageDay(now)}T00:00:00.000Z`);
    const dates = Array.from({ length: days }, (_, i) =>
      usageDay(new Date(today - (days - 1 - i) * DAY_MS)),
    );
    const quota = grant.plan?.quota;
    const periodFrom = quota
      ? usageDay(quotaPeriodStart(now, quota.period))
      : dates[0];
    const from = periodFrom < dates[0] ? periodFrom : dates[0];
    const rows = await this.options.keys.usage.days(id, from);
    const byDay = new Map(rows.map(row => [row.day, row]));
    return {
      days: dates.map(date => ({
        date,
        calls: byDay.get(date)?.calls ?? 0,
        refused: byDay.get(date)?.refused ?? 0,
      })),
      ...(quota
        ? {
            quota: {
              used: rows
                .filter(row => row.day >= periodFrom)
                .reduce((sum, row) => sum + row.calls, 0),
              limit: quota.requests,
              period: quota.period,
              resetsAt: quotaResetsAt(now, quota.period).toISOString(),
            },
          }
        : {}),
    };
  }

  /** After a change: tell the requester and the consumer's owners, and refresh the screens. */
  private async announce(
    before: Grant,
    actorRef: string,
    message: { title: string; description: string },
  ): Promise<Grant> {
    const { access, requests, grants } = this.options;
    const consumerOwners = await access
      .currentConsumerOwners(before.consumerRef)
      .catch(() => [] as string[]);
    await this.notifier.notify(
      [before.requesterRef, ...consumerOwners].filter(
        ref => ref && ref !== actorRef,
      ),
      { ...message, requestId: before.requestId },
    );
    const changed = await grants.get(before.id);
    const request = await requests.getRequest(requests.db, before.requestId);
    await this.live.grantChanged(changed, [
      request?.ownerRef,
      ...consumerOwners,
    ]);
    return changed;
  }
}
