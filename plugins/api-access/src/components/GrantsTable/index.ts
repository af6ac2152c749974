export * from './GrantsTable';
