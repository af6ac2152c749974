/*
 * Who may receive a credential for a grant, and when: the same two rules for
 * API keys (CredentialService) and client certificates (CertificateService),
 * kept once here. Each service checks its own credential type besides.
 */
import { ConflictError, NotAllowedError } from '@backstage/errors';
import { Grant } from '@api-access/backstage-plugin-api-access-common';

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
