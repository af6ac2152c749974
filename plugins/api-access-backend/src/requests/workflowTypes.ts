/*
 * The shapes every workflow service shares: who is acting, and what happens
 * around a grant's creation and renewal. Apart from the services, so that
 * they depend on these and not on each other.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The signed-in user acting, with the refs they own or belong to. */
export interface Caller {
  userEntityRef: string;
  ownershipEntityRefs: string[];
  credentials: BackstageCredentials;
}

/** What happens around a new grant: provisioning tasks in its transaction, a run after commit. */
export interface GrantHooks {
  grantCreated(
    tx: Knex.Transaction,
    grant: { id: string; credentialType: string },
    now: Date,
  ): Promise<unknown>;
  /** A renewal extended the grant: provisioners hear of the new expiry. */
  grantRenewed(
    tx: Knex.Transaction,
    grant: { id: string; credentialType: string },
    renewalRequestId: string,
    now: Date,
  ): Promise<unknown>;
  afterCommit(): void;
}

export const noGrantHooks: GrantHooks = {
  grantCreated: async () => undefined,
  grantRenewed: async () => undefined,
  afterCommit: () => {},
};
