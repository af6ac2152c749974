/**
 * The api-access backend plugin: HTTP API, database, review workflow and grants.
 *
 * @packageDocumentation
 */
export { apiAccessPlugin as default } from './plugin';
export {
  apiAccessGrantConditions,
  apiAccessRequestConditions,
  createApiAccessGrantConditionalDecision,
  createApiAccessRequestConditionalDecision,
} from './permissions/conditionExports';
