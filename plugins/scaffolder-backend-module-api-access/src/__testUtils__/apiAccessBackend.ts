/*
 * The published api-access backend (a devDependency) next to the real
 * catalog, on SQLite and PostgreSQL: what the action talks to in an
 * adopter's Backstage. Only public entry points are used, so the tests run
 * wherever the packages are installed, not only in this repository.
 */
import { AddressInfo } from 'node:net';
import {
  TestDatabaseId,
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  BackendFeature,
  DiscoveryService,
  coreServices,
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import catalogPlugin from '@backstage/plugin-catalog-backend';
// Tests only (a devDependency): the action is tested against the real backend
// it calls over HTTP; the module itself never imports it.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import apiAccessPlugin from '@api-access/backstage-plugin-api-access-backend';
import { Knex } from 'knex';
import request from 'supertest';

const POSTGRES: TestDatabaseId = 'POSTGRES_15';

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

const fixture = (name: string) =>
  resolvePackagePath(
    '@api-access/backstage-plugin-scaffolder-backend-module-api-access',
    `src/__fixtures__/${name}`,
  );
export const CATALOG = fixture('catalog.yaml');
export const TEMPLATE = fixture('template.yaml');

export const REQUESTER = 'user:default/requester';
export const OWNER = 'user:default/owner.one';
export const STRANGER = 'user:default/stranger';
export const CONSUMER = 'component:default/team-a-service';

/** Ownership as the catalog sign-in resolver computes it for the fixture's users. */
const OWNERSHIP: Record<string, string[]> = {
  [REQUESTER]: [REQUESTER, 'group:default/team-a'],
  [OWNER]: [OWNER, 'group:default/team-c'],
};

export async function startApiAccessBackend(options: {
  knex: Knex;
  /**
   * A database of its own for the scaffolder: it keeps its migrations in the
   * default knex_migrations table, as the catalog does, so the two cannot
   * share one (a real backend gives each plugin its own database).
   */
  scaffolderKnex?: Knex;
  config?: JsonObject;
  /** Extra catalog files, e.g. TEMPLATE (then add the entity model module). */
  catalogFiles?: string[];
  extraFeatures?: BackendFeature[];
}) {
  const files = [CATALOG, ...(options.catalogFiles ?? [])];
  const backend = await startTestBackend({
    features: [
      apiAccessPlugin,
      catalogPlugin,
      createServiceFactory({
        service: coreServices.database,
        deps: { plugin: coreServices.pluginMetadata },
        factory: ({ plugin }) =>
          mockServices.database({
            knex:
              plugin.getId() === 'scaffolder' && options.scaffolderKnex
                ? options.scaffolderKnex
                : options.knex,
          }),
      }),
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            rules: [
              { allow: ['Component', 'API', 'Group', 'User', 'Template'] },
            ],
            locations: files.map(target => ({ type: 'file', target })),
          },
          ...options.config,
        },
      }),
      mockServices.userInfo.mock({
        async getUserInfo(credentials: any) {
          const userEntityRef = credentials.principal.userEntityRef as string;
          return {
            userEntityRef,
            ownershipEntityRefs: OWNERSHIP[userEntityRef] ?? [userEntityRef],
          };
        },
      }).factory,
      ...(options.extraFeatures ?? []),
    ],
  });
  await waitForEntities(backend.server, [
    'api:default/pets',
    CONSUMER,
    ...(options.catalogFiles?.includes(TEMPLATE)
      ? ['template:default/request-pets']
      : []),
  ]);
  return backend;
}

/** Discovery for code outside the test backend: its one server has every plugin. */
export function discoveryFor(server: any): DiscoveryService {
  const { port } = server.address() as AddressInfo;
  const url = async (pluginId: string) =>
    `http://localhost:${port}/api/${pluginId}`;
  return { getBaseUrl: url, getExternalBaseUrl: url };
}

/** Polls the catalog until every ref is served with its relations, or fails after 30 s. */
async function waitForEntities(server: any, refs: string[]) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await request(server)
      .post('/api/catalog/entities/by-refs')
      .set('Authorization', mockCredentials.service.header())
      .send({ entityRefs: refs });
    const items: any[] = response.body?.items ?? [];
    if (
      response.status === 200 &&
      items.every(item => item && (item.relations ?? []).length > 0)
    ) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`Catalog did not serve ${refs.join(', ')} within 30s`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

/** Row counts of every api_access table: equal before and after means nothing was written. */
export async function apiAccessRowCounts(
  knex: Knex,
): Promise<Record<string, number>> {
  const dialect = String(knex.client.config.client);
  const names: string[] = dialect.includes('pg')
    ? (
        await knex.raw(
          `select tablename as name from pg_tables where schemaname = current_schema()`,
        )
      ).rows.map((row: any) => row.name)
    : (
        await knex.raw(`select name from sqlite_master where type = 'table'`)
      ).map((row: any) => row.name);
  const counts: Record<string, number> = {};
  for (const name of names
    .filter(n => n.startsWith('api_access') && !n.includes('migrations'))
    .sort()) {
    const [{ count }] = await knex(name).count({ count: '*' });
    counts[name] = Number(count);
  }
  return counts;
}

/**
 * Jest runs tests in a VM context, but Node's fetch parses JSON in the main
 * realm, so arrays it returns have another Array.prototype. The scaffolder's
 * template renderer (nunjitsu) refuses such arrays ("Template arrays cannot
 * use a custom prototype"). A running Backstage has one realm; in tests, the
 * answers of fetch are re-parsed in the test's realm.
 */
export function useSingleRealmFetch() {
  const nativeFetch = globalThis.fetch;
  beforeAll(() => {
    globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
      const response = await nativeFetch(...args);
      const json = response.json.bind(response);
      response.json = async () => JSON.parse(JSON.stringify(await json()));
      return response;
    };
  });
  afterAll(() => {
    globalThis.fetch = nativeFetch;
  });
}
