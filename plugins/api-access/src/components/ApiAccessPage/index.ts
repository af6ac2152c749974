export * from './ApiAccessPage';
