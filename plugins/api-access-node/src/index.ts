/**
 * Extension points for api-access backend modules.
 *
 * @packageDocumentation
 */
export * from './provisioners';
