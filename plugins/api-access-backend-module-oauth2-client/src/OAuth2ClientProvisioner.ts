/*
 * The durable remote work of the oauth2-client type, run by the api-access
 * provisioning queue (retries, backoff, Retry-After, the grant's visible
 * provisioning state):
 *
 * - provision: register the grant's client (RFC 7591) when it has none,
 *   otherwise bring its metadata up to date (RFC 7592 read + update) when the
 *   scopes, the expiry or the name changed (renewal, plan change);
 * - revoke: delete every client of the grant that is not deleted yet;
 * - retire: delete the one client a rotation superseded.
 *
 * A row is written as `registering` before the registration is sent, so an
 * answer lost to a crash or a timeout leaves a trace: the next attempt marks
 * it `orphaned` (its name carries the grant id, for the provider's admin)
 * and registers anew. A refused registration leaves no row. A registration
 * access token the provider answers is sealed and stored at once, since some
 * providers rotate it on every call.
 */
import { createHash } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  type ApiAccessProvisioner,
  type ProvisionedGrant,
  type ProvisioningResult,
  type ProvisioningTask,
  ProvisioningError,
} from '@api-access/backstage-plugin-api-access-node';
import {
  type OAuth2ClientConfig,
  audienceFor,
  entityRefParts,
  renderTemplate,
} from './config';
import { ClientRecord, ClientStatus, ClientStore } from './ClientStore';
import {
  RegisteredClient,
  RegistrationClient,
  RegistrationError,
} from './RegistrationClient';
import { SecretBox } from './SecretBox';

export const OAUTH2_CLIENT_TYPE_ID = 'oauth2-client';

/** The registration metadata api-access wants for a grant, and its digest. */
export interface DesiredMetadata {
  body: Record<string, unknown>;
  hash: string;
  scopes: string[];
  audience: string;
}

/** Key order does not change the digest. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map(
        key =>
          `${JSON.stringify(key)}:${stableJson(
            (value as Record<string, unknown>)[key],
          )}`,
      )
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function desiredMetadata(
  config: OAuth2ClientConfig,
  grant: ProvisionedGrant,
): DesiredMetadata {
  const audience = audienceFor(config, grant.apiRef);
  const values = {
    grantId: grant.id,
    expiresAt: grant.expiresAt,
    audience,
    consumer: grant.consumerRef,
    api: grant.apiRef,
    environment: grant.environment,
    ...entityRefParts(grant.apiRef),
  };
  const scopes = [...new Set(grant.scopes)].sort();
  const body: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(config.extraMetadata)) {
    body[key] = renderTemplate(template, values);
  }
  Object.assign(body, {
    client_name: renderTemplate(config.clientName, values).slice(0, 200),
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: config.tokenEndpointAuthMethod,
    scope: scopes.join(' '),
    software_id: 'api-access',
  });
  return {
    body,
    hash: createHash('sha256').update(stableJson(body)).digest('hex'),
    scopes,
    audience,
  };
}

/** Binds a sealed registration access token to its row. */
export function ratAad(rowId: string): string {
  return `api_access_oauth2_clients:${rowId}:registration_access_token`;
}

export interface OAuth2ClientProvisionerOptions {
  config: OAuth2ClientConfig;
  store: ClientStore;
  box: SecretBox;
  registration: RegistrationClient;
  logger: LoggerService;
  now?: () => Date;
}

export class OAuth2ClientProvisioner implements ApiAccessProvisioner {
  readonly id = OAUTH2_CLIENT_TYPE_ID;
  readonly credentialTypes = [OAUTH2_CLIENT_TYPE_ID];

  private readonly config: OAuth2ClientConfig;
  private readonly store: ClientStore;
  private readonly box: SecretBox;
  private readonly registration: RegistrationClient;
  private readonly logger: LoggerService;
  private readonly now: () => Date;

  constructor(options: OAuth2ClientProvisionerOptions) {
    this.config = options.config;
    this.store = options.store;
    this.box = options.box;
    this.registration = options.registration;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
  }

