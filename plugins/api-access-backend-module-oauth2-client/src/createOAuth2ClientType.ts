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
import { TokenVerifier, TOKEN_REFUSALS } from './TokenVerifier';
import { CredentialRefusal } from '@api-access/backstage-plugin-api-access-node';

/**
 * The TokenVerifier, built once the JWKS location is known (configured, or
 * from discovery on the first token). Discovery failing is the provider's
 * problem, not the token's: 503, and tried again on the next token.
 */
export function lazyTokenVerifier(
  config: OAuth2ClientConfig,
  provider: ProviderMetadata,
): TokenVerification {
  let verifier: Promise<TokenVerifier> | undefined;
  return {
    async verify(token) {
      if (!verifier) {
        verifier = provider.endpoints().then(
          endpoints =>
            new TokenVerifier({
              issuer: config.issuer,
              jwksUri: endpoints.jwksUri,
              algorithms: config.verification.algorithms,
              clientIdClaims: config.verification.clientIdClaims,
              clockToleranceSeconds: config.verification.clockToleranceSeconds,
              jwksCooldownSeconds: config.verification.jwksCooldownSeconds,
              jwksCacheMaxAgeSeconds:
                config.verification.jwksCacheMaxAgeSeconds,
              jwksTimeoutMs: config.timeoutSeconds * 1000,
              requiredTyp: config.verification.requiredTyp,
            }),
        );
        verifier.catch(() => {
          verifier = undefined;
        });
      }
      let ready: TokenVerifier;
      try {
        ready = await verifier;
      } catch {
        throw new CredentialRefusal(TOKEN_REFUSALS.keysUnavailable, 503);
      }
      return ready.verify(token);
    },
  };
}

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
    verifier: options.verifier ?? lazyTokenVerifier(config, provider),
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
