/*
 * POST /grants/:id/credentials for every credential type. API keys keep
 * their own path (CredentialService.issue, unchanged); a module's type goes
 * through the generic flow here:
 *
 *   terms, holder and live grant checked; refused (409) until the type's
 *   provisioner has set the grant up remotely; `type.issue()` outside any
 *   database transaction (it may call an identity provider); then one
 *   transaction: the grant's row lock (suspended or ended: 409), the
 *   previous credential superseded (a concurrent rotation: 409), the new
 *   row (its public id and lookup hash only), the history entry (public
 *   facts only), a `rotate` task, and, when the type asks, a `retire` task
 *   for each superseded credential, due at the end of the overlap. If that
 *   transaction fails, the type's `rollback()` undoes its remote effects.
 *
 * What the type shows once (a client secret) is in the answer and nowhere
 * else: not stored, not logged, not in the history.
 */
import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import type {
  ApiAccessCredentialType,
  PreparedCredential,
} from '@api-access/backstage-plugin-api-access-node';
import {
  Grant,
  IssuedCredential,
  IssuedTypedCredential,
  excerpt,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessConfig } from '../config';
import { AuditLog } from '../audit/AuditLog';
import { GrantStore } from '../grants/GrantStore';
import {
  credentialSetKey,
  requireCurrentTerms,
  requireGrantHolder,
  requireLiveGrant,
  requireLockedLiveGrant,
} from '../grants/issuable';
import {
  toProvisionedGrant,
  type ProvisioningService,
} from '../provisioning/ProvisioningService';
import { Caller } from '../requests/workflowTypes';
import type { CredentialService } from './CredentialService';
import { CredentialStore } from './CredentialStore';
import { CredentialTypeRegistry } from './CredentialTypeRegistry';

const HOUR_MS = 60 * 60 * 1000;
const LOOKUP_HASH = /^[0-9a-f]{64}$/;
/** api_access_credentials.prefix (migrations/*_credential_types.js). */
const MAX_PUBLIC_ID = 255;

/** What the route answers, and the public id it records in the audit meta. */
export interface IssueOutcome {
  body: IssuedCredential | IssuedTypedCredential;
  publicId: string;
}

export interface CredentialIssuerOptions {
  registry: CredentialTypeRegistry;
  /** The API key path, and the decision caches to clear after a rotation. */
  keys: CredentialService;
  credentials: CredentialStore;
  grants: GrantStore;
  audit: AuditLog;
  config: ApiAccessConfig;
  provisioning: ProvisioningService;
  logger: LoggerService;
  clock?: () => Date;
}

/** The type's `auditDetails`, minus anything it also shows once (never a secret in the history). */
function publicDetails(prepared: PreparedCredential): Record<string, unknown> {
  const shown = new Set(
    Object.values(prepared.shownOnce ?? {})
      .filter((value): value is string => typeof value === 'string')
      .filter(value => value.length >= 8),
  );
  // The public id is shown once too (a client id), and is public.
  shown.delete(prepared.publicId);
  return Object.fromEntries(
    Object.entries(prepared.auditDetails ?? {}).filter(
      ([, value]) => !(typeof value === 'string' && shown.has(value)),
    ),
  );
}

/** What is wrong with a type's prepared credential, if anything. */
function unusable(
  prepared: PreparedCredential | undefined,
): string | undefined {
  if (
    typeof prepared?.publicId !== 'string' ||
    prepared.publicId.length === 0 ||
    prepared.publicId.length > MAX_PUBLIC_ID
  ) {
    return `publicId must be 1-${MAX_PUBLIC_ID} characters`;
  }
  if (
    typeof prepared.lookupHash !== 'string' ||
    !LOOKUP_HASH.test(prepared.lookupHash)
  ) {
    return 'lookupHash must be a sha256 hex digest (64 lowercase hex characters)';
  }
  if (!prepared.shownOnce || typeof prepared.shownOnce !== 'object') {
    return 'shownOnce must be an object';
  }
  return undefined;
}