  async provision(task: ProvisioningTask): Promise<ProvisioningResult> {
    const desired = desiredMetadata(this.config, task.grant);
    const rows = await this.store.liveForGrant(task.grant.id);
    for (const row of rows.filter(r => r.status === 'registering')) {
      await this.orphan(
        row,
        'the answer to its registration was lost; if the identity provider created it, its client_name carries the grant id',
      );
    }
    const managed = rows.filter(
      r =>
        r.status === 'registered' ||
        r.status === 'issued' ||
        r.status === 'retiring',
    );
    const current = managed.filter(r => r.status !== 'retiring');
    if (current.length === 0) {
      const { row } = await this.registerNew(task.grant, desired, {
        taskId: task.id,
        status: 'registered',
      });
      return { reference: row.clientId };
    }
    for (const row of managed) {
      await this.bringUpToDate(row, desired);
    }
    return { reference: current[current.length - 1].clientId };
  }

  async revoke(task: ProvisioningTask): Promise<ProvisioningResult> {
    const rows = await this.store.liveForGrant(task.grant.id);
    const failures: Error[] = [];
    let deleted = 0;
    for (const row of rows) {
      if (!row.registrationClientUri || !row.sealedRegistrationAccessToken) {
        if (row.status === 'registering') {
          await this.orphan(
            row,
            'the grant was revoked while its registration was unanswered',
          );
        }
        continue;
      }
      try {
        await this.deleteClient(row);
        deleted += 1;
      } catch (error) {
        failures.push(error as Error);
      }
    }
    if (failures.length > 0) {
      const first = failures[0];
      throw new ProvisioningError(
        failures.length > 1
          ? `${failures.length} clients could not be deleted; the first: ${first.message}`
          : first.message,
        { retryAfterSeconds: (first as ProvisioningError).retryAfterSeconds },
      );
    }
    return {
      reference: `${deleted} client${deleted === 1 ? '' : 's'} deleted`,
    };
  }

  async retire(task: ProvisioningTask): Promise<ProvisioningResult> {
    const credentialId = task.credential?.id;
    if (!credentialId) {
      throw new ProvisioningError('the retire task names no credential');
    }
    const row = await this.store.byCredentialId(credentialId);
    if (!row || row.status === 'deleted') {
      return { reference: row?.clientId };
    }
    if (!row.registrationClientUri || !row.sealedRegistrationAccessToken) {
      throw new ProvisioningError(
        `the client of credential ${credentialId} has no registration access token to delete it with`,
      );
    }
    await this.deleteClient(row);
    return { reference: row.clientId };
  }

  /**
   * Registers a new client for the grant: a `registering` row first, then
   * the RFC 7591 POST, then the row with the sealed token. A refused
   * registration removes the row; an unknown outcome marks it `orphaned`.
   */
  async registerNew(
    grant: ProvisionedGrant,
    desired: DesiredMetadata,
    options: {
      status: ClientStatus;
      taskId?: string;
      credentialId?: string;
      signal?: AbortSignal;
    },
  ): Promise<{ row: ClientRecord; registered: RegisteredClient }> {
    const row = await this.store.insert({
      grantId: grant.id,
      issuer: this.config.issuer,
      status: 'registering',
      scopes: desired.scopes,
      audience: desired.audience,
      taskId: options.taskId,
    });
    let registered: Awaited<ReturnType<RegistrationClient['register']>>;
    try {
      registered = await this.registration.register(
        desired.body,
        options.signal,
      );
    } catch (error) {
      if (error instanceof RegistrationError && error.outcome === 'refused') {
        await this.store.remove(row.id);
      } else {
        await this.orphan(
          row,
          (error as Error).message,
          error instanceof RegistrationError ? error.clientId : undefined,
        );
      }
      throw error;
    }
    let recorded: boolean;
    try {
      const sealed = this.box.seal(
        registered.registrationAccessToken,
        ratAad(row.id),
      );
      recorded = await this.store.updateWhereStatus(row.id, 'registering', {
        status: options.status,
        clientId: registered.clientId,
        registrationClientUri: registered.registrationClientUri,
        sealedRegistrationAccessToken: sealed,
        ratKeyId: this.box.currentKeyId,
        metadataHash: desired.hash,
        credentialId: options.credentialId,
        lastError: undefined,
      });
    } catch (error) {
      // Not recorded: delete the client again rather than leave it unmanaged.
      await this.registration
        .remove(
          registered.registrationClientUri,
          registered.registrationAccessToken,
        )
        .catch(() => undefined);
      await this.store.remove(row.id).catch(() => undefined);
      throw error;
    }
    if (!recorded) {
      // The row stopped being 'registering' meanwhile: the grant was revoked
      // (or a newer attempt orphaned it). The client must not outlive that.
      const deleted = await this.registration
        .remove(
          registered.registrationClientUri,
          registered.registrationAccessToken,
        )
        .then(
          () => true,
          () => false,
        );
      await this.store.update(row.id, {
        clientId: registered.clientId,
        ...(deleted
          ? { status: 'deleted' as const, deletedAt: this.now() }
          : {}),
        lastError: deleted
          ? 'registered after its grant was revoked or its attempt given up; deleted again'
          : 'registered after its grant was revoked or its attempt given up; the delete failed, the provider admin must remove it',
      });
      throw new ProvisioningError(
        `the registration of client ${
          registered.clientId
        } was answered after its attempt was given up (the grant was revoked meanwhile); the client was ${
          deleted ? 'deleted again' : 'NOT deleted: remove it at the provider'
        }`,
      );
    }
    const stored = await this.store.get(row.id);
    return { row: stored!, registered };
  }

