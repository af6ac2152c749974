export * from './RequestPage';
