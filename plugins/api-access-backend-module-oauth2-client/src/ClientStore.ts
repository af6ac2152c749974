/*
 * The SQL on api_access_oauth2_clients, and the module's own migrations. The
 * registration access token is stored as the caller sealed it; this store
 * never sees a token in clear.
 */
import { randomUUID } from 'node:crypto';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

export const CLIENTS_TABLE = 'api_access_oauth2_clients';
export const MIGRATIONS_TABLE = 'api_access_oauth2_knex_migrations';

export type ClientStatus =
  | 'registering'
  | 'registered'
  | 'issued'
  | 'retiring'
  | 'deleted'
  | 'orphaned';

export interface ClientRecord {
  id: string;
  grantId: string;
  credentialId?: string;
  issuer: string;
  clientId?: string;
  registrationClientUri?: string;
  /** Sealed (SecretBox), never clear. */
  sealedRegistrationAccessToken?: string;
  ratKeyId?: string;
  status: ClientStatus;
  scopes: string[];
  audience: string;
  metadataHash?: string;
  taskId?: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt?: Date;
  lastError?: string;
}

interface Row {
  id: string;
  grant_id: string;
  credential_id: string | null;
  issuer: string;
  client_id: string | null;
  registration_client_uri: string | null;
  registration_access_token: string | null;
  rat_key_id: string | null;
  status: ClientStatus;
  scopes: string;
  audience: string;
  metadata_hash: string | null;
  task_id: string | null;
  created_at: Date | string | number;
  updated_at: Date | string | number;
  deleted_at: Date | string | number | null;
  last_error: string | null;
}

/** What an update may change. */
export type ClientPatch = Partial<
  Pick<
    ClientRecord,
    | 'credentialId'
    | 'clientId'
    | 'registrationClientUri'
    | 'sealedRegistrationAccessToken'
    | 'ratKeyId'
    | 'status'
    | 'scopes'
    | 'audience'
    | 'metadataHash'
    | 'taskId'
    | 'deletedAt'
    | 'lastError'
  >
>;

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function fromRow(row: Row): ClientRecord {
  return {
    id: row.id,
    grantId: row.grant_id,
    credentialId: row.credential_id ?? undefined,
    issuer: row.issuer,
    clientId: row.client_id ?? undefined,
    registrationClientUri: row.registration_client_uri ?? undefined,
    sealedRegistrationAccessToken: row.registration_access_token ?? undefined,
    ratKeyId: row.rat_key_id ?? undefined,
    status: row.status,
    scopes: JSON.parse(row.scopes),
    audience: row.audience,
    metadataHash: row.metadata_hash ?? undefined,
    taskId: row.task_id ?? undefined,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    deletedAt: row.deleted_at ? toDate(row.deleted_at) : undefined,
    lastError: row.last_error ?? undefined,
  };
}

