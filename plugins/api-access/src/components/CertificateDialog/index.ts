export * from './CertificateDialog';
