/*
 * The value the core finds an oauth2-client credential by
 * (`PreparedCredential.lookupHash` when it is issued, `VerifiedToken.lookupHash`
 * when a token arrives at the gateway). The issuer is part of it, so the same
 * client id at two identity providers never names the same credential.
 */
import { createHash } from 'node:crypto';

/** sha256 hex of `'oauth2-client\0' + issuer + '\0' + clientId`. */
export function oauth2LookupHash(issuer: string, clientId: string): string {
  return createHash('sha256')
    .update(`oauth2-client\0${issuer}\0${clientId}`, 'utf8')
    .digest('hex');
}
