/*
 * Grants in the catalog graph, end to end: the real catalog, the api-access
 * backend and the catalog module in one backend. An approved grant shows as
 * consumesApi on the consumer and apiConsumedBy on the API after the
 * consumer's next processing; revoked, it is gone after the next one, while
 * the relations the consumer's YAML declares stay. The catalog processes
 * every 2 s here (the demo's default is 100-150 s).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import catalogModuleApiAccessGrants from '@api-access/backstage-plugin-catalog-backend-module-api-access';
import {
  createTestDatabases,
  FIXTURE_CATALOG,
  startApiAccessBackend,
} from './__testUtils__/apiAccessBackendSource';

const databases = createTestDatabases();

const CONSUMER = 'component:default/yaml-consumer';
const GRANTED_API = 'api:default/pets';
const DECLARED_API = 'api:default/weather';

/** A team-a component that also declares a consumed API in its YAML. */
function extraCatalog(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'grant-relations-')), 'c.yaml');
  writeFileSync(
    file,
    `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: yaml-consumer }
spec:
  type: service
  lifecycle: production
  owner: team-a
  consumesApis: [${DECLARED_API}]
`,
  );
  return file;
}

const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);

describe.each(databases.eachSupportedId())(
  'grants in the catalog graph on %p',
  databaseId => {
    let server: any;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      const files = [FIXTURE_CATALOG, extraCatalog()];
      const backend = await startApiAccessBackend({
        knex: await databases.init(databaseId),
        catalogFiles: files,
        config: {
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
            locations: files.map(target => ({ type: 'file', target })),
            processingInterval: { seconds: 2 },
          },
          apiAccess: { catalogRelations: { cacheSeconds: 1 } },
        },
        extraFeatures: [catalogModuleApiAccessGrants],
        waitFor: [CONSUMER, GRANTED_API, DECLARED_API],
      });
      server = backend.server;
      stop = () => backend.stop();
    }, 120_000);

    afterAll(async () => {
      await stop?.();
    });

    /** `type -> targetRef` of an entity's relations, sorted. */
    async function relationsOf(ref: string): Promise<string[]> {
      const [kind, rest] = ref.split(':');
      const [namespace, name] = rest.split('/');
      const response = await request(server)
        .get(`/api/catalog/entities/by-name/${kind}/${namespace}/${name}`)
        .set('Authorization', mockCredentials.service.header());
      expect(response.status).toBe(200);
      return (response.body.relations ?? [])
        .filter((r: any) => /consumesApi|apiConsumedBy/.test(r.type))
        .map((r: any) => `${r.type} ${r.targetRef}`)
        .sort();
    }

    /** Polls until `check` holds; answers the milliseconds it took. */
    async function waitUntil(
      what: string,
      check: () => Promise<boolean>,
      timeoutMs = 30_000,
    ): Promise<number> {
      const started = Date.now();
      for (;;) {
        if (await check()) return Date.now() - started;
        if (Date.now() - started > timeoutMs) {
          throw new Error(`${what} did not happen within ${timeoutMs} ms`);
        }
        await new Promise(r => setTimeout(r, 100));
      }
    }

    it('shows an active grant as consumesApi / apiConsumedBy, and drops it after revocation', async () => {
      expect(await relationsOf(CONSUMER)).toEqual([
        `consumesApi ${DECLARED_API}`,
      ]);

      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: GRANTED_API,
          consumerRef: CONSUMER,
          environment: 'sandbox',
          scopes: ['pets:read'],
          useCase: 'Show pet names on the yaml-consumer dashboard.',
          justification: 'Requested by product for the spring release.',
          credentialStorage: 'Vault, rotated monthly by the pipeline',
          durationDays: 30,
        });
      expect(created.status).toBe(201);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(approved.body.status).toBe('approved');

      const shownMs = await waitUntil('the grant relation', async () =>
        (await relationsOf(CONSUMER)).includes(`consumesApi ${GRANTED_API}`),
      );
      expect(await relationsOf(CONSUMER)).toEqual([
        `consumesApi ${GRANTED_API}`,
        `consumesApi ${DECLARED_API}`,
      ]);
      await waitUntil('apiConsumedBy on the API', async () =>
        (await relationsOf(GRANTED_API)).includes(`apiConsumedBy ${CONSUMER}`),
      );

      const revoked = await request(server)
        .post(`/api/api-access/grants/${approved.body.grantId}/revoke`)
        .set('Authorization', as('requester'))
        .send({ reason: 'The dashboard is retired.' });
      expect(revoked.status).toBe(200);
      const goneMs = await waitUntil(
        'the relations to go',
        async () =>
          !(
            await relationsOf(CONSUMER)
          ).includes(`consumesApi ${GRANTED_API}`) &&
          !(
            await relationsOf(GRANTED_API)
          ).includes(`apiConsumedBy ${CONSUMER}`),
      );
      // The YAML's own relation stays.
      expect(await relationsOf(CONSUMER)).toEqual([
        `consumesApi ${DECLARED_API}`,
      ]);
      // eslint-disable-next-line no-console
      console.log(
        `grant relations on ${databaseId}: shown ${shownMs} ms after approval, gone ${goneMs} ms after revocation (processing every 2-3 s, cache 1 s)`,
      );
    }, 90_000);
  },
);
