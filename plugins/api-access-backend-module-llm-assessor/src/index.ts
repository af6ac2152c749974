/**
 * Optional LLM assessor for the api-access request assistant.
 *
 * @packageDocumentation
 */
export { apiAccessModuleLlmAssessor as default } from './module';
export { LlmAssessor, LLM_ASSESSOR_ID, systemPrompt } from './LlmAssessor';
export { readLlmAssessorConfig } from './config';
export type { LlmAssessorConfig } from './config';
