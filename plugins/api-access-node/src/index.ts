/**
 * Extension points for api-access backend modules.
 *
 * @packageDocumentation
 */
export * from './assessors';
export * from './credentialTypes';
export * from './provisioners';
