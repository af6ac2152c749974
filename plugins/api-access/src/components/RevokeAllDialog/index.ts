export * from './RevokeAllDialog';
