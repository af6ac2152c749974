/*
 * The demo backend's own parts against real Backstage plugins: the example
 * catalog loads completely, every example API gets the profile its catalog
 * entity implies, and the demo sign-in issues real tokens only for real users.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import authPlugin from '@backstage/plugin-auth-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import apiAccessPlugin from '@api-access/backstage-plugin-api-access-backend';
import yaml from 'js-yaml';
import request from 'supertest';
import {
  authModuleDemoProvider,
  demoAuthenticator,
} from './modules/demoAuthProvider';
import { catalogModuleDemoOverlay } from './modules/demoCatalogOverlay';
import { catalogModuleExampleCompat } from './modules/exampleCatalogCompat';

// `yarn start` runs the backend in packages/backend, so relative paths in
// app-config are relative to it; tests may run from anywhere.
const packageDir = resolve(__dirname, '..');
const repoRoot = resolve(packageDir, '../..');
const appConfig = yaml.load(
  readFileSync(resolve(repoRoot, 'app-config.yaml'), 'utf8'),
) as any;
const productionConfig = yaml.load(
  readFileSync(resolve(repoRoot, 'app-config.production.yaml'), 'utf8'),
) as any;

const EXAMPLE_APIS = resolve(repoRoot, 'catalog/backstage-examples/apis');

/** Each example API's owner as its YAML names it, read from the files themselves. */
function exampleApiOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const doc of yaml.loadAll(
    readFileSync(
      resolve(repoRoot, 'catalog/backstage-examples/all-apis.yaml'),
      'utf8',
    ),
  ) as any[]) {
    for (const target of doc.spec.targets as string[]) {
      const api = yaml.load(
        readFileSync(resolve(EXAMPLE_APIS, '..', target), 'utf8'),
      ) as any;
      const owner = String(api.spec.owner);
      owners.set(
        api.metadata.name,
        owner.includes(':') ? owner : `group:default/${owner}`,
      );
    }
  }
  return owners;
}

// What the demo's overlay and catalog say each API's classification is.
const EXPECTED_CLASSIFICATION: Record<
  string,
  { level: string; source: string }
> = {
  'hello-world': { level: 'public', source: 'api:default/hello-world' },
  spotify: { level: 'public', source: 'api:default/spotify' },
  petstore: { level: 'internal', source: 'api:default/petstore' },
  streetlights: { level: 'restricted', source: 'api:default/streetlights' },
  'backstage-mcp-server': {
    level: 'restricted',
    source: 'api:default/backstage-mcp-server',
  },
  'wayback-archive': {
    level: 'confidential',
    source: 'api:default/wayback-archive',
  },
  'wayback-search': {
    level: 'confidential',
    source: 'api:default/wayback-search',
  },
  'hello-world-trpc': {
    level: 'confidential',
    source: 'system:default/audio-playback',
  },
  'starwars-graphql': { level: 'internal', source: 'domain:default/playback' },
  'petstore-webhook': { level: 'internal', source: 'default' },
};

