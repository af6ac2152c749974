/*
 * Renewal: a request on an existing grant, with a lighter plan than a new
 * request. When the terms are unchanged (same scopes and environment, no
 * longer a duration) and a credential was used recently, policy renews at
 * once; otherwise the API's owner confirms. On approval the grant's expiry
 * moves to the approval time plus the renewal's duration; the grant, its
 * credentials and its history stay the same.
 */
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { ReviewPlan, maxDurationFor } from '@internal/plugin-api-access-common';
import { Knex } from 'knex';
import { ApiAccessConfig } from '../config';
import { ApiAccessClock, systemClock } from '../clock';
import { AccessStore, StoredAccessRequest } from '../database/AccessStore';
import { AuditLog, NewAuditEvent } from '../database/AuditLog';
import { Caller, GrantHooks, noGrantHooks } from './AccessRequestService';
import { Notifier, noNotifier } from './Notifier';

const DAY_MS = 24 * 60 * 60 * 1000;
export const AUTO_RENEW_RULE = 'renewal-unchanged-and-used';

/** Extends the grant a renewal is for; the audit event to append. */
export async function extendRenewedGrant(
  store: AccessStore,
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

export class RenewalService {
  constructor(
    private readonly store: AccessStore,
    private readonly audit: AuditLog,
    private readonly policy: ApiAccessConfig,
    private readonly notifier: Notifier = noNotifier,
    private readonly clock: ApiAccessClock = systemClock,
    private readonly hooks: GrantHooks = noGrantHooks,
  ) {}

  async renew(
    grantId: string,
    input: { durationDays: number; justification?: string },
    caller: Caller,
  ): Promise<{ requestId: string; autoApproved: boolean }> {
    const db = this.store.db;
    const grant = await this.store.getGrant(db, grantId);
    if (!grant) throw new NotFoundError(`No grant '${grantId}'`);
    if (grant.requesterRef !== caller.userEntityRef) {
      throw new NotAllowedError('Only the requester of a grant can renew it');
    }
    if (grant.status !== 'active') {
      throw new ConflictError(
        `The grant is ${grant.status}; only an active grant can be renewed`,
      );
    }
    const open = (await this.store.openRenewals(db, [grantId])).get(grantId);
    if (open) {
      throw new ConflictError(
        `A renewal of this grant is already in review: request ${open}`,
      );
    }
    const original = (await this.store.getRequest(db, grant.requestId))!;
    const max = maxDurationFor(this.policy, grant.environment);
    if (input.durationDays > max) {
      throw new InputError(
        `durationDays must be at most ${max} for ${grant.environment}`,
      );
    }
    const now = this.clock.now();
    const { autoRenewIfUsedWithinDays } = this.policy.lifecycle.renewal;
    const unchanged = input.durationDays <= original.approvedDurationDays;
    const usedRecently =
      autoRenewIfUsedWithinDays > 0 &&
      !!grant.lastUsedAt &&
      now.getTime() - Date.parse(grant.lastUsedAt) <=
        autoRenewIfUsedWithinDays * DAY_MS;
    const autoApproved = unchanged && usedRecently;
    const plan: ReviewPlan = autoApproved
      ? { stages: [], autoApproved: true, autoApproveRule: AUTO_RENEW_RULE }
      : {
          autoApproved: false,
          stages: [
            {
              name: 'owner',
              steps: [
                {
                  name: 'owner',
                  reviewerRef: original.ownerRef,
                  quorum: this.policy.ownerQuorum,
                  reason: unchanged
                    ? 'Renewal: the API owner confirms the access is still needed (no recent use)'
                    : 'Renewal for longer than before: the API owner confirms',
                  rules: ['renewal'],
                },
              ],
            },
          ],
        };
    const id = randomUUID();
    await this.store.transaction(async tx => {
      await this.store.insertRequest(
        tx,
        {
          id,
          apiRef: grant.apiRef,
          consumerRef: grant.consumerRef,
          consumerKind: original.consumerKind,
          requesterRef: caller.userEntityRef,
          ownerRef: original.ownerRef,
          environment: grant.environment,
          scopes: grant.scopes,
          credentialType: grant.credentialType,
          useCase: original.useCase,
          justification: input.justification ?? original.justification,
          credentialStorage: original.credentialStorage,
          durationDays: input.durationDays,
          classificationLevel: original.classification.level,
          classificationSource: original.classification.source,
          plan,
          status: autoApproved ? 'approved' : 'in_review',
          now,
          renewalOfGrantId: grantId,
        },
        autoApproved
          ? []
          : [
              {
                id: randomUUID(),
                requestId: id,
                round: 1,
                stageIndex: 0,
                stageName: 'owner',
                stepIndex: 0,
                name: 'owner',
                reviewerRef: original.ownerRef,
                quorum: this.policy.ownerQuorum,
                reason: plan.stages[0]?.steps[0].reason ?? '',
                rules: ['renewal'],
                status: 'pending',
              },
            ],
      );
      const events: NewAuditEvent[] = [
        {
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.submitted',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          toStatus: 'in_review',
          details: {
            renewalOf: grantId,
            durationDays: input.durationDays,
            lastUsedAt: grant.lastUsedAt ?? null,
          },
        },
      ];
      if (autoApproved) {
        events.push({
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.auto_approved',
          actorRef: 'policy',
          occurredAt: now,
          fromStatus: 'in_review',
          toStatus: 'approved',
          details: { rule: AUTO_RENEW_RULE },
        });
        const stored = (await this.store.getRequest(tx, id))!;
        events.push(
          await extendRenewedGrant(this.store, tx, stored, now, this.hooks),
        );
      }
      await this.audit.append(tx, events);
    });
    if (autoApproved) this.hooks.afterCommit();
    if (!autoApproved) {
      await this.notifier.notify([original.ownerRef], {
        title: `Renewal of ${grant.consumerRef}'s access to ${grant.apiRef} (${grant.environment}) awaits your review`,
        description: input.justification,
        requestId: id,
      });
    }
    return { requestId: id, autoApproved };
  }
}
