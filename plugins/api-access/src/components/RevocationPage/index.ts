export * from './RevocationPage';
