export * from './RequestAssistant';
