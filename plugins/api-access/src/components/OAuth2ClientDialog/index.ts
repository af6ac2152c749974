export * from './OAuth2ClientDialog';
