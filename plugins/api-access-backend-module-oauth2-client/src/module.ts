/*
 * The oauth2-client module: when apiAccess.oauth2Client is configured, it
 * adds the `oauth2-client` credential type (with its provisioner) to the
 * api-access backend, runs its own migrations and schedules the sweep that
 * re-seals registration access tokens under the current key.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { apiAccessCredentialTypesExtensionPoint } from '@api-access/backstage-plugin-api-access-node';
import { readOAuth2ClientConfig } from './config';
import { createOAuth2ClientType } from './createOAuth2ClientType';

/**
 * The api-access backend module that adds the `oauth2-client` credential
 * type when `apiAccess.oauth2Client` is configured.
 *
 * @public
 */
export const apiAccessModuleOauth2Client = createBackendModule({
  pluginId: 'api-access',
  moduleId: 'oauth2-client',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        credentialTypes: apiAccessCredentialTypesExtensionPoint,
      },
      async init({ config, logger, database, scheduler, credentialTypes }) {
        const settings = readOAuth2ClientConfig(config);
        if (!settings) {
          logger.info(
            'No oauth2-client credential type: apiAccess.oauth2Client is not configured',
          );
          return;
        }
        const knex = await database.getClient();
        const parts = await createOAuth2ClientType({
          config: settings,
          knex,
          logger,
          migrate: !database.migrations?.skip,
        });
        credentialTypes.addCredentialType(parts.type);
        await scheduler.scheduleTask({
          id: 'api-access-oauth2-client-sweep',
          frequency: { minutes: 10 },
          timeout: { minutes: 5 },
          initialDelay: { seconds: 30 },
          fn: async () => {
            await parts.sweep();
          },
        });
        logger.info(
          `oauth2-client credential type: registers clients at ${settings.issuer}`,
        );
      },
    });
  },
});
