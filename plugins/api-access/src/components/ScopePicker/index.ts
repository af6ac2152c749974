export * from './ScopePicker';
