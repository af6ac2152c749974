import { randomBytes } from 'node:crypto';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  ApiAccessCredentialType,
  apiAccessCredentialTypesExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import moduleFromIndex from './index';
import { CLIENTS_TABLE } from './ClientStore';

/** Stands in for the api-access backend: provides the extension point and keeps what modules add. */
function collectingPlugin(
  collected: ApiAccessCredentialType[],
  tables: string[] = [],
) {
  return createBackendPlugin({
    pluginId: 'api-access',
    register(env) {
      env.registerExtensionPoint(apiAccessCredentialTypesExtensionPoint, {
        addCredentialType(...types) {
          collected.push(...types);
        },
      });
      env.registerInit({
        deps: { database: coreServices.database },
        // Modules initialize before their plugin: the module's table is there.
        async init({ database }) {
          const knex = await database.getClient();
          if (await knex.schema.hasTable(CLIENTS_TABLE))
            tables.push(CLIENTS_TABLE);
          if (await knex.schema.hasTable('api_access_oauth2_knex_migrations'))
            tables.push('api_access_oauth2_knex_migrations');
        },
      });
    },
  });
}

const oauth2Client = {
  // Nothing listens here: discovery is lazy, so start-up does not wait for it.
  issuer: 'http://127.0.0.1:9/realms/apis',
  initialAccessToken: 'module-test-initial-access-token',
  encryption: {
    keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }],
  },
};

describe('apiAccessModuleOauth2Client', () => {
  it('adds the oauth2-client type and creates its table, without reaching the provider', async () => {
    const collected: ApiAccessCredentialType[] = [];
    const tables: string[] = [];
    const backend = await startTestBackend({
      features: [
        moduleFromIndex,
        collectingPlugin(collected, tables),
        mockServices.rootConfig.factory({
          data: { apiAccess: { oauth2Client } },
        }),
      ],
    });
    try {
      expect(collected.map(t => t.id)).toEqual(['oauth2-client']);
      expect(tables).toEqual([
        CLIENTS_TABLE,
        'api_access_oauth2_knex_migrations',
      ]);
      const [type] = collected;
      expect(type).toMatchObject({
        title: 'OAuth2 client (client credentials)',
        presentation: 'bearer-token',
      });
      expect(type.provisioner).toMatchObject({
        id: 'oauth2-client',
        credentialTypes: ['oauth2-client'],
      });
      expect(type.availability()).toEqual({ offered: true });
      expect(
        type.acceptsAudience!(
          ['urn:api-access:api:default:petstore'],
          'api:default/petstore',
        ),
      ).toBe(true);
      expect(
        type.acceptsAudience!(
          ['urn:api-access:api:default:petstore'],
          'api:default/orders',
        ),
      ).toBe(false);
    } finally {
      await backend.stop();
    }
  });

  it('adds nothing and says so when apiAccess.oauth2Client is absent', async () => {
    const collected: ApiAccessCredentialType[] = [];
    const logger = mockServices.rootLogger.mock();
    const child = mockServices.logger.mock();
    logger.child.mockReturnValue(child as any);
    const backend = await startTestBackend({
      features: [
        moduleFromIndex,
        collectingPlugin(collected),
        logger.factory,
        mockServices.rootConfig.factory({ data: {} }),
      ],
    });
    try {
      expect(collected).toEqual([]);
      expect(child.info).toHaveBeenCalledWith(
        'No oauth2-client credential type: apiAccess.oauth2Client is not configured',
      );
    } finally {
      await backend.stop();
    }
  });

  it('stops start-up on a bad key, naming it', async () => {
    await expect(
      startTestBackend({
        features: [
          moduleFromIndex,
          collectingPlugin([]),
          mockServices.rootConfig.factory({
            data: {
              apiAccess: {
                oauth2Client: {
                  ...oauth2Client,
                  encryption: { keys: [{ id: 'k1', secret: 'c2hvcnQ=' }] },
                },
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      'apiAccess.oauth2Client.encryption.keys[0].secret: must decode to 32 bytes',
    );
  });
});
