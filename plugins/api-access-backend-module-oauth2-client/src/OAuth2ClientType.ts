/*
 * The `oauth2-client` credential type: a confidential client registered at
 * the organization's identity provider for each grant (by the provisioner),
 * whose secret the holder sees once, and whose tokens the gateway checks.
 *
 * First issue: the client exists already (the provision task succeeded), so
 * its secret is read with RFC 7592 (never stored here) and answered once.
 * Rotation: a new client is registered at once, the superseded one keeps
 * working through the overlap and is then deleted by a `retire` task. That
 * works with every RFC 7591 provider, where a new secret on update does not
 * (oidc-provider, for one, keeps the secret on RFC 7592 updates).
 */
import { ConflictError, ServiceUnavailableError } from '@backstage/errors';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  type ApiAccessCredentialType,
  type CredentialIssueContext,
  type CredentialTypeAvailability,
  type PreparedCredential,
  type VerifiedToken,
  ProvisioningError,
} from '@api-access/backstage-plugin-api-access-node';
import { type OAuth2ClientConfig, audienceFor } from './config';
import type { ClientRecord, ClientStore } from './ClientStore';
import type { ProviderMetadata } from './discovery';
import { oauth2LookupHash } from './lookupHash';
import {
  OAUTH2_CLIENT_TYPE_ID,
  OAuth2ClientProvisioner,
  desiredMetadata,
} from './OAuth2ClientProvisioner';

/** Checks a bearer token of the provider (TokenVerifier). */
export interface TokenVerification {
  verify(token: string): Promise<VerifiedToken>;
}

export interface OAuth2ClientTypeOptions {
  config: OAuth2ClientConfig;
  store: ClientStore;
  provisioner: OAuth2ClientProvisioner;
  provider: ProviderMetadata;
  verifier?: TokenVerification;
  logger: LoggerService;
}

/** A provider failure during issue: a 503 whose message names the cause, not a secret. */
function unavailable(error: unknown, what: string): Error {
  if (
    error instanceof ProvisioningError ||
    (error as Error)?.name === 'ProvisioningError'
  ) {
    return new ServiceUnavailableError(
      `The OAuth client's ${what} failed: ${(error as Error).message}`,
    );
  }
  return error as Error;
}

export class OAuth2ClientType implements ApiAccessCredentialType {
  readonly id = OAUTH2_CLIENT_TYPE_ID;
  readonly title = 'OAuth2 client (client credentials)';
  readonly description =
    "A client registered at the organization's identity provider: the application fetches short-lived tokens with its client id and secret (client credentials) and sends them as Bearer tokens.";
  readonly presentation = 'bearer-token' as const;
  readonly provisioner: OAuth2ClientProvisioner;

  private readonly config: OAuth2ClientConfig;
  private readonly store: ClientStore;
  private readonly provider: ProviderMetadata;
  private readonly verifier?: TokenVerification;
  private readonly logger: LoggerService;

  constructor(options: OAuth2ClientTypeOptions) {
    this.config = options.config;
    this.store = options.store;
    this.provisioner = options.provisioner;
    this.provider = options.provider;
    this.verifier = options.verifier;
    this.logger = options.logger;
  }

  /**
   * Offered even before the provider has answered once: an approval's
   * registration is retried by the queue, and the grant shows why it waits.
   */
  availability(): CredentialTypeAvailability {
    return { offered: true };
  }

  async issue(ctx: CredentialIssueContext): Promise<PreparedCredential> {
    const endpoints = await this.provider.endpoints(ctx.signal).catch(error => {
      throw unavailable(error, 'token endpoint lookup');
    });
    return ctx.previous.length === 0
      ? this.firstIssue(ctx, endpoints.tokenEndpoint)
      : this.rotate(ctx, endpoints.tokenEndpoint);
  }

  async verifyToken(token: string): Promise<VerifiedToken> {
    if (!this.verifier) {
      throw new Error('oauth2-client: no token verifier configured');
    }
    return this.verifier.verify(token);
  }

  acceptsAudience(audiences: readonly string[], apiRef: string): boolean {
    return audiences.includes(audienceFor(this.config, apiRef));
  }

