export * from './ApiGrantsCard';
