export * from './RevokeGrantDialog';
