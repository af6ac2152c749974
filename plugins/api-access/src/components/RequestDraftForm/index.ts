export * from './RequestDraftForm';
