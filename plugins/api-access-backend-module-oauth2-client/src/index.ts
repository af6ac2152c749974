/**
 * api-access backend module that adds the `oauth2-client` credential type:
 * a confidential OAuth2 client (client credentials) registered for each
 * grant at the organization's identity provider through RFC 7591/7592, its
 * secret shown once, its tokens checked at the gateway. Install with
 * `backend.add(import('@api-access/backstage-plugin-api-access-backend-module-oauth2-client'))`.
 *
 * @packageDocumentation
 */
export { apiAccessModuleOauth2Client as default } from './module';
export { apiAccessModuleOauth2Client } from './module';
export { readOAuth2ClientConfig } from './config';
export type {
  EncryptionKey,
  OAuth2ClientConfig,
  VerificationConfig,
} from './config';
export { oauth2LookupHash } from './lookupHash';
