/*
 * The module in a real catalog, against a stand-in for the api-access
 * backend that records who asks: the catalog asks as itself
 * (plugin:catalog), once per cache period for a whole catalog, and a
 * failing backend costs warnings, not processing errors.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
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

  it('reports a malformed api-access/plans declaration as processing errors on the API, naming each problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plans-module-'));
    const file = join(dir, 'catalog.yaml');
    const api = (plans: string) => `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: pets
  annotations:
    api-access/environments: sandbox, production
    api-access/plans: |
${plans
  .split('\n')
  .map(line => `      ${line}`)
  .join('\n')}
spec:
  type: openapi
  lifecycle: production
  owner: team-c
  definition: |
    openapi: 3.0.0
    components:
      securitySchemes:
        oauth:
          type: oauth2
          flows:
            clientCredentials:
              scopes: { pets:read: read, pets:write: write }
`;
    // Replaced in one step, so the catalog never reads half a file.
    const write = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    write(
      api(
        '- starter\n- name: standard\n  environments: [production]\n  scopes: [pets:write]',
      ),
    );
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleApiAccessGrants,
        fakeApiAccess({ callers: [], fail: false, items: [] }),
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['API', 'Location'] }],
              locations: [{ type: 'file', target: file }],
              processingInterval: { seconds: 1 },
            },
            apiAccess: {
              environments: ['sandbox', 'staging', 'production'],
              plans: [
                {
                  name: 'starter',
                  title: 'Starter',
                  scopes: 'read',
                  rateLimit: { requests: 5, perSeconds: 1 },
                  quota: { requests: 1000, period: 'day' },
                  maxDurationDays: 90,
                },
                {
                  name: 'standard',
                  title: 'Standard',
                  rateLimit: { requests: 50, perSeconds: 1 },
                  maxDurationDays: 365,
                  environments: ['staging', 'production'],
                },
              ],
            },
          },
        }),
      ],
    });
    const server = backend.server;
    const pets = async () =>
      (
        await request(server)
          .get('/api/catalog/entities/by-name/api/default/pets')
          .set('Authorization', mockCredentials.service.header())
      ).body;
    const errorsOf = (entity: any): string[] =>
      (entity?.status?.items ?? [])
        .filter((item: any) => item.level === 'error')
        .map((item: any) => item.message);
    try {
      // A good declaration (scopes read from the OpenAPI definition): no error.
      await waitFor(
        async () => (await pets())?.metadata?.name === 'pets',
        'pets to be served',
      );
      expect(errorsOf(await pets())).toEqual([]);

      // An unknown tier, a scope the API lacks, an environment it does not
      // offer (the tier's own), a bad rate limit, a name listed twice.
      write(
        api(
          [
            '- gold',
            '- name: starter',
            '  scopes: [pets:read, pets:delete]',
            '- standard',
            '- name: starter',
            '  rateLimit: { requests: 0, perSeconds: 1 }',
          ].join('\n'),
        ),
      );
      await waitFor(
        async () => errorsOf(await pets()).length > 0,
        'the processing errors',
      );
      const errors = errorsOf(await pets());
      expect(errors).toEqual([
        "InputError: Annotation api-access/plans, plan 1: 'gold' is not a plan the platform defines (apiAccess.plans has 'starter', 'standard')",
        "InputError: Annotation api-access/plans, plan 2 ('starter'): scopes 'pets:delete' are not scopes of this API (pets:read, pets:write)",
        "InputError: Annotation api-access/plans, plan 3 ('standard'): environments 'staging' are not environments of this API (sandbox, production)",
        'InputError: Annotation api-access/plans, plan 4: rateLimit.requests: Number must be greater than or equal to 1',
      ]);

      // Fixed: the errors go at the next processing.
      write(api('- starter'));
      await waitFor(
        async () => errorsOf(await pets()).length === 0,
        'the errors to clear',
      );
    } finally {
      await backend.stop();
    }
  }, 90_000);
});
