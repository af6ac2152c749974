/*
 * Client certificates for grants of credential type `mtls-certificate`:
 * the requester sends a CSR (the private key never leaves them), accepts the
 * usage terms, and receives a certificate signed by the configured CA, named
 * after the consumer and valid no longer than the grant. A second CSR
 * rotates: the previous certificate keeps working for the rotation overlap,
 * then appears on the CRL like a revoked one.
 *
 * The rules match API keys (CredentialService.issue): only the grant's
 * requester, only for an active grant, only with the current terms. The
 * history records serials and fingerprints, never a CSR or a key.
 */
import { randomUUID } from 'node:crypto';
import { Config } from '@backstage/config';
import {
  ConflictError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import { IssuedCertificate } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessConfig } from '../config';
import { GrantStore } from '../grants/GrantStore';
import { requireGrantHolder, requireLiveGrant } from '../grants/issuable';
import { AuditLog } from '../audit/AuditLog';
import { CredentialStore } from '../credentials/CredentialStore';
import { Caller } from '../requests/workflowTypes';
import { CertificateAuthority } from './CertificateAuthority';
import { CERTIFICATE_TYPE, CertificateStore } from './CertificateStore';
import { Knex } from 'knex';

const HOUR_MS = 60 * 60 * 1000;

export const NOT_CONFIGURED =
  'mTLS certificates are not configured: set apiAccess.certificates.ca';

export interface CertificateServiceOptions {
  /** Undefined when `apiAccess.certificates.ca` is not configured. */
  ca?: CertificateAuthority;
  certificates: CertificateStore;
  credentials: CredentialStore;
  grants: GrantStore;
  audit: AuditLog;
  config: ApiAccessConfig;
  /** How long a built CRL is served from memory. Default 5. */
  crlCacheSeconds?: number;
  clock?: () => Date;
}

export class CertificateService {
  /**
   * Reads `apiAccess.certificates` (apart from the review policy: it holds
   * the CA's private key). Throws at start-up on a bad CA or value.
   */
  static async fromConfig(
    root: Config,
    deps: Omit<
      CertificateServiceOptions,
      'ca' | 'certificates' | 'crlCacheSeconds'
    > & { knex: Knex },
  ): Promise<CertificateService> {
    const { knex, ...rest } = deps;
    const key = 'apiAccess.certificates.crlCacheSeconds';
    const crlCacheSeconds = root.getOptionalNumber(key) ?? 5;
    if (
      !Number.isInteger(crlCacheSeconds) ||
      crlCacheSeconds < 0 ||
      crlCacheSeconds > 300
    ) {
      throw new Error(
        `Invalid config at ${key}: must be a whole number from 0 to 300, got ${crlCacheSeconds}`,
      );
    }
    return new CertificateService({
      ...rest,
      ca: await CertificateAuthority.fromConfig(root, { clock: deps.clock }),
      certificates: new CertificateStore(knex),
      crlCacheSeconds,
    });
  }

  private readonly ca?: CertificateAuthority;
  private readonly clock: () => Date;
  private readonly crlCacheMs: number;
  private crlCache?: { pem: Promise<string>; until: number };

  constructor(private readonly options: CertificateServiceOptions) {
    this.ca = options.ca;
    this.clock = options.clock ?? (() => new Date());
    this.crlCacheMs = (options.crlCacheSeconds ?? 5) * 1000;
  }

  get configured(): boolean {
    return !!this.ca;
  }

  /** The CA certificate, PEM; undefined when not configured. */
  caCertificatePem(): string | undefined {
    return this.ca?.certificatePem;
  }

