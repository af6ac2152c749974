/*
 * The published api-access backend (a devDependency) next to the real
 * catalog, on SQLite and PostgreSQL: what this module runs inside in an
 * adopter's backend. Only the backend's public entry point is used, so the
 * test runs wherever the packages are installed, not only in this repo.
 */
import {
  TestDatabaseId,
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  BackendFeature,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import catalogPlugin from '@backstage/plugin-catalog-backend';
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

const CATALOG = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend-module-llm-assessor',
  'src/__fixtures__/catalog.yaml',
);

/** Ownership as the catalog sign-in resolver computes it for the fixture's users. */
const OWNERSHIP: Record<string, string[]> = {
  'user:default/requester': ['user:default/requester', 'group:default/team-a'],
  'user:default/owner.one': ['user:default/owner.one', 'group:default/team-c'],
};

export async function startApiAccessBackend(options: {
  knex: Knex;
  config?: JsonObject;
  extraFeatures?: BackendFeature[];
}) {
  const backend = await startTestBackend({
    features: [
      apiAccessPlugin,
      catalogPlugin,
      mockServices.database.factory({ knex: options.knex }),
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            rules: [{ allow: ['Component', 'API', 'Group', 'User'] }],
            locations: [{ type: 'file', target: CATALOG }],
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
    'component:default/team-a-service',
  ]);
  return backend;
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
