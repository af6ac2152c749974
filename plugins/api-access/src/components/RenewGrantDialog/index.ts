export * from './RenewGrantDialog';
