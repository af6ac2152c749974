/*
 * Who may receive a credential for a grant, and when: the same rules for
 * API keys (CredentialService), client certificates (CertificateService) and
 * module credential types (CredentialIssuer), kept once here. Each service
 * checks its own credential type besides.
 */
import { ConflictError, InputError, NotAllowedError } from '@backstage/errors';
import { Grant, excerpt } from '@api-access/backstage-plugin-api-access-common';

/** The holder accepts the usage terms in force now, by their version. */
export function requireCurrentTerms(
  acceptTerms: string,
  termsVersion: string,
): void {
  if (acceptTerms !== termsVersion) {
    throw new InputError(
      `acceptTerms must be the current usage terms version '${termsVersion}', got '${excerpt(
        acceptTerms,
      )}'`,
    );
  }
}

/** Only the requester of a grant receives its credential. */
export function requireGrantHolder(
  grant: Pick<Grant, 'requesterRef'>,
  callerRef: string,
): void {
  if (grant.requesterRef !== callerRef) {
    throw new NotAllowedError(
      'Only the requester of a grant can receive its credential',
    );
  }
}

/**
 * The same, under the grant's row lock (GrantStore.lockStatus) in the
 * transaction that stores the credential: a suspension or revocation that
 * won the race is seen here.
 */
export function requireLockedLiveGrant(
  locked: { status: string; expiresAt: Date } | undefined,
  now: Date,
): void {
  if (locked?.status === 'suspended') {
    throw new ConflictError(
      'The grant is suspended; no credential can be issued until the API owner resumes it',
    );
  }
  if (
    !locked ||
    locked.status !== 'active' ||
    locked.expiresAt.getTime() <= now.getTime()
  ) {
    throw new ConflictError(
      'The grant is no longer active; no credential can be issued',
    );
  }
}

/**
 * Credential rows as one comparable key: the active ones a rotation saw
 * before its transaction against those it supersedes under the lock.
 */
export function credentialSetKey(rows: ReadonlyArray<{ id: string }>): string {
  return rows
    .map(row => row.id)
    .sort()
    .join(',');
}

/** A credential is issued only for an active grant before its expiry. */
export function requireLiveGrant(
  grant: Pick<Grant, 'status' | 'expiresAt'>,
  now: Date,
): void {
  if (grant.status === 'suspended') {
    throw new ConflictError(
      'The grant is suspended; no credential can be issued until the API owner resumes it',
    );
  }
  if (
    grant.status !== 'active' ||
    Date.parse(grant.expiresAt) <= now.getTime()
  ) {
    throw new ConflictError(
      `The grant is ${
        grant.status === 'active' ? 'expired' : grant.status
      }; no credential can be issued`,
    );
  }
}
