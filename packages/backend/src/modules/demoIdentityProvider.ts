/*
 * Demo only: a development identity provider (oidc-provider, in its own
 * process) for the oauth2-client credential type, so `yarn start` gives a
 * newcomer an issuer to register clients at and fetch tokens from. It runs
 * while the backend runs and is stopped with it; its clients live in memory,
 * like the demo's database, so a restart forgets both.
 *
 * Not for production: the initial access token is a fixed demo value, and a
 * real installation points apiAccess.oauth2Client at its own provider.
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startDevProvider } from '@api-access/oidc-dev-provider';

export const demoIdentityProvider = createBackendPlugin({
  pluginId: 'api-access-demo-idp',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ config, logger, lifecycle }) {
        const settings = config.getOptionalConfig(
          'apiAccessDemo.identityProvider',
        );
        if (!settings?.getOptionalBoolean('enabled')) return;
        // The token the module registers with is the one the provider takes.
        const initialAccessToken = config.getString(
          'apiAccess.oauth2Client.initialAccessToken',
        );
        const expectedIssuer = config.getOptionalString(
          'apiAccess.oauth2Client.issuer',
        );
        const port = settings.getOptionalNumber('port') ?? 7010;
        let provider;
        try {
          provider = await startDevProvider({
            port,
            scopes: settings.getStringArray('scopes'),
            initialAccessToken,
            tokenTtlSeconds: settings.getOptionalNumber('tokenTtlSeconds'),
            onStderr: line => {
              // oidc-provider's notice about Node 20 is noise in the demo.
              if (!/Unsupported runtime/.test(line)) {
                logger.warn(`identity provider: ${line}`);
              }
            },
          });
        } catch (error) {
          // The demo goes on without it: oauth2-client grants then show why
          // their client cannot be registered, and keys and certificates work.
          logger.error(
            `The demo identity provider did not start on 127.0.0.1:${port}: ${error}`,
          );
          return;
        }
        if (expectedIssuer && expectedIssuer !== provider.issuer) {
          logger.warn(
            `The demo identity provider's issuer is ${provider.issuer}, but apiAccess.oauth2Client.issuer is ${expectedIssuer}: tokens will be refused`,
          );
        }
        logger.info(
          `Demo identity provider at ${provider.issuer} (token endpoint ${provider.issuer}/token)`,
        );
        lifecycle.addShutdownHook(() => provider.stop());
      },
    });
  },
});
