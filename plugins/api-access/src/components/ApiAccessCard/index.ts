export * from './ApiAccessCard';