  /** Issues the grant's first certificate, or rotates it. */
  async issueCertificate(
    grantId: string,
    input: { csr: string; acceptTerms: string },
    caller: Caller,
  ): Promise<IssuedCertificate> {
    const ca = this.ca;
    if (!ca) throw new ConflictError(NOT_CONFIGURED);
    const { grants, audit, credentials, config } = this.options;
    const { terms, rotationOverlapHours } = config.credentials;
    if (input.acceptTerms !== terms.version) {
      throw new InputError(
        `acceptTerms must be the current usage terms version '${terms.version}', got '${input.acceptTerms}'`,
      );
    }
    const grant = await grants.getGrant(grants.db, grantId);
    if (!grant) {
      throw new NotFoundError(`No grant '${grantId}'`);
    }
    requireGrantHolder(grant, caller.userEntityRef);
    const now = this.clock();
    requireLiveGrant(grant, now);
    if (grant.credentialType !== CERTIFICATE_TYPE) {
      throw new ConflictError(
        `The grant's credential type is '${grant.credentialType}', not '${CERTIFICATE_TYPE}'; request a certificate only for an mTLS grant`,
      );
    }

    // Signing checks the CSR (400 with the reason) before anything is written.
    const signed = await ca.sign(input.csr, {
      subjectCommonName: grant.consumerRef,
      notAfter: new Date(grant.expiresAt),
      grantId,
      apiRef: grant.apiRef,
    });
    const id = randomUUID();
    const validUntil = new Date(now.getTime() + rotationOverlapHours * HOUR_MS);
    const superseded = await grants.transaction(async tx => {
      const previous = await credentials.supersedeActive(
        tx,
        grantId,
        validUntil,
      );
      await credentials.insert(tx, {
        id,
        grant_id: grantId,
        credential_type: CERTIFICATE_TYPE,
        prefix: signed.serial,
        secret_hash: signed.fingerprint,
        status: 'active',
        terms_version: terms.version,
        issued_to: caller.userEntityRef,
        created_at: now,
        valid_until: null,
        not_after: signed.notAfter,
      });
      await audit.append(tx, [
        {
          subjectType: 'grant',
          subjectId: grantId,
          requestId: grant.requestId,
          action:
            previous.length > 0 ? 'credential.rotated' : 'credential.issued',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          // Serial and fingerprint identify the certificate; the CSR and
          // the PEM never enter the history.
          details: {
            credentialType: CERTIFICATE_TYPE,
            serial: signed.serial,
            fingerprint: signed.fingerprint,
            subject: grant.consumerRef,
            notAfter: signed.notAfter.toISOString(),
            termsVersion: terms.version,
            termsAcceptedAt: now.toISOString(),
            ...(previous.length > 0
              ? {
                  supersededSerials: previous.map(row => row.prefix),
                  previousValidUntil: validUntil.toISOString(),
                }
              : {}),
          },
        },
      ]);
      return previous;
    });
    this.invalidateCrl();
    return {
      id,
      grantId,
      serial: signed.serial,
      fingerprint: signed.fingerprint,
      certificate: signed.certificatePem,
      caCertificate: ca.certificatePem,
      notBefore: signed.notBefore.toISOString(),
      notAfter: signed.notAfter.toISOString(),
      termsVersion: terms.version,
      createdAt: now.toISOString(),
      previousValidUntil:
        superseded.length > 0 ? validUntil.toISOString() : undefined,
    };
  }

  /**
   * The current CRL, PEM; undefined when not configured. Built from the
   * database at most every `crlCacheSeconds` on a replica; issuing or
   * calling invalidateCrl() on this replica rebuilds it at once.
   */
  async crlPem(): Promise<string | undefined> {
    const ca = this.ca;
    if (!ca) return undefined;
    const nowMs = this.clock().getTime();
    const cached = this.crlCache;
    if (cached && cached.until > nowMs) return cached.pem;
    const pem = this.options.certificates
      .revoked(new Date(nowMs))
      .then(revoked => ca.crl(revoked));
    const entry = { pem, until: nowMs + this.crlCacheMs };
    this.crlCache = entry;
    pem.catch(() => {
      if (this.crlCache === entry) this.crlCache = undefined;
    });
    return pem;
  }

  /** Call after revoking on this replica, so the next CRL includes it. */
  invalidateCrl() {
    this.crlCache = undefined;
  }
}
