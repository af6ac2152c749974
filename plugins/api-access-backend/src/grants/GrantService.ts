/*
 * Grants after approval: listing with their provisioning state, and
 * revocation. Revoking is one transaction (grant, credentials, history and
 * the provisioners' revoke tasks); on this replica the introspection cache
 * forgets the grant at once, so the gateway refuses the key on its next call.
 */
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  Grant,
  GrantFlag,
  Page,
} from '@api-access/backstage-plugin-api-access-common';
import { LiveUpdates } from '../notifications/LiveUpdates';
import { GrantAccess } from '../permissions/GrantAccess';
import { staleSince } from '../lifecycle/staleness';
import { Knex } from 'knex';
import { ApiAccessConfig } from '../config';
import { ApiAccessClock, systemClock } from '../clock';
import { AccessStore } from '../requests/AccessStore';
import { GrantStore } from './GrantStore';
import { decodeCursor } from '../rows';
import { AuditLog } from '../audit/AuditLog';
import { CredentialStore } from '../credentials/CredentialStore';
import { Caller } from '../requests/workflowTypes';
import { CredentialService } from '../credentials/CredentialService';
import { Notifier, noNotifier } from '../notifications/Notifier';
import { ProvisioningService } from '../provisioning/ProvisioningService';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface GrantServiceOptions {
  requests: AccessStore;
  grants: GrantStore;
  credentialStore: CredentialStore;
  audit: AuditLog;
  keys: CredentialService;
  provisioning: ProvisioningService;
  policy: ApiAccessConfig;
  notifier?: Notifier;
  /** Signals to the screens that show a grant when it changes. */
  live?: LiveUpdates;
  clock?: ApiAccessClock;
  afterRevoke?: (grantId: string) => void;
  /** Who may read and act on grants: the permission policy, the catalog's owners now, admins. */
  grantAccess?: GrantAccess;
}

export class GrantService {
  private readonly requests: AccessStore;
  private readonly grants: GrantStore;
  private readonly credentialStore: CredentialStore;
  private readonly audit: AuditLog;
  private readonly keys: CredentialService;
  private readonly provisioning: ProvisioningService;
  private readonly policy: ApiAccessConfig;
  private readonly notifier: Notifier;
  private readonly live: LiveUpdates;
  private readonly clock: ApiAccessClock;
  private readonly afterRevoke: (grantId: string) => void;
  private readonly grantAccess?: GrantAccess;

  constructor(options: GrantServiceOptions) {
    this.requests = options.requests;
    this.grants = options.grants;
    this.credentialStore = options.credentialStore;
    this.audit = options.audit;
    this.keys = options.keys;
    this.provisioning = options.provisioning;
    this.policy = options.policy;
    this.notifier = options.notifier ?? noNotifier;
    this.live = options.live ?? new LiveUpdates();
    this.clock = options.clock ?? systemClock;
    this.afterRevoke = options.afterRevoke ?? (() => {});
    this.grantAccess = options.grantAccess;
  }

  private get accessCheck(): GrantAccess {
    if (!this.grantAccess) {
      throw new Error('GrantService: no grantAccess was given');
    }
    return this.grantAccess;
  }

