export * from './CredentialDialog';
