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
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
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

/**
 * The gateway of the tests: `mockCredentials.service` tokens have the subject
 * `external:test-service`. Tests that call /introspect or /authorize list it
 * under `apiAccess.gateway`, as a real install lists its gateway's subject.
 */
export const TEST_GATEWAY_SUBJECT = 'external:test-service';
export const TEST_GATEWAY = { allowedSubjects: [TEST_GATEWAY_SUBJECT] };

/** An Authorization header for a service token with the given subject. */
export function serviceHeader(subject: string) {
  return `Bearer ${mockCredentials.service.token({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'api-access',
  })}`;
}

/** The test policy grants api-access.admin to members of this group only. */
export const TEST_ADMIN_GROUP = 'group:default/api-access-admins';
/** A member of TEST_ADMIN_GROUP in the fixture catalog. */
export const TEST_ADMIN = 'user:default/admin.one';

/**
 * The test policy grants api-access.audit.export to members of this group
 * (comp.one in the fixture catalog), as an app would to its auditors.
 */
export const TEST_COMPLIANCE_GROUP = 'group:default/compliance';

/** Who asks, as a permission policy sees them: undefined for services. */
export interface TestPolicyUser {
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

/**
 * A permission policy for a test: its answer for one permission, or
 * undefined for the default (everything ALLOW except api-access.admin, which
 * only members of TEST_ADMIN_GROUP get, and api-access.audit.export, which
 * only members of TEST_COMPLIANCE_GROUP get).
 */
export type TestPolicy = (
  permission: Permission,
  user: TestPolicyUser | undefined,
) => PolicyDecision | undefined;

export function defaultTestDecision(
  permission: Permission,
  user: TestPolicyUser | undefined,
): PolicyDecision {
  if (permission.name === 'api-access.admin') {
    return {
      result: user?.ownershipEntityRefs.includes(TEST_ADMIN_GROUP)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    };
  }
  if (permission.name === 'api-access.audit.export') {
    return {
      result: user?.ownershipEntityRefs.includes(TEST_COMPLIANCE_GROUP)
        ? AuthorizeResult.ALLOW
        : AuthorizeResult.DENY,
    };
  }
  return { result: AuthorizeResult.ALLOW };
}

/**
 * The permissions service of the tests: a realistic policy instead of the
 * test backend's allow-all. `authorize` (no conditions to hand back) counts a
 * CONDITIONAL answer as DENY; `authorizeConditional` hands it to the plugin,
 * which applies it in SQL or to the loaded resource.
 */
function testPermissions(
  ownership: Map<string, string[]>,
  policy: TestPolicy | undefined,
) {
  const decide = (permission: Permission, credentials: any) => {
    const userEntityRef =
      credentials?.principal?.type === 'user'
        ? (credentials.principal.userEntityRef as string)
        : undefined;
    const user = userEntityRef
      ? {
          userEntityRef,
          ownershipEntityRefs: ownership.get(userEntityRef) ?? [userEntityRef],
        }
      : undefined;
    return policy?.(permission, user) ?? defaultTestDecision(permission, user);
  };
  return mockServices.permissions.mock({
    async authorize(requests: any[], options?: any) {
      return requests.map(r => {
        const decision = decide(r.permission, options?.credentials);
        return {
          result:
            decision.result === AuthorizeResult.ALLOW
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        };
      });
    },
    async authorizeConditional(requests: any[], options?: any) {
      return requests.map(r => decide(r.permission, options?.credentials));
    },
  }).factory;
}

export const FIXTURE_CATALOG = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
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
  /**
   * The permission policy: by default everything is allowed except
   * api-access.admin, which only TEST_ADMIN_GROUP's members get. Ignored
   * when extraFeatures bring their own permissions service.
   */
  policy?: TestPolicy;
  /** Entity refs to wait for before returning: the catalog processes asynchronously. */
  waitFor?: string[];
}) {
  const catalogFiles = options.catalogFiles ?? [FIXTURE_CATALOG];
  const ownership = ownershipFromCatalogFiles(catalogFiles);
  const ownPermissions = (options.extraFeatures ?? []).some(
    (feature: any) => feature?.service?.id === 'core.permissions',
  );
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
      ...(ownPermissions ? [] : [testPermissions(ownership, options.policy)]),
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