describe('the demo backend', () => {
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        authPlugin,
        authModuleDemoProvider,
        catalogPlugin,
        catalogModuleExampleCompat,
        catalogModuleDemoOverlay,
        apiAccessPlugin,
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://localhost:3000' },
            auth: appConfig.auth,
            catalog: {
              ...appConfig.catalog,
              locations: appConfig.catalog.locations.map((location: any) => ({
                ...location,
                target: resolve(packageDir, location.target),
              })),
            },
            apiAccessDemo: {
              ...appConfig.apiAccessDemo,
              catalogOverlay: resolve(
                packageDir,
                appConfig.apiAccessDemo.catalogOverlay,
              ),
            },
            apiAccess: appConfig.apiAccess,
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();

    // Wait until the catalog has processed every example API.
    const names = Object.keys(EXPECTED_CLASSIFICATION);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await request(server)
        .post('/api/catalog/entities/by-refs')
        .set('Authorization', mockCredentials.service.header())
        .send({
          entityRefs: [
            ...names.map(n => `api:default/${n}`),
            'user:default/morgan.lee',
          ],
        });
      const items: any[] = response.body.items ?? [];
      if (items.every(item => item?.relations?.length)) break;
      if (Date.now() > deadline) {
        throw new Error(
          `catalog incomplete: ${JSON.stringify(
            items.map(i => i?.metadata?.name ?? null),
          )}`,
        );
      }
      await new Promise(r => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(async () => {
    await stop?.();
  });

  it('loads all 10 example APIs, including those whose definitions are remote', async () => {
    const response = await request(server)
      .get('/api/catalog/entities?filter=kind=api')
      .set(
        'Authorization',
        mockCredentials.user.header('user:default/breanna.davison'),
      );
    const names = response.body.map((e: any) => e.metadata.name).sort();
    expect(names).toEqual(Object.keys(EXPECTED_CLASSIFICATION).sort());
    const spotify = response.body.find(
      (e: any) => e.metadata.name === 'spotify',
    );
    expect(spotify.spec.definition).toContain('could not be read');
    const webhook = response.body.find(
      (e: any) => e.metadata.name === 'petstore-webhook',
    );
    expect(webhook.spec.definition).toContain('webhooks');
  });

  it.each(Object.entries(EXPECTED_CLASSIFICATION))(
    'profiles %s with the owner its entity names and the right classification source',
    async (name, classification) => {
      const response = await request(server)
        .get(`/api/api-access/apis/default/${name}/profile`)
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/breanna.davison'),
        );
      expect(response.status).toBe(200);
      expect(response.body.ownerRef).toBe(exampleApiOwners().get(name));
      expect(response.body.classification).toEqual(classification);
    },
  );

  it('covers every classification level, at least one from a System', () => {
    const levels = new Set(
      Object.values(EXPECTED_CLASSIFICATION).map(c => c.level),
    );
    expect([...levels].sort()).toEqual([
      'confidential',
      'internal',
      'public',
      'restricted',
    ]);
    expect(
      Object.values(EXPECTED_CLASSIFICATION).some(c =>
        c.source.startsWith('system:'),
      ),
    ).toBe(true);
  });

  describe('demo sign-in', () => {
    const refresh = (userEntityRef?: string) =>
      request(server)
        .get('/api/auth/demo/refresh')
        .query(userEntityRef === undefined ? {} : { userEntityRef })
        .set('X-Requested-With', 'XMLHttpRequest');

    it.each([
      [
        'user:default/calum.leavy',
        ['group:default/team-c', 'user:default/calum.leavy'],
      ],
      [
        'user:default/morgan.lee',
        [
          'group:default/team-a',
          'group:default/team-c',
          'user:default/morgan.lee',
        ],
      ],
      [
        'user:default/priya.natarajan',
        ['group:default/northwind-traders', 'user:default/priya.natarajan'],
      ],
    ])(
      'issues a token for %s with their groups as ownership refs',
      async (userRef, ownership) => {
        const response = await refresh(userRef);
        expect(response.status).toBe(200);
        expect(response.body.backstageIdentity.token).toEqual(
          expect.any(String),
        );
        const { identity } = response.body.backstageIdentity;
        expect(identity.type).toBe('user');
        expect(identity.userEntityRef).toBe(userRef);
        expect([...identity.ownershipEntityRefs].sort()).toEqual(ownership);
        const claims = JSON.parse(
          Buffer.from(
            response.body.backstageIdentity.token.split('.')[1],
            'base64url',
          ).toString(),
        );
        expect(claims.sub).toBe(userRef);
      },
    );

    it.each([
      ['an unknown user', 'user:default/nobody', 404],
      ['a group', 'group:default/team-c', 400],
      ['no user at all', undefined, 400],
    ])(
      'refuses %s with a clear 4xx and no token',
      async (_what, userRef, status) => {
        const response = await refresh(userRef);
        expect(response.status).toBe(status);
        expect(response.body.backstageIdentity).toBeUndefined();
        expect(response.body.error.message).toEqual(expect.any(String));
      },
    );
  });
});

describe('the demo sign-in outside the demo', () => {
  it('is switched off when the production config is layered on top', () => {
    const merged = new ConfigReader(productionConfig).getOptionalBoolean(
      'auth.providers.demo.dangerouslyAllowSignInAsAnyUser',
    );
    expect(merged).toBe(false);
    expect(() =>
      demoAuthenticator.initialize({
        config: new ConfigReader({ dangerouslyAllowSignInAsAnyUser: false }),
      }),
    ).toThrow(/dangerouslyAllowSignInAsAnyUser: true/);
  });

  it('refuses to start with NODE_ENV=production even when configured', () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() =>
        demoAuthenticator.initialize({
          config: new ConfigReader({ dangerouslyAllowSignInAsAnyUser: true }),
        }),
      ).toThrow('NODE_ENV=production');
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
