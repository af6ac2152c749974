export * from './ApiAccessIcon';
