/*
 * Provisioners push grants into the systems that enforce them: gateways,
 * identity providers, secret stores. The api-access backend calls them when a
 * grant is approved, when its credential is rotated and when it is revoked,
 * from a durable task queue: a failure is retried with backoff, and a task is
 * claimed by one replica at a time, so nothing is provisioned twice by a race.
 */
import { createExtensionPoint } from '@backstage/backend-plugin-api';

/** The grant a provisioning task is about. Never carries a secret. */
export interface ProvisionedGrant {
  id: string;
  requestId: string;
  /** The API's entity ref, e.g. `api:default/petstore`. */
  apiRef: string;
  /** The consuming Component (or partner Group) entity ref. */
  consumerRef: string;
  requesterRef: string;
  environment: string;
  scopes: string[];
  /** `api-key`, `mtls-certificate`, ... */
  credentialType: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** @public */
export type ProvisioningAction = 'provision' | 'rotate' | 'revoke' | 'retire';

/** One unit of work handed to a provisioner. */
export interface ProvisioningTask {
  /**
   * Stable across every retry of this action for this grant and provisioner:
   * send it as an idempotency key, so a retry after a lost answer is harmless.
   */
  id: string;
  action: ProvisioningAction;
  /** 1 on the first try. */
  attempt: number;
  grant: ProvisionedGrant;
  /**
   * On `rotate`: the new credential's public identity (never its secret).
   * On `retire`: the superseded credential to remove remotely.
   */
  credential?: { id: string; type: string; prefix?: string; serial?: string };
  /** On `revoke`: why, as the revoker wrote it. */
  reason?: string;
}

/** What a provisioner may report back; stored with the task and shown on the grant. */
export interface ProvisioningResult {
  /** The record's id in the remote system, e.g. a gateway consumer id. */
  reference?: string;
}

/**
 * A provisioner. Throwing fails the attempt: the task is retried with backoff
 * until the configured number of attempts, then shown as failed on the grant.
 */
export interface ApiAccessProvisioner {
  /** Unique and stable: stored with each task (renaming it strands pending tasks). */
  readonly id: string;
  /** Credential types this provisioner handles; omit for every grant. */
  readonly credentialTypes?: string[];
  /**
   * Create or update the grant in the remote system. An upsert: it is called
   * again, with the new `expiresAt`, when a renewal extends the grant.
   */
  provision(task: ProvisioningTask): Promise<ProvisioningResult | void>;
  /** Optional: called when the grant's credential is rotated. */
  rotate?(task: ProvisioningTask): Promise<ProvisioningResult | void>;
  revoke(task: ProvisioningTask): Promise<ProvisioningResult | void>;
  /**
   * Optional: remove one superseded credential remotely once its rotation
   * overlap has ended (`task.credential` names it). Queued by credential
   * types whose prepared credential asks for it.
   */
  retire?(task: ProvisioningTask): Promise<ProvisioningResult | void>;
}

/**
 * A failure a provisioner can describe: `message` is kept on the task and
 * shown on the grant, so it must name no secret. `retryAfterSeconds` (from a
 * remote system's `Retry-After`) delays the next attempt at least that long.
 * @public
 */
export class ProvisioningError extends Error {
  readonly retryAfterSeconds?: number;

  constructor(message: string, options?: { retryAfterSeconds?: number }) {
    super(message);
    this.name = 'ProvisioningError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** @public */
export interface ApiAccessProvisionersExtensionPoint {
  addProvisioner(...provisioners: ApiAccessProvisioner[]): void;
}

/**
 * Lets backend modules add provisioners to the api-access backend.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'api-access',
 *   moduleId: 'my-gateway',
 *   register(env) {
 *     env.registerInit({
 *       deps: { provisioners: apiAccessProvisionersExtensionPoint },
 *       async init({ provisioners }) {
 *         provisioners.addProvisioner(new MyGatewayProvisioner());
 *       },
 *     });
 *   },
 * });
 * ```
 * @public
 */
export const apiAccessProvisionersExtensionPoint =
  createExtensionPoint<ApiAccessProvisionersExtensionPoint>({
    id: 'api-access.provisioners',
  });
