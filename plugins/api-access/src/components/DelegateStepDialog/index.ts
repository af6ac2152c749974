export * from './DelegateStepDialog';
