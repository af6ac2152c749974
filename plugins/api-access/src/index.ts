/**
 * The api-access frontend plugin: request access on API pages, review on
 * Group pages, and see grants on Component pages.
 *
 * @packageDocumentation
 */
export {
  apiAccessPlugin,
  ApiAccessPage,
  ApiAccessExpiringHomeCard,
  ApiAccessReviewQueueHomeCard,
  EntityAccessReviewCard,
  EntityApiAccessCard,
  EntityApiAccessContent,
  EntityApiAccessGrantsCard,
  EntityApiGrantsCard,
  EntityOwnerGrantsCard,
  EntityPeriodicAccessReviewCard,
} from './plugin';
export { ApiAccessIcon } from './components/ApiAccessIcon';
export { apiAccessApiRef } from './api/ApiAccessApi';
export type {
  ApiAccessApi,
  IssuedGrantCredential,
  IssuedOAuth2Client,
} from './api/ApiAccessApi';
export { ApiAccessClient } from './api/ApiAccessClient';