function bounded(text: string | undefined | null): string | null {
  if (text === undefined || text === null) return null;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

function toRowPatch(patch: ClientPatch): Partial<Row> {
  const row: Partial<Row> = {};
  if ('credentialId' in patch) row.credential_id = patch.credentialId ?? null;
  if ('clientId' in patch) row.client_id = patch.clientId ?? null;
  if ('registrationClientUri' in patch)
    row.registration_client_uri = patch.registrationClientUri ?? null;
  if ('sealedRegistrationAccessToken' in patch)
    row.registration_access_token = patch.sealedRegistrationAccessToken ?? null;
  if ('ratKeyId' in patch) row.rat_key_id = patch.ratKeyId ?? null;
  if (patch.status) row.status = patch.status;
  if (patch.scopes) row.scopes = JSON.stringify(patch.scopes);
  if (patch.audience) row.audience = patch.audience;
  if ('metadataHash' in patch) row.metadata_hash = patch.metadataHash ?? null;
  if ('taskId' in patch) row.task_id = patch.taskId ?? null;
  if ('deletedAt' in patch) row.deleted_at = patch.deletedAt ?? null;
  if ('lastError' in patch) row.last_error = bounded(patch.lastError);
  return row;
}

/** Runs this module's migrations (its own knex migrations table). */
export async function migrateOAuth2Clients(knex: Knex): Promise<void> {
  await knex.migrate.latest({
    directory: resolvePackagePath(
      '@api-access/backstage-plugin-api-access-backend-module-oauth2-client',
      'migrations',
    ),
    tableName: MIGRATIONS_TABLE,
  });
}

export class ClientStore {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async insert(record: {
    grantId: string;
    issuer: string;
    status: ClientStatus;
    scopes: string[];
    audience: string;
    taskId?: string;
    credentialId?: string;
  }): Promise<ClientRecord> {
    const now = this.now();
    const row: Row = {
      id: randomUUID(),
      grant_id: record.grantId,
      credential_id: record.credentialId ?? null,
      issuer: record.issuer,
      client_id: null,
      registration_client_uri: null,
      registration_access_token: null,
      rat_key_id: null,
      status: record.status,
      scopes: JSON.stringify(record.scopes),
      audience: record.audience,
      metadata_hash: null,
      task_id: record.taskId ?? null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      last_error: null,
    };
    await this.knex<Row>(CLIENTS_TABLE).insert(row);
    return fromRow(row);
  }

  async update(id: string, patch: ClientPatch): Promise<void> {
    await this.knex<Row>(CLIENTS_TABLE)
      .where({ id })
      .update({ ...toRowPatch(patch), updated_at: this.now() });
  }

  /** Updates the row only while it still has `status`; answers whether it did. */
  async updateWhereStatus(
    id: string,
    status: ClientStatus,
    patch: ClientPatch,
  ): Promise<boolean> {
    const count = await this.knex<Row>(CLIENTS_TABLE)
      .where({ id, status })
      .update({ ...toRowPatch(patch), updated_at: this.now() });
    return Number(count) > 0;
  }

  /** Only for a registration the provider refused: nothing remote to remember. */
  async remove(id: string): Promise<void> {
    await this.knex<Row>(CLIENTS_TABLE).where({ id }).delete();
  }

  async get(id: string): Promise<ClientRecord | undefined> {
    const row = await this.knex<Row>(CLIENTS_TABLE).where({ id }).first();
    return row ? fromRow(row) : undefined;
  }

  /** Every client of the grant that is not deleted, oldest first. */
  async liveForGrant(grantId: string): Promise<ClientRecord[]> {
    const rows = await this.knex<Row>(CLIENTS_TABLE)
      .where({ grant_id: grantId })
      .whereNot({ status: 'deleted' })
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(fromRow);
  }

  async forGrant(grantId: string): Promise<ClientRecord[]> {
    const rows = await this.knex<Row>(CLIENTS_TABLE)
      .where({ grant_id: grantId })
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    return rows.map(fromRow);
  }

  async byCredentialId(
    credentialId: string,
  ): Promise<ClientRecord | undefined> {
    const row = await this.knex<Row>(CLIENTS_TABLE)
      .where({ credential_id: credentialId })
      .first();
    return row ? fromRow(row) : undefined;
  }

  /** Rows whose token is sealed with a key other than `currentKeyId`. */
  async sealedWithOtherKey(
    currentKeyId: string,
    limit: number,
  ): Promise<ClientRecord[]> {
    const rows = await this.knex<Row>(CLIENTS_TABLE)
      .whereNotNull('registration_access_token')
      .whereNot({ rat_key_id: currentKeyId })
      .limit(limit);
    return rows.map(fromRow);
  }

  async countSealedWithOtherKey(currentKeyId: string): Promise<number> {
    const [{ count }] = await this.knex<Row>(CLIENTS_TABLE)
      .whereNotNull('registration_access_token')
      .whereNot({ rat_key_id: currentKeyId })
      .count({ count: '*' });
    return Number(count);
  }

  /**
   * Re-seals one row's token if it still holds `expected` (so a concurrent
   * update by a provisioner wins). Answers whether it did.
   */
  async replaceSealedToken(
    id: string,
    expected: string,
    sealed: string,
    keyId: string,
  ): Promise<boolean> {
    const count = await this.knex<Row>(CLIENTS_TABLE)
      .where({ id, registration_access_token: expected })
      .update({
        registration_access_token: sealed,
        rat_key_id: keyId,
        updated_at: this.now(),
      });
    return Number(count) > 0;
  }

  /** Orphaned clients the module can still delete at the provider. */
  async deletableOrphans(limit: number): Promise<ClientRecord[]> {
    const rows = await this.knex<Row>(CLIENTS_TABLE)
      .where({ status: 'orphaned' })
      .whereNotNull('registration_client_uri')
      .whereNotNull('registration_access_token')
      .limit(limit);
    return rows.map(fromRow);
  }
}
