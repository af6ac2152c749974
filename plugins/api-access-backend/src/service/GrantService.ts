/*
 * Grants after approval: listing with their provisioning state, and
 * revocation. Revoking is one transaction (grant, credentials, history and
 * the provisioners' revoke tasks); on this replica the introspection cache
 * forgets the grant at once, so the gateway refuses the key on its next call.
 */
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { Grant, GrantFlag } from '@internal/plugin-api-access-common';
import { staleSince } from '../lifecycle/grantRules';
import { Knex } from 'knex';
import { ApiAccessConfig } from '../config';
import { ApiAccessClock, systemClock } from '../clock';
import { AccessStore } from '../database/AccessStore';
import { AuditLog } from '../database/AuditLog';
import { CredentialStore } from '../database/CredentialStore';
import { AccessRequestService, Caller } from './AccessRequestService';
import { CredentialService } from './CredentialService';
import { Notifier, noNotifier } from './Notifier';
import { ProvisioningService } from './ProvisioningService';

const DAY_MS = 24 * 60 * 60 * 1000;

export class GrantService {
  constructor(
    private readonly access: AccessStore,
    private readonly credentialStore: CredentialStore,
    private readonly audit: AuditLog,
    private readonly requests: AccessRequestService,
    private readonly keys: CredentialService,
    private readonly provisioning: ProvisioningService,
    private readonly policy: ApiAccessConfig,
    private readonly notifier: Notifier = noNotifier,
    private readonly clock: ApiAccessClock = systemClock,
    private readonly afterRevoke: (grantId: string) => void = () => {},
  ) {}

  async list(filter: {
    consumerRef?: string;
    apiRef?: string;
    ownerRef?: string;
  }) {
    return this.decorate(await this.requests.listGrants(filter));
  }

  async get(id: string): Promise<Grant> {
    const grant = await this.access.getGrant(this.access.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    return (await this.decorate([grant]))[0];
  }

  /** Adds provisioning state, open renewals and the flags computed from policy and time. */
  private async decorate(grants: Grant[]): Promise<Grant[]> {
    const ids = grants.map(grant => grant.id);
    const [provisioning, renewals] = await Promise.all([
      this.provisioning.forGrants(ids),
      this.access.openRenewals(this.access.db, ids),
    ]);
    const now = this.clock.now().getTime();
    const { lifecycle } = this.policy;
    const firstWindow = Math.max(0, ...lifecycle.reminderDaysBeforeExpiry);
    return grants.map(grant => {
      const flags: GrantFlag[] = [];
      if (grant.status === 'active') {
        if (Date.parse(grant.expiresAt) - now <= firstWindow * DAY_MS) {
          flags.push('expiring');
        }
        if (staleSince(grant, this.policy).getTime() <= now) {
          flags.push('stale');
        }
        if (grant.orphanReason) flags.push('orphaned');
      }
      const state = provisioning.get(grant.id);
      const renewalRequestId = renewals.get(grant.id);
      return {
        ...grant,
        flags,
        ...(state ? { provisioning: state } : {}),
        ...(renewalRequestId ? { renewalRequestId } : {}),
      };
    });
  }

  /** The requester, the API's owners and admins may act on a grant. */
  private async assertManager(grant: Grant, caller: Caller, what: string) {
    const request = await this.access.getRequest(
      this.access.db,
      grant.requestId,
    );
    const refs = caller.ownershipEntityRefs;
    const allowed =
      grant.requesterRef === caller.userEntityRef ||
      (request && refs.includes(request.ownerRef)) ||
      this.policy.admins.some(ref => refs.includes(ref));
    if (!allowed) {
      throw new NotAllowedError(
        `Only the requester, the API's owners and api-access admins can ${what} a grant`,
      );
    }
    return request;
  }

  async revoke(id: string, reason: string, caller: Caller): Promise<Grant> {
    const grant = await this.access.getGrant(this.access.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    const request = await this.assertManager(grant, caller, 'revoke');
    return this.end(grant, request?.ownerRef, reason, caller.userEntityRef);
  }

  /**
   * Revocation decided by a rule, not a person: an unanswered access review,
   * an orphaned grant. Same transaction, history and provisioning as a
   * person's revocation; `actorRef` names the rule (or the reviewer who
   * answered an access review). `within` runs inside the revocation's
   * transaction, after its history event: what it writes commits with the
   * revocation, and its error rolls the revocation back.
   */
  async revokeAsSystem(
    id: string,
    reason: string,
    actorRef: string,
    within?: (tx: Knex.Transaction) => Promise<void>,
  ): Promise<Grant> {
    const grant = await this.access.getGrant(this.access.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    const request = await this.access.getRequest(
      this.access.db,
      grant.requestId,
    );
    return this.end(grant, request?.ownerRef, reason, actorRef, within);
  }

  private async end(
    grant: Grant,
    ownerRef: string | undefined,
    reason: string,
    actorRef: string,
    within?: (tx: Knex.Transaction) => Promise<void>,
  ): Promise<Grant> {
    const id = grant.id;
    if (grant.status !== 'active') {
      throw new ConflictError(`The grant is already ${grant.status}`);
    }
    const now = this.clock.now();
    await this.access.transaction(async tx => {
      // The conditional update decides between racing revocations.
      if (
        !(await this.access.revokeGrant(tx, id, { now, by: actorRef, reason }))
      ) {
        throw new ConflictError('The grant changed; reload it');
      }
      const prefixes = await this.credentialStore.revokeForGrant(tx, id, now);
      const tasks = await this.provisioning.enqueue(tx, grant, 'revoke', {
        reason,
        now,
      });
      await this.audit.append(tx, [
        {
          subjectType: 'grant',
          subjectId: id,
          requestId: grant.requestId,
          action: 'grant.revoked',
          actorRef,
          occurredAt: now,
          fromStatus: 'active',
          toStatus: 'revoked',
          details: {
            reason,
            revokedCredentialPrefixes: prefixes,
            provisionerTasks: tasks,
          },
        },
      ]);
      await within?.(tx);
    });
    this.keys.forgetGrant(id);
    this.afterRevoke(id);
    this.provisioning.kick();
    await this.notifier.notify(
      [grant.requesterRef, ownerRef ?? ''].filter(
        ref => ref && ref !== actorRef,
      ),
      {
        title: `Access of ${grant.consumerRef} to ${grant.apiRef} (${grant.environment}) was revoked by ${actorRef}`,
        description: reason,
        requestId: grant.requestId,
      },
    );
    return this.get(id);
  }

  async retryProvisioning(id: string, caller: Caller): Promise<Grant> {
    const grant = await this.access.getGrant(this.access.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    await this.assertManager(grant, caller, 'retry provisioning of');
    await this.provisioning.retry(id, caller.userEntityRef);
    return this.get(id);
  }
}
