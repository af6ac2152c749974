/*
 * Wires the module's parts from its config: what module.ts does at start-up,
 * and what tests use to get the same objects without a backend.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import type { OAuth2ClientConfig } from './config';
import { ClientStore, migrateOAuth2Clients } from './ClientStore';
import { ProviderMetadata } from './discovery';
import { OAuth2ClientProvisioner } from './OAuth2ClientProvisioner';
import { OAuth2ClientType, TokenVerification } from './OAuth2ClientType';
import { RegistrationClient } from './RegistrationClient';
import { SecretBox } from './SecretBox';
import { sweepClients } from './rekey';

export async function createOAuth2ClientType(options: {
  config: OAuth2ClientConfig;
  knex: Knex;
  logger: LoggerService;
  migrate?: boolean;
  fetch?: typeof fetch;
  verifier?: TokenVerification;
}) {
  const { config, knex, logger } = options;
  if (options.migrate !== false) {
    await migrateOAuth2Clients(knex);
  }
  const box = new SecretBox(config.encryption.keys);
  const store = new ClientStore(knex);
  const provider = new ProviderMetadata(config, options.fetch);
  const registration = new RegistrationClient({
    registrationEndpoint: async signal =>
      (await provider.endpoints(signal)).registrationEndpoint,
    initialAccessToken: config.initialAccessToken,
    initialAccessTokenScheme: config.initialAccessTokenScheme,
    timeoutSeconds: config.timeoutSeconds,
    fetch: options.fetch,
  });
  const provisioner = new OAuth2ClientProvisioner({
    config,
    store,
    box,
    registration,
    logger,
  });
  const type = new OAuth2ClientType({
    config,
    store,
    provisioner,
    provider,
    verifier: options.verifier,
    logger,
  });
  return {
    type,
    provisioner,
    store,
    box,
    provider,
    registration,
    sweep: () => sweepClients({ store, box, provisioner, logger }),
  };
}
