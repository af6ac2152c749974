export * from './ResubmitDialog';
