export * from './ReviewInboxCard';
