export * from './ReviewTimesPanel';
