/*
 * Credential types: what a grant's holder presents at the gateway. The core
 * brings `api-key` and `mtls-certificate`; a backend module adds more (the
 * `oauth2-client` module adds client credentials registered at the
 * organization's identity provider) through
 * `apiAccessCredentialTypesExtensionPoint`.
 *
 * A type says what the request form offers, how a credential is issued (and
 * rotated: issuing again while one is active), what the holder is shown once,
 * and, for bearer tokens, how the gateway decision recognizes a token. Remote
 * work that must survive restarts (registering or deleting a client at an
 * identity provider) is a provisioner of its own, run by the core's durable
 * queue with retries and backoff like any other provisioner.
 */
import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { ApiAccessProvisioner, ProvisionedGrant } from './provisioners';

/** How a caller presents the credential to a gateway. @public */
export type CredentialPresentation =
  | 'api-key'
  | 'bearer-token'
  | 'client-certificate';

/** Whether a type can be chosen now, and if not, why (shown to requesters). @public */
export type CredentialTypeAvailability =
  | { offered: true }
  | { offered: false; reason: string };

/** What the core hands a type when the holder asks for a credential. @public */
export interface CredentialIssueContext {
  /** The grant, never a secret. */
  grant: ProvisionedGrant;
  /** The grant's active credentials when this is a rotation; empty on the first issue. */
  previous: ReadonlyArray<{ id: string; publicId: string; createdAt: string }>;
  /** The new credential's id (a uuid chosen by the core), for the type's own records. */
  credentialId: string;
  /** How long a superseded credential keeps working after a rotation. */
  rotationOverlapHours: number;
  now: Date;
  /** Aborted when the issue takes longer than the core allows. */
  signal: AbortSignal;
}

/** A credential a type has prepared; the core stores it and answers it once. @public */
export interface PreparedCredential {
  /** Public identity, stored and shown on the grant: a key prefix, a certificate serial, a client id. */
  publicId: string;
  /**
   * What the gateway decision looks the credential up by: a sha256 hex digest
   * (64 characters), unique across every credential of this type. For
   * bearer tokens, the same value `verifyToken` answers as `lookupHash`.
   */
  lookupHash: string;
  /** When the credential itself stops working, if it has its own end. */
  notAfter?: Date;
  /**
   * Merged into the answer of `POST /grants/:id/credentials` and nowhere else:
   * never stored, logged or put in the history.
   */
  shownOnce: Record<string, unknown>;
  /** Public facts for the history (no secret). */
  auditDetails: Record<string, unknown>;
  /**
   * True when the superseded credential must also be removed remotely once
   * the rotation overlap ends: the core then queues a `retire` task for this
   * type's provisioner.
   */
  retireSuperseded?: boolean;
  /** Undo remote effects if the core could not store the credential. */
  rollback?(): Promise<void>;
}

/** A bearer token whose signature, issuer and expiry were checked. @public */
export interface VerifiedToken {
  /** Finds the credential, hence the grant (see `PreparedCredential.lookupHash`). */
  lookupHash: string;
  clientId: string;
  scopes: string[];
  audiences: string[];
  expiresAt: Date;
}

/**
 * A refusal whose message is safe to send to the caller: it names nothing
 * about any API or grant. 401 for a token that is not valid, 503 when the
 * type cannot check tokens now (its identity provider's keys are unreachable).
 * @public
 */
export class CredentialRefusal extends Error {
  readonly status: 401 | 403 | 503;

  constructor(reason: string, status: 401 | 403 | 503 = 401) {
    super(reason);
    this.name = 'CredentialRefusal';
    this.status = status;
  }
}

/** A credential type contributed by a backend module. @public */
export interface ApiAccessCredentialType {
  /** `/^[a-z][a-z0-9-]{1,31}$/`, stored on requests and grants, e.g. `oauth2-client`. */
  readonly id: string;
  /** The request form's option, e.g. `OAuth2 client (client credentials)`. */
  readonly title: string;
  /** One or two sentences for the form's helper text. */
  readonly description: string;
  readonly presentation: CredentialPresentation;
  /** Offered now? Asked when a request is created or renewed, and by `GET /credential-types`. */
  availability(): CredentialTypeAvailability;
  /**
   * Durable remote work for this type's grants. It receives only grants of
   * this type. A credential can be issued once its `provision` task has
   * succeeded; until then issuing answers 409 with the task's state.
   */
  readonly provisioner?: ApiAccessProvisioner;
  /** Issue a credential (previous empty) or rotate (previous = the active ones). */
  issue(ctx: CredentialIssueContext): Promise<PreparedCredential>;
  /**
   * Bearer-token types: check signature, issuer and expiry without the
   * database. Throws `CredentialRefusal` for a token that is not valid.
   */
  verifyToken?(token: string): Promise<VerifiedToken>;
  /** Bearer-token types: does one of the token's audiences name this API (`api:default/petstore`)? */
  acceptsAudience?(audiences: readonly string[], apiRef: string): boolean;
}

/** @public */
export interface ApiAccessCredentialTypesExtensionPoint {
  addCredentialType(...types: ApiAccessCredentialType[]): void;
}

/**
 * Lets backend modules add credential types to the api-access backend.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'api-access',
 *   moduleId: 'my-tokens',
 *   register(env) {
 *     env.registerInit({
 *       deps: { credentialTypes: apiAccessCredentialTypesExtensionPoint },
 *       async init({ credentialTypes }) {
 *         credentialTypes.addCredentialType(new MyTokenType());
 *       },
 *     });
 *   },
 * });
 * ```
 * @public
 */
export const apiAccessCredentialTypesExtensionPoint =
  createExtensionPoint<ApiAccessCredentialTypesExtensionPoint>({
    id: 'api-access.credential-types',
  });
