/**
 * Types, schemas, permissions, catalog keys and pure policy logic shared by
 * the api-access frontend and backend plugins.
 *
 * @packageDocumentation
 */
export * from './assessment';
export * from './auditExport';
export * from './catalogKeys';
export * from './classification';
export * from './conflictOfInterest';
export * from './credentialTypes';
export * from './definitionScopes';
export * from './excerpt';
export * from './incidentRevocation';
export * from './permissions';
export * from './plans';
export * from './policy';
export * from './reviewPlan';
export * from './schemas';
export * from './types';
export * from './generated';
