/*
 * The scaffolder backend module that adds `api-access:request` to the
 * scaffolder's actions. It needs the api-access backend plugin in the same
 * Backstage (found through discovery); it adds no routes or tables.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createApiAccessRequestAction } from './actions/requestAccess';

/**
 * Registers the `api-access:request` scaffolder action.
 *
 * @public
 */
export const scaffolderModuleApiAccess = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'api-access',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
      },
      async init({ scaffolderActions, auth, discovery }) {
        scaffolderActions.addActions(
          createApiAccessRequestAction({ auth, discovery }),
        );
      },
    });
  },
});
