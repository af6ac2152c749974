/**
 * A scaffolder backend module with the action `api-access:request`: software
 * templates request API access through api-access as the user who runs them.
 *
 * @packageDocumentation
 */
export { scaffolderModuleApiAccess as default } from './module';
export {
  API_ACCESS_REQUEST_ACTION_ID,
  createApiAccessRequestAction,
  requestPagePath,
} from './actions/requestAccess';
export type {
  ApiAccessRequestActionInput,
  ApiAccessRequestActionOptions,
  ApiAccessRequestActionOutput,
} from './actions/requestAccess';
