export * from './TermsAcceptance';