export class CredentialIssuer {
  private readonly registry: CredentialTypeRegistry;
  private readonly keys: CredentialService;
  private readonly credentials: CredentialStore;
  private readonly grants: GrantStore;
  private readonly audit: AuditLog;
  private readonly config: ApiAccessConfig;
  private readonly provisioning: ProvisioningService;
  private readonly logger: LoggerService;
  private readonly clock: () => Date;

  constructor(options: CredentialIssuerOptions) {
    this.registry = options.registry;
    this.keys = options.keys;
    this.credentials = options.credentials;
    this.grants = options.grants;
    this.audit = options.audit;
    this.config = options.config;
    this.provisioning = options.provisioning;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Issues the grant's first credential, or rotates (the old one works for the overlap). */
  async issue(
    grantId: string,
    acceptTerms: string,
    caller: Caller,
  ): Promise<IssueOutcome> {
    const grant = await this.grants.getGrant(this.grants.db, grantId);
    if (!grant) throw new NotFoundError(`No grant '${grantId}'`);
    const type = this.registry.get(grant.credentialType);
    if (!type || this.registry.isBuiltIn(type.id)) {
      if (!type) {
        requireGrantHolder(grant, caller.userEntityRef);
        throw new ConflictError(
          `The grant's credential type '${excerpt(
            grant.credentialType,
          )}' is not installed on this backend; no credential can be issued`,
        );
      }
      // API keys (and the refusal for certificates) as they always were.
      const issued = await this.keys.issue(grantId, acceptTerms, caller);
      return { body: issued, publicId: issued.prefix };
    }
    return this.issueTyped(grant, type, acceptTerms, caller);
  }

  private async issueTyped(
    grant: Grant,
    type: ApiAccessCredentialType,
    acceptTerms: string,
    caller: Caller,
  ): Promise<IssueOutcome> {
    const { terms, rotationOverlapHours } = this.config.credentials;
    requireCurrentTerms(acceptTerms, terms.version);
    requireGrantHolder(grant, caller.userEntityRef);
    const now = this.clock();
    requireLiveGrant(grant, now);
    if (type.provisioner) {
      const state = await this.provisioning.stateFor(
        grant.id,
        type.provisioner.id,
      );
      if (state.state !== 'done') {
        throw new ConflictError(
          `The ${type.title} is not ready yet at the identity provider (${
            state.state === 'none' ? 'not queued' : state.state
          }${state.lastError ? `: ${state.lastError}` : ''})`,
        );
      }
    }

    // The credentials this rotation replaces, as the caller saw them. Under
    // the grant's row lock, different ones mean another rotation won.
    const previous = await this.credentials.activeForGrants(
      this.credentials.db,
      [grant.id],
    );
    const seen = credentialSetKey(previous);
    const id = randomUUID();
    const validUntil = new Date(now.getTime() + rotationOverlapHours * HOUR_MS);
    const prepared = await this.prepare(type, {
      grant: toProvisionedGrant(grant),
      previous: previous.map(row => ({
        id: row.id,
        publicId: row.prefix,
        createdAt: new Date(row.created_at).toISOString(),
      })),
      credentialId: id,
      rotationOverlapHours,
      now,
    });

    let superseded: Array<{ id: string; prefix: string }>;
    try {
      superseded = await this.grants.transaction(async tx => {
        requireLockedLiveGrant(await this.grants.lockStatus(tx, grant.id), now);
        const replaced = await this.credentials.supersedeActive(
          tx,
          grant.id,
          validUntil,
        );
        if (credentialSetKey(replaced) !== seen) {
          throw new ConflictError(
            `The grant's ${type.title} was rotated by another request at the same time; nothing was changed. Reload and rotate again if you still need a new one.`,
          );
        }
        await this.credentials.insert(tx, {
          id,
          grant_id: grant.id,
          credential_type: type.id,
          prefix: prepared.publicId,
          secret_hash: prepared.lookupHash,
          status: 'active',
          terms_version: terms.version,
          issued_to: caller.userEntityRef,
          created_at: now,
          valid_until: null,
          ...(prepared.notAfter ? { not_after: prepared.notAfter } : {}),
        });
        await this.audit.append(tx, [
          {
            subjectType: 'grant',
            subjectId: grant.id,
            requestId: grant.requestId,
            action:
              replaced.length > 0 ? 'credential.rotated' : 'credential.issued',
            actorRef: caller.userEntityRef,
            occurredAt: now,
            details: {
              ...publicDetails(prepared),
              credentialType: type.id,
              publicId: prepared.publicId,
              termsVersion: terms.version,
              termsAcceptedAt: now.toISOString(),
              ...(replaced.length > 0
                ? {
                    supersededPublicIds: replaced.map(row => row.prefix),
                    previousValidUntil: validUntil.toISOString(),
                  }
                : {}),
            },
          },
        ]);
        if (replaced.length > 0) {
          await this.provisioning.enqueue(tx, grant, 'rotate', {
            credentialId: id,
            now,
          });
          if (prepared.retireSuperseded && type.provisioner) {
            for (const old of replaced) {
              await this.provisioning.enqueue(tx, grant, 'retire', {
                credentialId: old.id,
                now,
                notBefore: validUntil,
                provisionerIds: [type.provisioner.id],
              });
            }
          }
        }
        return replaced;
      });
    } catch (error) {
      await this.rollback(type, prepared, grant.id);
      throw error;
    }
    await this.keys.forgetGrant(grant.id);
    if (superseded.length > 0) this.provisioning.kick();
    return {
      publicId: prepared.publicId,
      body: {
        ...prepared.shownOnce,
        id,
        grantId: grant.id,
        credentialType: type.id,
        termsVersion: terms.version,
        createdAt: now.toISOString(),
        ...(superseded.length > 0
          ? { previousValidUntil: validUntil.toISOString() }
          : {}),
      },
    };
  }

  /**
   * The type's issue, bounded by apiAccess.provisioning.timeoutSeconds; an
   * answer that arrives too late, or that the core cannot store, is rolled back.
   */
  private async prepare(
    type: ApiAccessCredentialType,
    ctx: Omit<Parameters<ApiAccessCredentialType['issue']>[0], 'signal'>,
  ): Promise<PreparedCredential> {
    const { timeoutSeconds } = this.config.provisioning;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const work = type.issue({ ...ctx, signal: controller.signal });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
        reject(
          new Error(
            `The ${type.title} could not be issued within ${timeoutSeconds} s; nothing was changed. Try again later.`,
          ),
        );
      }, timeoutSeconds * 1000);
    });
    let prepared: PreparedCredential;
    try {
      prepared = await Promise.race([work, timeout]);
    } catch (error) {
      if (timedOut) {
        // The type may still finish: undo whatever it did then.
        work.then(
          late => this.rollback(type, late, ctx.grant.id),
          () => undefined,
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const problem = unusable(prepared);
    if (problem) {
      await this.rollback(type, prepared, ctx.grant.id);
      throw new Error(
        `The credential type '${type.id}' prepared an unusable credential: ${problem}`,
      );
    }
    return prepared;
  }

  private async rollback(
    type: ApiAccessCredentialType,
    prepared: PreparedCredential | undefined,
    grantId: string,
  ) {
    if (!prepared?.rollback) return;
    try {
      await prepared.rollback();
    } catch (error) {
      this.logger.warn(
        `api-access: the credential type '${
          type.id
        }' could not undo an issue for grant ${grantId} that was not stored: ${excerpt(
          String(error instanceof Error ? error.message : error),
          300,
        )}`,
      );
    }
  }
}
