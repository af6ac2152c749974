import {
  createBackendPlugin,
  coreServices,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  ApiAccessProvisioner,
  apiAccessProvisionersExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import moduleFromIndex, { verifyApiAccessSignature } from './index';
import {
  TestReceiver,
  makeTask,
  startReceiver,
} from './__testUtils__/receiver';

const secret = 'test-webhook-secret-0123456789';

/**
 * Stands in for the api-access backend: provides the extension point and
 * keeps what modules add.
 */
function collectingPlugin(collected: ApiAccessProvisioner[]) {
  return createBackendPlugin({
    pluginId: 'api-access',
    register(env) {
      env.registerExtensionPoint(apiAccessProvisionersExtensionPoint, {
        addProvisioner(...provisioners) {
          collected.push(...provisioners);
        },
      });
      env.registerInit({
        deps: { logger: coreServices.logger },
        async init() {},
      });
    },
  });
}

describe('apiAccessModuleWebhook', () => {
  let receiver: TestReceiver | undefined;

  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('is the default export and registers one provisioner per endpoint', async () => {
    receiver = await startReceiver({ secret });
    const collected: ApiAccessProvisioner[] = [];

    const backend = await startTestBackend({
      features: [
        moduleFromIndex,
        collectingPlugin(collected),
        mockServices.rootConfig.factory({
          data: {
            apiAccess: {
              webhooks: [
                { id: 'kong-sync', url: receiver.url, secret },
                {
                  id: 'vault-sync',
                  url: 'https://vault.example.com/hooks',
                  secret: 'another-secret-0123456789',
                  credentialTypes: ['mtls-certificate'],
                  events: ['provision', 'revoke'],
                },
              ],
            },
          },
        }),
      ],
    });

    try {
      expect(collected.map(p => p.id)).toEqual(['kong-sync', 'vault-sync']);
      expect(collected[1].credentialTypes).toEqual(['mtls-certificate']);
      expect(collected[1].rotate).toBeUndefined();

      await expect(collected[0].provision(makeTask())).resolves.toEqual({
        reference: 'consumer-grant-42',
      });
      const [delivery] = receiver.deliveries;
      expect(
        verifyApiAccessSignature({
          secret,
          timestamp: delivery.headers['x-api-access-timestamp'] as string,
          eventId: delivery.headers['x-api-access-event-id'] as string,
          body: delivery.body,
          signature: delivery.headers['x-api-access-signature'] as string,
        }),
      ).toBe(true);
    } finally {
      await backend.stop();
    }
  });

  it('registers nothing without apiAccess.webhooks', async () => {
    const collected: ApiAccessProvisioner[] = [];
    const backend = await startTestBackend({
      features: [moduleFromIndex, collectingPlugin(collected)],
    });
    expect(collected).toEqual([]);
    await backend.stop();
  });

  it('stops start-up on invalid config, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          moduleFromIndex,
          collectingPlugin([]),
          mockServices.rootConfig.factory({
            data: {
              apiAccess: {
                webhooks: [
                  { id: 'kong-sync', url: 'http://kong:8001/hook', secret },
                ],
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      'Invalid config at apiAccess.webhooks[0].url: must use https',
    );
  });
});
