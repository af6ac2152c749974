export * from './TermsFields';
