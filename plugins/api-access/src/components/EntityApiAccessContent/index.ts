export * from './EntityApiAccessContent';
