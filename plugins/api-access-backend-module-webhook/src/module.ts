/*
 * The webhook module: every entry of apiAccess.webhooks becomes one
 * provisioner of the api-access backend.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { apiAccessProvisionersExtensionPoint } from '@api-access/backstage-plugin-api-access-node';
import { readWebhookEndpoints } from './config';
import { WebhookProvisioner } from './WebhookProvisioner';

/** @public */
export const apiAccessModuleWebhook = createBackendModule({
  pluginId: 'api-access',
  moduleId: 'webhook',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        provisioners: apiAccessProvisionersExtensionPoint,
      },
      async init({ config, logger, provisioners }) {
        const endpoints = readWebhookEndpoints(config);
        if (endpoints.length === 0) {
          logger.info(
            'No webhook provisioners: apiAccess.webhooks is not configured',
          );
          return;
        }
        provisioners.addProvisioner(
          ...endpoints.map(
            endpoint => new WebhookProvisioner(endpoint, { logger }),
          ),
        );
        for (const endpoint of endpoints) {
          logger.info(
            `Webhook provisioner ${endpoint.id} delivers ${endpoint.events.join(
              ', ',
            )} to ${endpoint.url.origin}${
              endpoint.credentialTypes
                ? ` for ${endpoint.credentialTypes.join(', ')} grants`
                : ''
            }`,
          );
        }
      },
    });
  },
});
