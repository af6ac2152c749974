export * from './ConsumerGrantsCard';
