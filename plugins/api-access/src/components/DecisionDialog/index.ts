export * from './DecisionDialog';
