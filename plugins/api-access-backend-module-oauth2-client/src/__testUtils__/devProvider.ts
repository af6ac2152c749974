/*
 * The development identity provider (oidc-provider, as a child process) for
 * this module's tests. The spawning lives in @api-access/oidc-dev-provider so
 * the demo backend and the end-to-end tests start it the same way.
 */
export {
  startDevProvider,
  devProviderServerPath,
} from '@api-access/oidc-dev-provider';
export type {
  DevProvider,
  DevProviderOptions,
} from '@api-access/oidc-dev-provider';
