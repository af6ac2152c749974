export * from './OwnerGrantsCard';
