/*
 * The module in a real catalog, against a stand-in for the api-access
 * backend that records who asks: the catalog asks as itself
 * (plugin:catalog), once per cache period for a whole catalog, and a
 * failing backend costs warnings, not processing errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { ServiceUnavailableError } from '@backstage/errors';
import Router from 'express-promise-router';
import request from 'supertest';
import { catalogModuleApiAccessGrants } from './module';

const COMPONENTS = 300;

function catalogFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grant-relations-module-'));
  const docs = [
    `apiVersion: backstage.io/v1alpha1
kind: API
metadata: { name: pets }
spec: { type: openapi, lifecycle: production, owner: team-c, definition: 'openapi: 3.0.0' }`,
    `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: northwind }
spec: { type: partner, children: [] }`,
  ];
  for (let i = 0; i < COMPONENTS; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: c${i} }
spec: { type: service, lifecycle: production, owner: team-a }`);
  }
  const file = join(dir, 'catalog.yaml');
  writeFileSync(file, docs.join('\n---\n'));
  return file;
}

/** A stand-in api-access backend: GET /catalog/relations, with its callers recorded. */
function fakeApiAccess(state: {
  callers: string[];
  fail: boolean;
  items: Array<{ consumerRef: string; apiRef: string }>;
}) {
  return createBackendPlugin({
    pluginId: 'api-access',
    register(env) {
      env.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
        },
        async init({ httpRouter, httpAuth }) {
          const router = Router();
          router.get('/catalog/relations', async (req, res) => {
            const credentials = await httpAuth.credentials(req, {
              allow: ['service'],
            });
            state.callers.push(credentials.principal.subject);
            if (state.fail) {
              throw new ServiceUnavailableError('down for maintenance');
            }
            res.json({
              items: state.items,
              generatedAt: new Date().toISOString(),
            });
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

async function relationsOf(server: any, kind: string, name: string) {
  const response = await request(server)
    .get(`/api/catalog/entities/by-name/${kind}/default/${name}`)
    .set('Authorization', mockCredentials.service.header());
  return (response.body.relations ?? [])
    .filter((r: any) => /consumesApi|apiConsumedBy/.test(r.type))
    .map((r: any) => `${r.type} ${r.targetRef}`)
    .sort();
}

async function waitFor(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

describe('catalogModuleApiAccessGrants', () => {
  it('asks as plugin:catalog once per period for a whole catalog, and emits the relations', async () => {
    const state = {
      callers: [] as string[],
      fail: false,
      items: [
        { consumerRef: 'component:default/c7', apiRef: 'api:default/pets' },
        { consumerRef: 'group:default/northwind', apiRef: 'api:default/pets' },
      ],
    };
    const file = catalogFile();
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleApiAccessGrants,
        fakeApiAccess(state),
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Component', 'API', 'Group', 'Location'] }],
              locations: [{ type: 'file', target: file }],
            },
            apiAccess: { catalogRelations: { cacheSeconds: 600 } },
          },
        }),
      ],
    });
    const server = backend.server;
    try {
      // Every entity processed and stitched (each has its ownedBy).
      const refs = [
        'api:default/pets',
        'group:default/northwind',
        ...Array.from(
          { length: COMPONENTS },
          (_, i) => `component:default/c${i}`,
        ),
      ];
      await waitFor(async () => {
        const response = await request(server)
          .post('/api/catalog/entities/by-refs')
          .set('Authorization', mockCredentials.service.header())
          .send({ entityRefs: refs });
        const items: any[] = response.body.items ?? [];
        return (
          items.length === refs.length &&
          items.every(
            item =>
              item?.relations?.length > 0 || item?.kind === 'Group' || false,
          ) &&
          (await relationsOf(server, 'api', 'pets')).length === 2
        );
      }, 'the catalog to process');
      expect(await relationsOf(server, 'component', 'c7')).toEqual([
        'consumesApi api:default/pets',
      ]);
      expect(await relationsOf(server, 'group', 'northwind')).toEqual([
        'consumesApi api:default/pets',
      ]);
      expect(await relationsOf(server, 'api', 'pets')).toEqual([
        'apiConsumedBy component:default/c7',
        'apiConsumedBy group:default/northwind',
      ]);
      expect(await relationsOf(server, 'component', 'c8')).toEqual([]);
      // 300 components and a group processed: one call, as the catalog.
      expect(state.callers).toEqual(['plugin:catalog']);
    } finally {
      await backend.stop();
    }
  }, 90_000);

  it('never fails processing when the api-access backend does not answer', async () => {
    const state = { callers: [] as string[], fail: true, items: [] };
    const logger = mockServices.logger.mock();
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleApiAccessGrants,
        fakeApiAccess(state),
        logger.factory,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Component', 'API', 'Group', 'Location'] }],
              locations: [{ type: 'file', target: catalogFile() }],
            },
          },
        }),
      ],
    });
    const server = backend.server;
    try {
      await waitFor(async () => {
        const response = await request(server)
          .get('/api/catalog/entities/by-name/component/default/c7')
          .set('Authorization', mockCredentials.service.header());
        return response.status === 200 && response.body.relations?.length > 0;
      }, 'c7 to be served');
      expect(await relationsOf(server, 'component', 'c7')).toEqual([]);
      expect(state.callers.length).toBeGreaterThanOrEqual(1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(
          '503 Service Unavailable: down for maintenance. Emitting no grant relations',
        ),
      );
    } finally {
      await backend.stop();
    }
  }, 90_000);
});