  private async firstIssue(
    ctx: CredentialIssueContext,
    tokenEndpoint: string,
  ): Promise<PreparedCredential> {
    const rows = await this.store.liveForGrant(ctx.grant.id);
    const row =
      rows.filter(r => r.status === 'registered').pop() ??
      rows.filter(r => r.status === 'issued').pop();
    if (!row || !row.clientId) {
      throw new ConflictError(
        'The OAuth client is not registered yet at the identity provider',
      );
    }
    const client = await this.provisioner
      .readClient(row, ctx.signal)
      .catch(error => {
        throw unavailable(error, 'read at the identity provider');
      });
    if (!client.clientSecret) {
      throw new ServiceUnavailableError(
        "The identity provider's RFC 7592 read did not answer the client_secret, so it cannot be shown",
      );
    }
    const before = { status: row.status, credentialId: row.credentialId };
    await this.store.update(row.id, {
      status: 'issued',
      credentialId: ctx.credentialId,
    });
    return {
      ...this.prepared(row, client.clientSecret, tokenEndpoint),
      rollback: async () => {
        await this.store.update(row.id, before);
      },
    };
  }

  private async rotate(
    ctx: CredentialIssueContext,
    tokenEndpoint: string,
  ): Promise<PreparedCredential> {
    const rows = await this.store.liveForGrant(ctx.grant.id);
    const previousIds = new Set(ctx.previous.map(p => p.id));
    const superseded = rows.filter(
      r =>
        r.status === 'issued' &&
        r.credentialId !== undefined &&
        previousIds.has(r.credentialId),
    );
    const desired = desiredMetadata(this.config, ctx.grant);
    const { row, registered } = await this.provisioner
      .registerNew(ctx.grant, desired, {
        status: 'issued',
        credentialId: ctx.credentialId,
        signal: ctx.signal,
      })
      .catch(error => {
        throw unavailable(error, 'registration at the identity provider');
      });
    let secret = registered.clientSecret;
    try {
      if (!secret) {
        secret = (await this.provisioner.readClient(row, ctx.signal))
          .clientSecret;
      }
      if (!secret) {
        throw new ServiceUnavailableError(
          'The identity provider answered neither the registration nor the RFC 7592 read with a client_secret',
        );
      }
    } catch (error) {
      await this.undoRotation(row, []);
      throw unavailable(error, 'read at the identity provider');
    }
    for (const old of superseded) {
      await this.store.update(old.id, { status: 'retiring' });
    }
    return {
      ...this.prepared(row, secret, tokenEndpoint),
      retireSuperseded: true,
      rollback: () => this.undoRotation(row, superseded),
    };
  }

  /** Deletes the client a failed rotation registered; orphans it if that fails too. */
  private async undoRotation(
    row: ClientRecord,
    superseded: ClientRecord[],
  ): Promise<void> {
    for (const old of superseded) {
      await this.store.update(old.id, { status: 'issued' });
    }
    const fresh = await this.store.get(row.id);
    try {
      if (fresh) await this.provisioner.deleteClient(fresh);
      await this.store.update(row.id, { credentialId: undefined });
    } catch (error) {
      if (fresh) {
        await this.provisioner.orphan(
          fresh,
          `a rotation was rolled back but the client could not be deleted: ${
            (error as Error).message
          }`,
        );
        await this.store.update(row.id, { credentialId: undefined });
      }
      this.logger.warn(
        `OAuth2 client ${row.clientId} of grant ${row.grantId} could not be deleted after a failed rotation`,
      );
    }
  }

  private prepared(
    row: ClientRecord,
    clientSecret: string,
    tokenEndpoint: string,
  ): PreparedCredential {
    const clientId = row.clientId!;
    return {
      publicId: clientId,
      lookupHash: oauth2LookupHash(this.config.issuer, clientId),
      shownOnce: {
        clientId,
        clientSecret,
        tokenEndpoint,
        scopes: row.scopes,
        audience: row.audience,
        issuer: this.config.issuer,
      },
      auditDetails: {
        clientId,
        issuer: this.config.issuer,
        scopes: row.scopes,
      },
    };
  }
}
