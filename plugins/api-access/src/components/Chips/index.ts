export * from './Chips';
