/*
 * What this module's tests share: the development identity provider behind
 * the fault proxy, the module's parts wired from a config that points at the
 * proxy, a logger that records every line, and grants/tasks as the
 * api-access queue hands them over.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import type {
  ProvisionedGrant,
  ProvisioningAction,
  ProvisioningTask,
} from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import { readOAuth2ClientConfig } from '../config';
import { createOAuth2ClientType } from '../createOAuth2ClientType';
import { DevProvider, startDevProvider } from './devProvider';
import { FaultProxy, startFaultProxy } from './faultProxy';

export const POSTGRES: TestDatabaseId = 'POSTGRES_15';
export const SCOPES = ['pets:read', 'pets:write', 'pets:admin'];
export const IAT = `iat-${randomBytes(16).toString('hex')}`;

/** SQLite and PostgreSQL; in CI a missing PostgreSQL fails instead of skipping. */
export function createTestDatabases() {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', POSTGRES] });
  if (process.env.CI && !databases.supports(POSTGRES)) {
    throw new Error(
      'PostgreSQL is required in CI: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
    );
  }
  return databases;
}

/** A logger that keeps every line with its metadata, as JSON text. */
export function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const make = (meta: object): LoggerService => {
    const log =
      (level: string) => (message: string, extra?: Error | object) => {
        lines.push(
          JSON.stringify({
            level,
            message,
            ...meta,
            extra:
              extra instanceof Error
                ? { name: extra.name, message: extra.message }
                : extra,
          }),
        );
      };
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: childMeta => make({ ...meta, ...childMeta }),
    };
  };
  return Object.assign(make({}), { lines });
}

/** The provider and the proxy in front of it, for one test file. */
export async function startIdentityProvider(
  options: { rotateRat?: boolean } = {},
): Promise<{
  provider: DevProvider;
  proxy: FaultProxy;
  stop(): Promise<void>;
}> {
  const provider = await startDevProvider({
    scopes: SCOPES,
    initialAccessToken: IAT,
    rotateRat: options.rotateRat,
  });
  const proxy = await startFaultProxy({ target: provider.issuer });
  return {
    provider,
    proxy,
    async stop() {
      await proxy.stop();
      await provider.stop();
    },
  };
}

export function moduleConfigData(
  provider: DevProvider,
  proxy: FaultProxy,
  overrides: Record<string, unknown> = {},
) {
  return {
    issuer: provider.issuer,
    discoveryUrl: `${proxy.url}/.well-known/openid-configuration`,
    initialAccessToken: IAT,
    timeoutSeconds: 1,
    extraMetadata: {
      api_access_resource: '{audience}',
      api_access_grant: '{grantId}',
      api_access_expires_at: '{expiresAt}',
    },
    encryption: {
      keys: [{ id: 'k1', secret: randomBytes(32).toString('base64') }],
    },
    ...overrides,
  };
}

export async function createModuleParts(options: {
  knex: Knex;
  provider: DevProvider;
  proxy: FaultProxy;
  logger?: LoggerService;
  overrides?: Record<string, unknown>;
  fetch?: typeof fetch;
}) {
  const config = readOAuth2ClientConfig(
    new ConfigReader({
      apiAccess: {
        oauth2Client: moduleConfigData(
          options.provider,
          options.proxy,
          options.overrides,
        ),
      },
    } as any),
  )!;
  const logger = options.logger ?? recordingLogger();
  const parts = await createOAuth2ClientType({
    config,
    knex: options.knex,
    logger,
    fetch: options.fetch,
  });
  return { ...parts, config, logger };
}

export function makeGrant(
  overrides: Partial<ProvisionedGrant> = {},
): ProvisionedGrant {
  return {
    id: randomUUID(),
    requestId: randomUUID(),
    apiRef: 'api:default/petstore',
    consumerRef: 'component:default/team-a-service',
    requesterRef: 'user:default/requester',
    environment: 'sandbox',
    scopes: ['pets:read'],
    credentialType: 'oauth2-client',
    expiresAt: new Date(Date.now() + 90 * 86400_000).toISOString(),
    ...overrides,
  };
}

export function makeTask(
  grant: ProvisionedGrant,
  action: ProvisioningAction = 'provision',
  extra: Partial<ProvisioningTask> = {},
): ProvisioningTask {
  return { id: randomUUID(), action, attempt: 1, grant, ...extra };
}

/** client_credentials at the provider's token endpoint (not through the proxy). */
export async function fetchToken(
  provider: DevProvider,
  clientId: string,
  clientSecret: string,
  scope = 'pets:read',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(
        `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
      ).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * A fetch that passes everything through and keeps every secret the
 * provider answered (client secrets, registration access tokens), so a test
 * can look for them where they must not be.
 */
export function secretCollectingFetch(): {
  fetch: typeof fetch;
  secrets: Set<string>;
} {
  const secrets = new Set<string>();
  // The fetch of the moment, so installing this one globally does not recurse.
  const base = globalThis.fetch;
  const collecting: typeof fetch = async (input, init) => {
    const response = await base(input, init);
    const text = await response.clone().text();
    try {
      const body = JSON.parse(text);
      for (const key of ['client_secret', 'registration_access_token']) {
        if (typeof body?.[key] === 'string') secrets.add(body[key]);
      }
    } catch {
      // not JSON: nothing to collect
    }
    return response;
  };
  return { fetch: collecting, secrets };
}

/** Every api_access_% table, `SELECT *`, as one JSON text. */
export async function dumpApiAccessTables(knex: Knex): Promise<string> {
  const client = String(knex.client.config.client);
  const names: string[] = client.includes('pg')
    ? (
        await knex.raw(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'api_access_%'",
        )
      ).rows.map((r: { name: string }) => r.name)
    : (
        await knex.raw(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'api_access_%'",
        )
      ).map((r: { name: string }) => r.name);
  const dump: Record<string, unknown[]> = {};
  for (const name of names.sort()) {
    dump[name] = await knex(name).select('*');
  }
  return JSON.stringify(dump);
}

/** The forms a secret could take in text: as is, base64, base64url, hex. */
export function encodingsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('hex'),
  ];
}
