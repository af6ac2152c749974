/**
 * api-access backend module that turns each entry of apiAccess.webhooks into
 * a provisioner delivering signed webhooks on grant provision, rotate and
 * revoke. Install with
 * `backend.add(import('@api-access/backstage-plugin-api-access-backend-module-webhook'))`.
 *
 * @packageDocumentation
 */
export { apiAccessModuleWebhook as default } from './module';
export { apiAccessModuleWebhook } from './module';
export {
  API_ACCESS_WEBHOOK_HEADERS,
  WebhookDeliveryError,
  WebhookProvisioner,
} from './WebhookProvisioner';
export type {
  ApiAccessWebhookEvent,
  ApiAccessWebhookEventType,
} from './WebhookProvisioner';
export {
  API_ACCESS_EVENT_ID_PATTERN,
  API_ACCESS_SIGNATURE_SCHEME,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  signApiAccessPayload,
  verifyApiAccessSignature,
} from './signature';
export { createReplayGuard } from './replayGuard';
export type { ApiAccessReplayClaim, ApiAccessReplayGuard } from './replayGuard';
export { readWebhookEndpoints } from './config';
export type { WebhookEndpointConfig } from './config';