  /**
   * One page of the grants the caller may read, newest first: the policy's
   * conditions and the caller's parties both become SQL, so a page is full
   * and holds nothing the caller may not see.
   */
  async list(
    query: {
      consumerRef?: string;
      apiRef?: string;
      ownerRef?: string;
      requesterRef?: string;
      limit: number;
      cursor?: string;
    },
    caller: Caller,
  ): Promise<Page<Grant>> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !cursor) {
      throw new InputError('cursor is not a cursor this API returned');
    }
    const filters = await this.accessCheck.listFilters(caller);
    if (filters === 'none') return { items: [] };
    const page = await this.grants.listGrantsPage(this.requests.db, {
      consumerRef: query.consumerRef,
      apiRef: query.apiRef,
      ownerRef: query.ownerRef,
      requesterRef: query.requesterRef,
      filters,
      limit: query.limit,
      cursor,
    });
    return {
      items: await this.decorate(await this.withCredentials(page.items)),
      nextCursor: page.nextCursor,
    };
  }

  /** The grant if the caller may read it; 404 otherwise, as for an unknown id. */
  async readable(id: string, caller: Caller): Promise<Grant> {
    return this.accessCheck.readable(id, caller);
  }

  /** Whether the id names a grant (not a request). */
  async isGrant(id: string): Promise<boolean> {
    return !!(await this.grants.getRequestIdForGrant(this.requests.db, id));
  }

  /** Adds each grant's active credential (id, prefix, creation; never a secret). */
  private async withCredentials(grants: Grant[]): Promise<Grant[]> {
    const active = await this.credentialStore.activeForGrants(
      this.requests.db,
      grants.map(grant => grant.id),
    );
    return grants.map(grant => {
      const credential = active.find(row => row.grant_id === grant.id);
      return credential
        ? {
            ...grant,
            credential: {
              id: credential.id,
              prefix: credential.prefix,
              createdAt: new Date(credential.created_at).toISOString(),
            },
          }
        : grant;
    });
  }

  async get(id: string): Promise<Grant> {
    const grant = await this.grants.getGrant(this.requests.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    return (await this.decorate([grant]))[0];
  }

  /** Adds provisioning state, open renewals and the flags computed from policy and time. */
  private async decorate(grants: Grant[]): Promise<Grant[]> {
    const ids = grants.map(grant => grant.id);
    const [provisioning, renewals] = await Promise.all([
      this.provisioning.forGrants(ids),
      this.requests.openRenewals(this.requests.db, ids),
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

  /**
   * The requester, members of the API's owner as the catalog has it now (not
   * the owner recorded at approval) and admins may act on a grant. Callers
   * who may not even read it get a 404.
   */
  private async assertManager(grant: Grant, caller: Caller, what: string) {
    await this.accessCheck.readable(grant.id, caller);
    const request = await this.requests.getRequest(
      this.requests.db,
      grant.requestId,
    );
    const allowed =
      grant.requesterRef === caller.userEntityRef ||
      (await this.accessCheck.ownsApiNow(grant.apiRef, caller)) ||
      (await this.accessCheck.isAdmin(caller));
    if (!allowed) {
      throw new NotAllowedError(
        `Only the requester, the API's owners and api-access admins can ${what} a grant`,
      );
    }
    return request;
  }

  async revoke(id: string, reason: string, caller: Caller): Promise<Grant> {
    const grant = await this.grants.getGrant(this.requests.db, id);
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
    const grant = await this.grants.getGrant(this.requests.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    const request = await this.requests.getRequest(
      this.requests.db,
      grant.requestId,
    );
    return this.end(grant, request?.ownerRef, reason, actorRef, within);
  }

  /**
   * One grant of an incident revocation batch: the very same revocation as
   * `revoke` (one transaction with the credentials, the provisioners'
   * revoke tasks and the grant's own history event, which carries the batch
   * id; then the CRL, the decision bus and the gateway purge). The batch has
   * already decided, per grant and in SQL, that the caller may revoke it
   * (an admin, or a member of the API's owner now); `within` records the
   * batch item in the same transaction.
   */
  async revokeInBatch(
    id: string,
    reason: string,
    actorRef: string,
    batch: {
      id: string;
      within: (tx: Knex.Transaction) => Promise<void>;
    },
  ): Promise<Grant> {
    const grant = await this.grants.getGrant(this.requests.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    const request = await this.requests.getRequest(
      this.requests.db,
      grant.requestId,
    );
    return this.end(grant, request?.ownerRef, reason, actorRef, batch.within, {
      batchId: batch.id,
    });
  }

  private async end(
    grant: Grant,
    ownerRef: string | undefined,
    reason: string,
    actorRef: string,
    within?: (tx: Knex.Transaction) => Promise<void>,
    extraDetails?: Record<string, unknown>,
  ): Promise<Grant> {
    const id = grant.id;
    // A suspended grant can be revoked too (a pause often ends that way).
    const from = grant.status;
    if (from !== 'active' && from !== 'suspended') {
      throw new ConflictError(`The grant is already ${grant.status}`);
    }
    const now = this.clock.now();
    await this.requests.transaction(async tx => {
      // The conditional update decides between racing revocations, and
      // against a suspension or resumption that committed after the grant
      // was read: the revocation then answers 409 rather than record a
      // history event from a status the grant no longer had.
      if (
        !(await this.grants.revokeGrant(tx, id, {
          now,
          by: actorRef,
          reason,
          from,
        }))
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
          fromStatus: from,
          toStatus: 'revoked',
          details: {
            reason,
            revokedCredentialPrefixes: prefixes,
            provisionerTasks: tasks,
            ...extraDetails,
          },
        },
      ]);
      await within?.(tx);
    });
    await this.keys.forgetGrant(id);
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
    const revoked = await this.get(id);
    await this.live.grantChanged(revoked, [ownerRef]);
    return revoked;
  }

  async retryProvisioning(id: string, caller: Caller): Promise<Grant> {
    const grant = await this.grants.getGrant(this.requests.db, id);
    if (!grant) throw new NotFoundError(`No grant '${id}'`);
    await this.assertManager(grant, caller, 'retry provisioning of');
    await this.provisioning.retry(id, caller.userEntityRef);
    return this.get(id);
  }
}
