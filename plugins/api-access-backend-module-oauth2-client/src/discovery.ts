/*
 * The identity provider's endpoints. Explicit config wins; whatever is
 * missing comes from the provider's discovery document, fetched lazily on
 * first need (never at start-up, so a provider that is down does not keep
 * Backstage from starting), cached for an hour and fetched again on the
 * next need after a failure.
 */
import { ProvisioningError } from '@api-access/backstage-plugin-api-access-node';
import type { OAuth2ClientConfig } from './config';

export interface ProviderEndpoints {
  registrationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

const CACHE_MS = 60 * 60 * 1000;

function wellKnown(issuer: string, suffix: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/${suffix}`;
}

export class ProviderMetadata {
  private cached?: { endpoints: ProviderEndpoints; at: number };
  private inFlight?: Promise<ProviderEndpoints>;
  private everAnswered = false;

  constructor(
    private readonly config: Pick<
      OAuth2ClientConfig,
      | 'issuer'
      | 'discoveryUrl'
      | 'registrationEndpoint'
      | 'tokenEndpoint'
      | 'jwksUri'
      | 'timeoutSeconds'
    >,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the endpoints are known (configured, or discovery worked once). */
  get known(): boolean {
    return this.explicit() !== undefined || this.everAnswered;
  }

  async endpoints(signal?: AbortSignal): Promise<ProviderEndpoints> {
    const explicit = this.explicit();
    if (explicit) return explicit;
    if (this.cached && this.now() - this.cached.at < CACHE_MS) {
      return this.cached.endpoints;
    }
    if (!this.inFlight) {
      this.inFlight = this.discover(signal).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private explicit(): ProviderEndpoints | undefined {
    const { registrationEndpoint, tokenEndpoint, jwksUri } = this.config;
    if (registrationEndpoint && tokenEndpoint && jwksUri) {
      return { registrationEndpoint, tokenEndpoint, jwksUri };
    }
    return undefined;
  }

  private async discover(signal?: AbortSignal): Promise<ProviderEndpoints> {
    const urls = this.config.discoveryUrl
      ? [this.config.discoveryUrl]
      : [
          wellKnown(this.config.issuer, 'openid-configuration'),
          wellKnown(this.config.issuer, 'oauth-authorization-server'),
        ];
    let failure = '';
    for (const url of urls) {
      let document: Record<string, unknown>;
      try {
        document = await this.fetchDocument(url, signal);
      } catch (error) {
        failure = (error as Error).message;
        continue;
      }
      const pick = (key: string) =>
        typeof document[key] === 'string'
          ? (document[key] as string)
          : undefined;
      const endpoints = {
        registrationEndpoint:
          this.config.registrationEndpoint ?? pick('registration_endpoint'),
        tokenEndpoint: this.config.tokenEndpoint ?? pick('token_endpoint'),
        jwksUri: this.config.jwksUri ?? pick('jwks_uri'),
      };
      const missing = Object.entries({
        registration_endpoint: endpoints.registrationEndpoint,
        token_endpoint: endpoints.tokenEndpoint,
        jwks_uri: endpoints.jwksUri,
      })
        .filter(([, value]) => !value)
        .map(([key]) => key);
      if (missing.length > 0) {
        throw new ProvisioningError(
          `the identity provider's discovery document at ${url} has no ${missing.join(
            ', ',
          )}; set it in apiAccess.oauth2Client`,
        );
      }
      this.cached = {
        endpoints: endpoints as ProviderEndpoints,
        at: this.now(),
      };
      this.everAnswered = true;
      return endpoints as ProviderEndpoints;
    }
    throw new ProvisioningError(
      `the identity provider's discovery document could not be read (${failure})`,
    );
  }

  private async fetchDocument(
    url: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const timeout = AbortSignal.timeout(this.config.timeoutSeconds * 1000);
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) {
        throw new Error(
          `${url} did not answer within ${this.config.timeoutSeconds} s`,
        );
      }
      throw new Error(`${url} could not be reached: ${networkCause(error)}`);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`${url} answered ${response.status}`);
    }
    try {
      const body = await response.json();
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        return body as Record<string, unknown>;
      }
    } catch {
      // falls through
    }
    throw new Error(`${url} answered with a body that is not a JSON object`);
  }
}

/** `ECONNREFUSED`, `ENOTFOUND`, ...: the cause's code, never a URL with secrets. */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })
    ?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string')
    return cause.message.slice(0, 120);
  return error instanceof Error ? error.message.slice(0, 120) : 'unknown error';
}
