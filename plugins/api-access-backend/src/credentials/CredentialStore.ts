/*
 * SQL for credentials. Lookups by hash are the introspection hot path: one
 * indexed query joining the grant, nothing else.
 */
import { Knex } from 'knex';
import { GrantPlan } from '@api-access/backstage-plugin-api-access-common';

const CREDENTIALS = 'api_access_credentials';
const GRANTS = 'api_access_grants';

type Db = Knex | Knex.Transaction;

export interface CredentialRow {
  id: string;
  grant_id: string;
  credential_type: string;
  prefix: string;
  secret_hash: string;
  status: string;
  terms_version: string;
  issued_to: string;
  created_at: Date | string | number;
  valid_until: Date | string | number | null;
}

/** What introspection needs, in one row. */
export interface CredentialLookup {
  credentialId: string;
  credentialStatus: string;
  validUntil?: Date;
  grantId: string;
  grantStatus: string;
  apiRef: string;
  consumerRef: string;
  environment: string;
  scopes: string[];
  expiresAt: Date;
  /** The grant's plan snapshot; undefined for a plan-less grant. */
  plan?: GrantPlan;
}

const toDate = (value: Date | string | number) => new Date(value);

export class CredentialStore {
  constructor(readonly db: Knex) {}

  /**
   * The credential of this type with this lookup hash (an API key's SHA-256,
   * a token type's hash of its client), with its grant.
   */
  async findByHash(
    hash: string,
    credentialType: string = 'api-key',
  ): Promise<CredentialLookup | undefined> {
    const row = await this.db(`${CREDENTIALS} as c`)
      .join(`${GRANTS} as g`, 'g.id', 'c.grant_id')
      .where('c.secret_hash', hash)
      // Certificates keep a public fingerprint in secret_hash, and each type
      // hashes its own way: never match another type's row.
      .andWhere('c.credential_type', credentialType)
      .first(
        'c.id as credential_id',
        'c.status as credential_status',
        'c.valid_until',
        'g.id as grant_id',
        'g.status as grant_status',
        'g.api_ref',
        'g.consumer_ref',
        'g.environment',
        'g.scopes',
        'g.expires_at',
        // The plan's limits and the suspension come with the key, in the
        // same indexed query: the hot path asks nothing else.
        'g.plan',
        'g.plan_title',
        'g.rate_limit_requests',
        'g.rate_limit_seconds',
        'g.quota_requests',
        'g.quota_period',
      );
    if (!row) return undefined;
    return {
      credentialId: row.credential_id,
      credentialStatus: row.credential_status,
      validUntil: row.valid_until ? toDate(row.valid_until) : undefined,
      grantId: row.grant_id,
      grantStatus: row.grant_status,
      apiRef: row.api_ref,
      consumerRef: row.consumer_ref,
      environment: row.environment,
      scopes: JSON.parse(row.scopes),
      expiresAt: toDate(row.expires_at),
      ...(row.plan
        ? {
            plan: {
              name: row.plan,
              title: row.plan_title ?? row.plan,
              rateLimit: {
                requests: Number(row.rate_limit_requests),
                perSeconds: Number(row.rate_limit_seconds),
              },
              ...(row.quota_requests !== null &&
              row.quota_requests !== undefined &&
              (row.quota_period === 'day' || row.quota_period === 'month')
                ? {
                    quota: {
                      requests: Number(row.quota_requests),
                      period: row.quota_period,
                    },
                  }
                : {}),
            },
          }
        : {}),
    };
  }

  /**
   * What a gateway's decision cache may hold about a grant: the hashes of
   * all its API keys, whatever their status, and the grant's scopes.
   */
  async keyHashesOfGrant(
    grantId: string,
  ): Promise<{ hashes: string[]; scopes: string[] }> {
    const [rows, grant] = await Promise.all([
      this.db(CREDENTIALS)
        .where({ grant_id: grantId, credential_type: 'api-key' })
        .select('secret_hash'),
      this.db(GRANTS).where({ id: grantId }).first('scopes'),
    ]);
    return {
      hashes: rows.map((row: { secret_hash: string }) => row.secret_hash),
      scopes: grant ? JSON.parse(grant.scopes) : [],
    };
  }

  async activeForGrants(db: Db, grantIds: string[]): Promise<CredentialRow[]> {
    if (grantIds.length === 0) return [];
    return db<CredentialRow>(CREDENTIALS)
      .whereIn('grant_id', grantIds)
      .where('status', 'active');
  }

  /** Marks the grant's active credential superseded, working until `validUntil`. */
  async supersedeActive(
    tx: Db,
    grantId: string,
    validUntil: Date,
  ): Promise<CredentialRow[]> {
    const active = await tx<CredentialRow>(CREDENTIALS).where({
      grant_id: grantId,
      status: 'active',
    });
    if (active.length > 0) {
      await tx(CREDENTIALS)
        .whereIn(
          'id',
          active.map(row => row.id),
        )
        .update({ status: 'superseded', valid_until: validUntil });
    }
    return active;
  }

  /** Revokes every credential of a grant that still works; returns their prefixes. */
  async revokeForGrant(tx: Db, grantId: string, now: Date): Promise<string[]> {
    const live = await tx<CredentialRow>(CREDENTIALS)
      .where({ grant_id: grantId })
      .whereIn('status', ['active', 'superseded']);
    if (live.length > 0) {
      await tx(CREDENTIALS)
        .whereIn(
          'id',
          live.map(row => row.id),
        )
        .update({ status: 'revoked', revoked_at: now });
    }
    return live.map(row => row.prefix);
  }

  /** A key, or a client certificate with its `not_after`. */
  async insert(tx: Db, row: CredentialRow & { not_after?: Date }) {
    await tx(CREDENTIALS).insert(row);
  }
}
