import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { apiAccessAssessorsExtensionPoint } from '@api-access/backstage-plugin-api-access-node';
import { readLlmAssessorConfig } from './config';
import { LlmAssessor } from './LlmAssessor';

/**
 * Adds the LLM assessor to the api-access request assistant when
 * `apiAccess.llmAssessor` is configured; does nothing otherwise.
 *
 * @public
 */
export const apiAccessModuleLlmAssessor = createBackendModule({
  pluginId: 'api-access',
  moduleId: 'llm-assessor',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        assessors: apiAccessAssessorsExtensionPoint,
      },
      async init({ config, logger, assessors }) {
        const options = readLlmAssessorConfig(config);
        if (!options) {
          logger.info(
            'apiAccess.llmAssessor is not configured; the LLM assessor is off',
          );
          return;
        }
        assessors.addAssessor(new LlmAssessor(options, logger));
        logger.info(
          `api-access LLM assessor: ${options.model} at ${options.endpoint.origin}, ${options.timeoutSeconds}s timeout`,
        );
      },
    });
  },
});