  /** RFC 7592 read; stores a rotated registration access token at once. */
  async readClient(
    row: ClientRecord,
    signal?: AbortSignal,
  ): Promise<RegisteredClient> {
    const rat = this.openRat(row);
    const client = await this.registration.read(
      row.registrationClientUri!,
      rat,
      signal,
    );
    await this.keepRat(row, rat, client);
    return client;
  }

  /** RFC 7592 delete (404 counts as deleted); the row forgets its token. */
  async deleteClient(row: ClientRecord, signal?: AbortSignal): Promise<void> {
    const rat = this.openRat(row);
    const outcome = await this.registration.remove(
      row.registrationClientUri!,
      rat,
      signal,
    );
    await this.store.update(row.id, {
      status: 'deleted',
      deletedAt: this.now(),
      sealedRegistrationAccessToken: undefined,
      ratKeyId: undefined,
      lastError: undefined,
    });
    this.logger.info(
      `OAuth2 client ${row.clientId} of grant ${row.grantId} ${
        outcome === 'deleted'
          ? 'deleted at the identity provider'
          : 'was already gone at the identity provider'
      }`,
    );
  }

  async orphan(
    row: ClientRecord,
    reason: string,
    clientId?: string,
  ): Promise<void> {
    await this.store.update(row.id, {
      status: 'orphaned',
      lastError: reason,
      ...(clientId && !row.clientId ? { clientId } : {}),
    });
    this.logger.warn(
      `OAuth2 client row ${row.id} of grant ${row.grantId}${
        clientId ?? row.clientId ? ` (client ${clientId ?? row.clientId})` : ''
      } is orphaned: ${reason}`,
    );
  }

  private async bringUpToDate(
    row: ClientRecord,
    desired: DesiredMetadata,
  ): Promise<void> {
    if (row.metadataHash === desired.hash) return;
    if (!row.registrationClientUri || !row.sealedRegistrationAccessToken) {
      throw new ProvisioningError(
        `client ${row.clientId} has no registration access token to update it with`,
      );
    }
    const current = await this.readClient(row);
    const fresh = (await this.store.get(row.id))!;
    const rat = this.openRat(fresh);
    const updated = await this.registration.update(
      fresh.registrationClientUri!,
      rat,
      current,
      desired.body,
    );
    await this.keepRat(fresh, rat, updated);
    await this.store.update(row.id, {
      metadataHash: desired.hash,
      scopes: desired.scopes,
      audience: desired.audience,
      lastError: undefined,
    });
  }

  private openRat(row: ClientRecord): string {
    if (!row.sealedRegistrationAccessToken) {
      throw new ProvisioningError(
        `client ${row.clientId} has no registration access token`,
      );
    }
    return this.box.open(row.sealedRegistrationAccessToken, ratAad(row.id));
  }

  /** Stores the token the provider answered if it differs from the one used. */
  private async keepRat(
    row: ClientRecord,
    used: string,
    answered: RegisteredClient,
  ): Promise<void> {
    const token = answered.registrationAccessToken;
    if (!token || token === used) return;
    await this.store.update(row.id, {
      sealedRegistrationAccessToken: this.box.seal(token, ratAad(row.id)),
      ratKeyId: this.box.currentKeyId,
    });
  }
}
