/*
 * SQL for client certificates: they are rows of api_access_credentials with
 * credential_type 'mtls-certificate' (prefix = serial, secret_hash = SHA-256
 * fingerprint of the DER), plus `not_after`. CredentialStore writes them;
 * the CRL reads them here.
 */
import { Knex } from 'knex';
import { CredentialRow } from '../credentials/CredentialStore';
import { RevokedCertificate } from './CertificateAuthority';

const CREDENTIALS = 'api_access_credentials';
const GRANTS = 'api_access_grants';

export const CERTIFICATE_TYPE = 'mtls-certificate';

export interface CertificateRow extends CredentialRow {
  not_after: Date;
}

const toDate = (value: Date | string | number) => new Date(value);

export class CertificateStore {
  constructor(readonly db: Knex) {}

  /**
   * Certificates that must be refused although not yet expired: revoked
   * ones (their own status, or their grant's), superseded ones whose
   * rotation overlap has ended, and those of a suspended grant (on hold
   * until it is resumed). Expired certificates are left out: every
   * verifier refuses them anyway.
   */
  async revoked(now: Date): Promise<RevokedCertificate[]> {
    const rows = await this.db(`${CREDENTIALS} as c`)
      .join(`${GRANTS} as g`, 'g.id', 'c.grant_id')
      .where('c.credential_type', CERTIFICATE_TYPE)
      .andWhere(q =>
        q.whereNull('c.not_after').orWhere('c.not_after', '>', now),
      )
      .andWhere(q =>
        q
          .where('c.status', 'revoked')
          .orWhereIn('g.status', ['revoked', 'revocation_failed', 'suspended'])
          .orWhere(superseded =>
            superseded
              .where('c.status', 'superseded')
              .andWhere('c.valid_until', '<=', now),
          ),
      )
      .select(
        'c.prefix',
        'c.status',
        'c.revoked_at',
        'c.valid_until',
        'g.status as grant_status',
        'g.revoked_at as grant_revoked_at',
        'g.suspended_at as grant_suspended_at',
      );
    return rows.map(row => {
      const revoked =
        row.status === 'revoked' ||
        row.grant_status === 'revoked' ||
        row.grant_status === 'revocation_failed';
      const revokedAt = revoked
        ? toDate(row.revoked_at ?? row.grant_revoked_at ?? now)
        : undefined;
      const supersededAt = row.valid_until
        ? toDate(row.valid_until)
        : undefined;
      if (!revoked && row.grant_status === 'suspended') {
        const stillWorks =
          row.status === 'active' ||
          (row.status === 'superseded' &&
            (!row.valid_until || toDate(row.valid_until) > now));
        if (stillWorks) {
          return {
            serial: row.prefix,
            revokedAt: toDate(row.grant_suspended_at ?? now),
            reason: 'certificateHold' as const,
          };
        }
      }
      // A certificate already superseded when its grant was revoked keeps
      // its first reason and date: CRL entries do not move.
      if (supersededAt && (!revokedAt || supersededAt <= revokedAt)) {
        return {
          serial: row.prefix,
          revokedAt: supersededAt,
          reason: 'superseded' as const,
        };
      }
      return {
        serial: row.prefix,
        revokedAt: revokedAt ?? now,
        reason: 'privilegeWithdrawn' as const,
      };
    });
  }
}
