import {
  createBackendPlugin,
  coreServices,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  ApiAccessAssessor,
  apiAccessAssessorsExtensionPoint,
} from '@api-access/backstage-plugin-api-access-node';
import { apiAccessModuleLlmAssessor } from './module';

/** Stands in for the api-access backend: it only collects assessors. */
function fakeApiAccess(collected: ApiAccessAssessor[]) {
  return createBackendPlugin({
    pluginId: 'api-access',
    register(env) {
      env.registerExtensionPoint(apiAccessAssessorsExtensionPoint, {
        addAssessor: (...added) => collected.push(...added),
      });
      env.registerInit({
        deps: { logger: coreServices.logger },
        async init() {},
      });
    },
  });
}

describe('apiAccessModuleLlmAssessor', () => {
  it('adds the LLM assessor when apiAccess.llmAssessor is configured', async () => {
    const collected: ApiAccessAssessor[] = [];
    const backend = await startTestBackend({
      features: [
        fakeApiAccess(collected),
        apiAccessModuleLlmAssessor,
        mockServices.rootConfig.factory({
          data: {
            apiAccess: {
              llmAssessor: { baseUrl: 'http://localhost:1/v1', model: 'm' },
            },
          },
        }),
      ],
    });
    expect(collected.map(a => a.id)).toEqual(['llm-assessor']);
    expect(collected[0].mayBlock).toBeUndefined();
    await backend.stop();
  });

  it('adds nothing without the config section', async () => {
    const collected: ApiAccessAssessor[] = [];
    const backend = await startTestBackend({
      features: [fakeApiAccess(collected), apiAccessModuleLlmAssessor],
    });
    expect(collected).toEqual([]);
    await backend.stop();
  });

  it('stops start-up on a bad config, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          fakeApiAccess([]),
          apiAccessModuleLlmAssessor,
          mockServices.rootConfig.factory({
            data: {
              apiAccess: { llmAssessor: { baseUrl: 'ftp://x', model: 'm' } },
            },
          }),
        ],
      }),
    ).rejects.toThrow('apiAccess.llmAssessor.baseUrl: must be an https URL');
  });
});
