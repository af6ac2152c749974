/*
 * Test set-up shared by the backend tests: the api-access plugin next to the
 * real catalog backend, on SQLite and on PostgreSQL.
 */
import { readFileSync } from 'node:fs';
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
import { stringifyEntityRef } from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import yaml from 'js-yaml';
import request from 'supertest';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { apiAccessPlugin } from '../plugin';

/** PostgreSQL comes from BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING. */
const POSTGRES: TestDatabaseId = 'POSTGRES_15';

/**
 * Every store and route test runs on both databases. In CI a missing
 * PostgreSQL fails the run instead of silently testing SQLite alone.
 */
export function createTestDatabases() {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', POSTGRES] });
  if (process.env.CI && !databases.supports(POSTGRES)) {
    throw new Error(
      'PostgreSQL is required in CI: set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
    );
  }
  return databases;
}

export const FIXTURE_CATALOG = resolvePackagePath(
  '@internal/plugin-api-access-backend',
  'src/__fixtures__/catalog.yaml',
);

/**
 * Ownership refs the way Backstage's catalog sign-in computes them: the user
 * and the groups in its memberOf, read from the same catalog files.
 */
function ownershipFromCatalogFiles(files: string[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const file of files) {
    for (const doc of yaml.loadAll(readFileSync(file, 'utf8')) as any[]) {
      if (doc?.kind !== 'User') continue;
      const userRef = stringifyEntityRef({
        kind: 'user',
        namespace: 'default',
        name: doc.metadata.name,
      });
      const groups = (doc.spec?.memberOf ?? []).map((group: string) =>
        stringifyEntityRef({
          kind: 'group',
          namespace: 'default',
          name: group,
        }),
      );
      result.set(userRef, [userRef, ...groups]);
    }
  }
  return result;
}

export async function startApiAccessBackend(options: {
  knex: Knex;
  catalogFiles?: string[];
  config?: JsonObject;
  extraFeatures?: BackendFeature[];
  /** Entity refs to wait for before returning: the catalog processes asynchronously. */
  waitFor?: string[];
}) {
  const catalogFiles = options.catalogFiles ?? [FIXTURE_CATALOG];
  const ownership = ownershipFromCatalogFiles(catalogFiles);
  const backend = await startTestBackend({
    features: [
      apiAccessPlugin,
      catalogPlugin,
      mockServices.database.factory({ knex: options.knex }),
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            rules: [
              {
                allow: [
                  'Component',
                  'System',
                  'API',
                  'Resource',
                  'Location',
                  'Domain',
                  'Group',
                  'User',
                ],
              },
            ],
            locations: catalogFiles.map(target => ({ type: 'file', target })),
          },
          ...options.config,
        },
      }),
      mockServices.userInfo.mock({
        async getUserInfo(credentials: any) {
          const userEntityRef = credentials.principal.userEntityRef as string;
          return {
            userEntityRef,
            ownershipEntityRefs: ownership.get(userEntityRef) ?? [
              userEntityRef,
            ],
          };
        },
      }).factory,
      ...(options.extraFeatures ?? []),
    ],
  });
  const waitFor = options.waitFor ?? [
    'api:default/pets',
    'component:default/team-a-service',
    'api:default/plain',
    'api:default/invoices',
    'api:default/ledger-api',
  ];
  await waitForEntities(backend.server, waitFor);
  return backend;
}

/** Polls the catalog until every ref is stitched and served, or fails after 30 s. */
export async function waitForEntities(server: any, refs: string[]) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await request(server)
      .post('/api/catalog/entities/by-refs')
      .set('Authorization', mockCredentials.service.header())
      .send({ entityRefs: refs });
    const items = response.body?.items ?? [];
    if (response.status === 200 && items.every((item: unknown) => item)) {
      // Relations are stitched after the entity first appears.
      if (
        items.every(
          (item: any) =>
            (item.relations ?? []).length > 0 || item.kind === 'Location',
        )
      ) {
        return;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Catalog did not serve ${refs.join(', ')} within 30s: ${
          response.status
        } ${JSON.stringify(response.body).slice(0, 500)}`,
      );
    }
    await new Promise(r => setTimeout(r, 200));
  }
}
