export * from './RequestAccessDialog';
