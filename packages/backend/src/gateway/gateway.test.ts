/*
 * One contract, two gateways: the recipes in examples/nginx (auth_request)
 * and examples/caddy (forward_auth), each run by Debian's own binary in
 * front of a small upstream, against the api-access backend on both
 * databases. Every case in CASES runs against every gateway in GATEWAYS. A
 * fake clock (the plugin's clock service) lets a case reach a grant's expiry.
 * The browser test e2e/gateway.spec.ts walks the nginx path through the UI.
 *
 * A gateway whose binary is missing is skipped locally, with a warning, and
 * fails the run in CI: scripts/setup.sh installs both.
 *
 * Plans (issue 14): the API `tiered` offers three, and the cases on them
 * check the plan's quota (429 with Retry-After on both gateways) and rate
 * limit (429 from nginx, per grant; Caddy as Debian ships it has no rate
 * limiter and only passes the rate on), and that a plan upgrade raises the
 * rate for the same key.
 *
 * Bearer tokens (issue 13): a test bearer-token type, installed as a module
 * installs the oauth2-client type, signs its own JWTs; `Authorization:
 * Bearer` through either recipe is decided like a key, and the token never
 * reaches the upstream.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  apiAccessClockServiceRef,
  createTestDatabases,
  createTestTokenType,
  FIXTURE_CATALOG,
  startApiAccessBackend,
  TEST_GATEWAY,
  TEST_TOKEN_TYPE_ID,
  testTokenTypeModule,
} from '../__testUtils__/apiAccessBackendSource';

interface RunningGateway {
  url: string;
  stop(): Promise<void>;
  /** The gateway's own logs, to check that no key is ever written. */
  errorLog(): string;
}

interface GatewayOptions {
  name: string;
  listen: number;
  upstream: string;
  backend: string;
  token: string;
  apiRef: string;
  readScope: string;
  writeScope: string;
  environment?: string;
  /** The plans' rate limits, which the nginx recipe generates exact zones for. */
  rateLimits?: Array<{ requests: number; perSeconds: number }>;
}

/** A gateway product: its recipe's runner in examples/, and whether its binary is here. */
interface GatewayRecipe {
  product: string;
  available: boolean;
  binary: string;
  /** Whether the recipe holds a grant to its plan's rate limit. */
  enforcesRateLimit: boolean;
  start(options: GatewayOptions): Promise<RunningGateway>;
}

/**
 * The runners in examples/ are plain JS (nginx's is shared with the browser
 * tests), loaded by path, not as packages.
 */
function recipe(
  product: string,
  runner: string,
  availableExport: string,
  binary: string,
  enforcesRateLimit: boolean,
): GatewayRecipe {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const runnerModule = require(path.resolve(
    __dirname,
    '../../../../examples',
    runner,
  ));
  return {
    product,
    binary,
    enforcesRateLimit,
    available: runnerModule[availableExport](),
    start: options => runnerModule.startGateway(options),
  };
}

const GATEWAYS: GatewayRecipe[] = [
  recipe('nginx', 'nginx/gateway.js', 'nginxAvailable', 'nginx', true),
  // Debian's Caddy has no rate limiter (examples/caddy says so).
  recipe('Caddy', 'caddy/gateway.js', 'caddyAvailable', 'caddy', false),
];

const missing = GATEWAYS.filter(g => !g.available);
if (missing.length > 0) {
  const names = missing.map(g => g.binary).join(' and ');
  if (process.env.CI) {
    throw new Error(
      `The gateway contract test needs ${names} in CI: scripts/setup.sh installs ${
        missing.length > 1 ? 'them' : 'it'
      }`,
    );
  }
  // eslint-disable-next-line no-console
  console.warn(
    `Skipping the gateway contract on ${names}: not installed (apt-get install ${names}, or run scripts/setup.sh). In CI it fails instead.`,
  );
}

const databases = createTestDatabases();
const as = (name: string) =>
  mockCredentials.user.header(`user:default/${name}`);
const DAY = 24 * 60 * 60 * 1000;
const CONSUMER = 'component:default/team-a-service';

/**
 * The platform's tiers in this test, smallest first: `starter` allows 2
 * calls per 10 s (slow enough that a loaded machine still makes the third
 * within the window), `metered` a quota of 3 calls a day, `standard` 20
 * calls a second and no quota.
 */
const PLANS = [
  {
    name: 'starter',
    title: 'Starter',
    scopes: 'read',
    rateLimit: { requests: 2, perSeconds: 10 },
    maxDurationDays: 90,
    approval: 'policy',
  },
  {
    name: 'metered',
    title: 'Metered',
    scopes: 'read',
    rateLimit: { requests: 100, perSeconds: 1 },
    quota: { requests: 3, period: 'day' },
    maxDurationDays: 90,
    approval: 'policy',
  },
  {
    name: 'standard',
    title: 'Standard',
    scopes: 'all',
    rateLimit: { requests: 20, perSeconds: 1 },
    maxDurationDays: 365,
    approval: 'owner',
  },
];

/** An API offering all three, owned by team-c as pets is. */
function tieredCatalog(): string {
  const file = `${mkdtempSync(
    path.join(tmpdir(), 'gateway-plans-'),
  )}/catalog.yaml`;
  writeFileSync(
    file,
    `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: tiered
  labels: { api-access/data-classification: internal }
  annotations:
    api-access/scopes: tiered:read, tiered:write
    api-access/environments: sandbox, production
    api-access/plans: starter, metered, standard
spec:
  type: openapi
  lifecycle: production
  owner: team-c
  definition: |
    openapi: 3.0.0
    info: { title: tiered, version: 1.0.0 }
    paths: {}
`,
  );
  return file;
}

/** What the protected API saw of one call. */
interface UpstreamSaw {
  method?: string;
  path?: string;
  consumer?: string;
  grant?: string;
  scopes?: string;
  rateLimit?: string;
  plan?: string;
  sawKey: boolean;
  /** The call's Authorization header: never the token api-access checked. */
  authorization?: string;
  body: string;
}

/** The protected API: says who called, what api-access told it, and whether a key leaked through. */
function startUpstream(): Promise<{ server: http.Server; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', chunk => {
      body += chunk;
    });
    req.on('end', () => {
      const saw: UpstreamSaw = {
        method: req.method,
        path: req.url,
        consumer: req.headers['x-api-access-consumer'] as string | undefined,
        grant: req.headers['x-api-access-grant'] as string | undefined,
        scopes: req.headers['x-api-access-scopes'] as string | undefined,
        rateLimit: req.headers['x-api-access-rate-limit'] as string | undefined,
        plan: req.headers['x-api-access-plan'] as string | undefined,
        // A key, or a bearer token api-access checked, that leaked through.
        sawKey:
          !!req.headers['x-api-key'] ||
          !!req.headers['x-api-access-key'] ||
          !!req.headers['x-api-access-token'],
        authorization: req.headers.authorization,
        body,
      };
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(saw));
    });
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve({ server, hits: () => hits })),
  );
}

function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

/**
 * The gateways each product runs for the cases: pets (read pets:read, write
 * pets:write, any environment), invoices (another API), pets in production
 * only, and pets with api-access unreachable.
 */
type Target = 'pets' | 'invoices' | 'petsProduction' | 'backendDown' | 'tiered';

interface Issued {
  grantId: string;
  key: string;
}

/** What a case presents to the gateway. */
interface Call {
  target?: Target;
  key?: string;
  /** A bearer token, sent as `Authorization: Bearer <token>`. */
  bearer?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What a case may use to set itself up. */
interface Harness {
  /** A key for pets in sandbox, approved by its owner and fetched by the requester. */
  issue(scopes: string[], durationDays?: number): Promise<Issued>;
  /** A bearer token for pets in sandbox (its `key` is the token). */
  issueToken(
    scopes: string[],
    options?: { foreignKey?: boolean },
  ): Promise<Issued>;
  /** A key for the API `tiered` on one of its plans, read scope only. */
  issueOnPlan(plan: string): Promise<Issued>;
  /** Moves the grant to another plan as an owner of the API. */
  changePlan(grantId: string, plan: string): Promise<void>;
  /** The gateway product under test, and whether it holds grants to their rate. */
  product: string;
  enforcesRateLimit: boolean;
  revoke(grantId: string): Promise<void>;
  /** Suspends the grant as an owner of the API (issue 14). */
  suspend(grantId: string): Promise<void>;
  /** Calls the gateway under test. */
  call(call: Call): Promise<Response>;
  /** Moves the plugin's clock; the returned function moves it back. */
  advanceClock(ms: number): () => void;
}

interface ContractCase {
  name: string;
  /** Not run, and why. */
  skip?: string;
  present?(h: Harness): Promise<{
    call: Call;
    issued?: Issued;
    /** Undoes what present changed (the clock), after the call. */
    restore?: () => void;
  }>;
  /** The gateway's status; '5xx' for a gateway failing closed. */
  status?: number | '5xx';
  /** The refusal's reason, in the gateway's JSON body. */
  reason?: string;
  /** Headers the answer must carry. */
  headers?: Record<string, RegExp>;
  /** A 401's WWW-Authenticate; default the API key's. */
  challenge?: string;
  /** Products that cannot meet this case, and why (listed as todo for them). */
  notOn?: Record<string, string>;
  /** What the upstream saw of an allowed call; a refused one never reaches it. */
  upstream?(issued: Issued): UpstreamSaw;
}

const sawRead = (issued: Issued): UpstreamSaw => ({
  method: 'GET',
  path: '/pets/1',
  consumer: CONSUMER,
  grant: issued.grantId,
  scopes: 'pets:read',
  rateLimit: '600;w=60',
  sawKey: false,
  body: '',
});

const BEARER_CHALLENGE = 'Bearer realm="api-access", error="invalid_token"';

/** Every gateway must answer these the same way. */
const CASES: ContractCase[] = [
  {
    name: 'valid key: a read passes, with who is calling and without the key',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return { issued, call: { key: issued.key } };
    },
    status: 200,
    upstream: sawRead,
  },
  {
    name: 'valid key: a write passes with its body',
    present: async h => {
      const issued = await h.issue(['pets:read', 'pets:write']);
      return {
        issued,
        call: { key: issued.key, method: 'POST', body: '{"name":"Rex"}' },
      };
    },
    status: 200,
    upstream: issued => ({
      ...sawRead(issued),
      method: 'POST',
      scopes: 'pets:read pets:write',
      body: '{"name":"Rex"}',
    }),
  },
  {
    name: "valid key: the client's own X-Api-Access-* headers are replaced",
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return {
        issued,
        call: {
          key: issued.key,
          headers: {
            'X-Api-Access-Consumer': 'component:default/mallory',
            'X-Api-Access-Grant': 'forged',
            'X-Api-Access-Scopes': 'pets:read pets:write',
            'X-Api-Access-Rate-Limit': '1000000;w=1',
          },
        },
      };
    },
    status: 200,
    upstream: sawRead,
  },
  {
    name: 'no key',
    present: async () => ({ call: {} }),
    status: 401,
    reason: 'no API key presented',
  },
  {
    name: 'wrong API',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return { issued, call: { target: 'invoices', key: issued.key } };
    },
    status: 403,
    // The reason never names the API the key does belong to.
    reason: 'the API key is not for this API',
  },
  {
    name: 'wrong environment',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return { issued, call: { target: 'petsProduction', key: issued.key } };
    },
    status: 403,
    reason: 'the API key is not for this environment',
  },
  {
    name: 'missing scope',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return { issued, call: { key: issued.key, method: 'POST' } };
    },
    status: 403,
    reason: 'the API key lacks the scope pets:write',
  },
  {
    name: 'expired',
    present: async h => {
      const issued = await h.issue(['pets:read'], 1);
      expect((await h.call({ key: issued.key })).status).toBe(200);
      const restore = h.advanceClock(DAY + 1000);
      return { issued, call: { key: issued.key }, restore };
    },
    status: 401,
    reason: 'the API key is not active',
  },
  {
    name: 'revoked, on the very next call',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      // The answer is cached now; revocation on this replica drops it.
      expect((await h.call({ key: issued.key })).status).toBe(200);
      await h.revoke(issued.grantId);
      return { issued, call: { key: issued.key } };
    },
    status: 401,
    reason: 'the API key is not active',
  },
  {
    name: 'suspended, on the very next call',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      // The answer is cached now; suspension drops it, as revocation does.
      expect((await h.call({ key: issued.key })).status).toBe(200);
      await h.suspend(issued.grantId);
      return { issued, call: { key: issued.key } };
    },
    status: 403,
    reason: 'the grant is suspended',
  },
  {
    name: "over the rate limit: 429 past the plan's rate, per grant",
    notOn: {
      Caddy:
        "Debian's Caddy has no rate limiter: the rate reaches the API in X-Api-Access-Rate-Limit",
    },
    present: async h => {
      const issued = await h.issueOnPlan('starter');
      // Another grant on the same plan has its own allowance.
      const other = await h.issueOnPlan('starter');
      for (let i = 0; i < 2; i++) {
        expect(
          (await h.call({ target: 'tiered', key: issued.key })).status,
        ).toBe(200);
      }
      expect((await h.call({ target: 'tiered', key: other.key })).status).toBe(
        200,
      );
      return { issued, call: { target: 'tiered', key: issued.key } };
    },
    status: 429,
    reason:
      "the rate limit of the plan 'starter' is exceeded: 2 requests per 10 s",
    // The seconds one request's allowance takes to come back.
    headers: { 'retry-after': /^5$/ },
  },
  {
    name: 'over the quota: 429 with Retry-After until the period resets',
    present: async h => {
      const issued = await h.issueOnPlan('metered');
      for (let i = 0; i < 3; i++) {
        const answer = await h.call({ target: 'tiered', key: issued.key });
        expect(answer.status).toBe(200);
        expect(JSON.parse(await answer.text())).toMatchObject({
          plan: 'metered',
          rateLimit: '100;w=1',
        });
      }
      return { issued, call: { target: 'tiered', key: issued.key } };
    },
    status: 429,
    reason: 'the quota of the plan is used up',
    // Seconds to the next UTC midnight: 1 to 86400.
    headers: { 'retry-after': /^([1-9]\d{0,3}|[1-7]\d{4}|8[0-5]\d{3}|86400)$/ },
  },
  {
    name: 'plan upgrade raises the rate with the same key',
    present: async h => {
      const issued = await h.issueOnPlan('starter');
      for (let i = 0; i < 2; i++) {
        expect(
          (await h.call({ target: 'tiered', key: issued.key })).status,
        ).toBe(200);
      }
      if (h.enforcesRateLimit) {
        expect(
          (await h.call({ target: 'tiered', key: issued.key })).status,
        ).toBe(429);
      }
      await h.changePlan(issued.grantId, 'standard');
      // 20 a second: a burst of ten passes.
      for (let i = 0; i < 10; i++) {
        expect(
          (await h.call({ target: 'tiered', key: issued.key })).status,
        ).toBe(200);
      }
      return { issued, call: { target: 'tiered', key: issued.key } };
    },
    status: 200,
    upstream: issued => ({
      ...sawRead(issued),
      scopes: 'tiered:read',
      rateLimit: '20;w=1',
      plan: 'standard',
    }),
  },
  {
    name: 'unknown key',
    present: async h => {
      const { key } = await h.issue(['pets:read']);
      return { call: { key: `${key.slice(0, -4)}AAAA` } };
    },
    status: 401,
    reason: 'the API key is not active',
  },
  {
    name: 'malformed key: not an api-access key',
    present: async () => ({ call: { key: 'not-an-api-access-key' } }),
    status: 401,
    reason: 'the API key is not active',
  },
  {
    name: 'malformed key: over 512 characters',
    present: async () => ({ call: { key: `aak_${'A'.repeat(600)}` } }),
    status: 401,
    reason: 'the API key is not active',
  },
  {
    name: 'malformed key: an empty X-Api-Key header',
    present: async () => ({ call: { headers: { 'X-Api-Key': '' } } }),
    status: 401,
    reason: 'no API key presented',
  },
  {
    name: 'token: a valid bearer token passes, with who is calling and without the token',
    present: async h => {
      const issued = await h.issueToken(['pets:read']);
      return { issued, call: { bearer: issued.key } };
    },
    status: 200,
    upstream: sawRead,
  },
  {
    name: 'valid key with an Authorization header of its own: a key call, the header passed on untouched',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return {
        issued,
        call: {
          key: issued.key,
          headers: { Authorization: 'Bearer for-the-api-itself' },
        },
      };
    },
    status: 200,
    upstream: issued => ({
      ...sawRead(issued),
      authorization: 'Bearer for-the-api-itself',
    }),
  },
  {
    name: 'token: revoked, on the very next call',
    present: async h => {
      const issued = await h.issueToken(['pets:read']);
      expect((await h.call({ bearer: issued.key })).status).toBe(200);
      await h.revoke(issued.grantId);
      return { issued, call: { bearer: issued.key } };
    },
    status: 401,
    reason: "the token's client has no active grant",
    challenge: BEARER_CHALLENGE,
  },
  {
    name: 'token: suspended, on the very next call',
    present: async h => {
      const issued = await h.issueToken(['pets:read']);
      expect((await h.call({ bearer: issued.key })).status).toBe(200);
      await h.suspend(issued.grantId);
      return { issued, call: { bearer: issued.key } };
    },
    status: 403,
    reason: 'the grant is suspended',
  },
  {
    name: 'token: wrong API',
    present: async h => {
      const issued = await h.issueToken(['pets:read']);
      return { issued, call: { target: 'invoices', bearer: issued.key } };
    },
    status: 403,
    reason: 'the token is not for this API',
  },
  {
    name: 'token: missing scope',
    present: async h => {
      const issued = await h.issueToken(['pets:read']);
      return { issued, call: { bearer: issued.key, method: 'POST' } };
    },
    status: 403,
    reason: 'the token lacks the scope pets:write',
  },
  {
    name: 'token: signed by someone else',
    present: async h => {
      const issued = await h.issueToken(['pets:read'], { foreignKey: true });
      return { issued, call: { bearer: issued.key } };
    },
    status: 401,
    reason: 'the token signature is not valid',
    challenge: BEARER_CHALLENGE,
  },
  {
    name: 'token: malformed (three dots)',
    present: async () => ({ call: { bearer: 'a.b.c.d' } }),
    status: 401,
    reason: 'the token is malformed',
    challenge: BEARER_CHALLENGE,
  },
  {
    name: 'api-access unreachable: fails closed',
    present: async h => {
      const issued = await h.issue(['pets:read']);
      return { issued, call: { target: 'backendDown', key: issued.key } };
    },
    status: '5xx',
  },
];

describe.each(databases.eachSupportedId())(
  'gateway contract on %p',
  databaseId => {
    let server: http.Server;
    let upstream: { server: http.Server; hits: () => number };
    let stopBackend: () => Promise<void>;
    let fakeNow = Date.now();
    const clock = { now: () => new Date(fakeNow) };
    const tokenType = createTestTokenType({ clock: () => clock.now() });

    beforeAll(async () => {
      if (missing.length === GATEWAYS.length) return;
      const knex = await databases.init(databaseId);
      const backend = await startApiAccessBackend({
        knex,
        // Caching off: the contract's answers are exact (a revoked key is
        // refused on the very next call). gatewayCache.test.ts covers the cache.
        config: {
          apiAccess: {
            gateway: {
              ...TEST_GATEWAY,
              decisionCacheSeconds: 0,
              negativeDecisionCacheSeconds: 0,
              tokenDecisionCacheSeconds: 0,
            },
            plans: PLANS,
          },
        },
        catalogFiles: [FIXTURE_CATALOG, tieredCatalog()],
        waitFor: [
          'api:default/pets',
          'api:default/invoices',
          'api:default/tiered',
          'component:default/team-a-service',
        ],
        extraFeatures: [
          createServiceFactory({
            service: apiAccessClockServiceRef,
            deps: {},
            factory: () => clock,
          }),
          testTokenTypeModule(tokenType),
        ],
      });
      server = backend.server;
      stopBackend = () => backend.stop();
      upstream = await startUpstream();
    }, 60_000);

    afterAll(async () => {
      upstream?.server.close();
      await stopBackend?.();
    });

    async function issue(
      scopes: string[],
      durationDays = 30,
      on: { apiRef?: string; plan?: string; credentialType?: string } = {},
    ) {
      const created = await request(server)
        .post('/api/api-access/requests')
        .set('Authorization', as('requester'))
        .send({
          apiRef: on.apiRef ?? 'api:default/pets',
          consumerRef: CONSUMER,
          environment: 'sandbox',
          scopes,
          useCase: 'Read pets for the dashboard.',
          justification: 'Spring release.',
          credentialStorage: 'Vault, rotated monthly',
          durationDays,
          ...(on.plan ? { plan: on.plan } : {}),
          ...(on.credentialType ? { credentialType: on.credentialType } : {}),
        });
      expect(created.status).toBe(201);
      const approved = await request(server)
        .post(`/api/api-access/requests/${created.body.id}/decisions`)
        .set('Authorization', as('owner.one'))
        .send({ decision: 'approve' });
      expect(approved.body.status).toBe('approved');
      const grantId = approved.body.grantId;
      const issued = await request(server)
        .post(`/api/api-access/grants/${grantId}/credentials`)
        .set('Authorization', as('requester'))
        .send({ acceptTerms: '1' });
      expect(issued.status).toBe(201);
      return {
        grantId,
        key: (issued.body.secret ?? issued.body.clientId) as string,
      };
    }

    async function changePlan(grantId: string, plan: string) {
      const changed = await request(server)
        .post(`/api/api-access/grants/${grantId}/plan`)
        .set('Authorization', as('owner.one'))
        .send({ plan, comment: 'Production traffic' });
      expect(changed.status).toBe(200);
      expect(changed.body.plan).toMatchObject({
        name: plan,
        rateLimit: PLANS.find(p => p.name === plan)!.rateLimit,
      });
    }

    async function revoke(grantId: string) {
      const revoked = await request(server)
        .post(`/api/api-access/grants/${grantId}/revoke`)
        .set('Authorization', as('requester'))
        .send({ reason: 'Dashboard retired' });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({
        status: 'revoked',
        revokedBy: 'user:default/requester',
        revocationReason: 'Dashboard retired',
      });
    }

    async function suspend(grantId: string) {
      const suspended = await request(server)
        .post(`/api/api-access/grants/${grantId}/suspend`)
        .set('Authorization', as('owner.one'))
        .send({ reason: 'Abuse from the integration' });
      expect(suspended.status).toBe(200);
      expect(suspended.body).toMatchObject({ status: 'suspended' });
    }

    describe.each(GATEWAYS)('through $product', gateway => {
      const running: Partial<Record<Target, RunningGateway>> = {};
      const presentedKeys: string[] = [];
      const run = gateway.available ? it : it.skip;

      beforeAll(async () => {
        if (!gateway.available) return;
        const backendPort = (server.address() as AddressInfo).port;
        const upstreamPort = (upstream.server.address() as AddressInfo).port;
        const common = {
          upstream: `127.0.0.1:${upstreamPort}`,
          backend: `127.0.0.1:${backendPort}`,
          // The test backend's auth accepts this as a service (gateway) token.
          token: mockCredentials.service.token(),
        };
        const pets = {
          apiRef: 'api:default/pets',
          readScope: 'pets:read',
          writeScope: 'pets:write',
        };
        const targets: Record<Target, Omit<GatewayOptions, 'listen'>> = {
          pets: { ...common, ...pets, name: 'pets' },
          invoices: {
            ...common,
            name: 'invoices',
            apiRef: 'api:default/invoices',
            readScope: 'invoices:read',
            writeScope: 'invoices:write',
          },
          tiered: {
            ...common,
            name: 'tiered',
            apiRef: 'api:default/tiered',
            readScope: 'tiered:read',
            writeScope: 'tiered:write',
            // As `node gateway.js --plans app-config.yaml` would read them.
            rateLimits: PLANS.map(plan => plan.rateLimit),
          },
          petsProduction: {
            ...common,
            ...pets,
            name: 'pets_production',
            environment: 'production',
          },
          // Nothing listens there.
          backendDown: {
            ...common,
            ...pets,
            name: 'pets_down',
            backend: `127.0.0.1:${await freePort()}`,
          },
        };
        for (const [target, options] of Object.entries(targets)) {
          running[target as Target] = await gateway.start({
            ...options,
            listen: await freePort(),
          });
        }
      }, 60_000);

      afterAll(async () => {
        await Promise.all(Object.values(running).map(g => g!.stop()));
      });

      const harness: Harness = {
        issue: async (scopes, durationDays) => {
          const issued = await issue(scopes, durationDays);
          presentedKeys.push(issued.key);
          return issued;
        },
        issueToken: async (scopes, options = {}) => {
          const { grantId, key: clientId } = await issue(scopes, 30, {
            credentialType: TEST_TOKEN_TYPE_ID,
          });
          const token = tokenType.sign({
            clientId,
            scopes,
            foreignKey: options.foreignKey,
          });
          presentedKeys.push(token);
          return { grantId, key: token };
        },
        issueOnPlan: async plan => {
          const issued = await issue(['tiered:read'], 30, {
            apiRef: 'api:default/tiered',
            plan,
          });
          presentedKeys.push(issued.key);
          return issued;
        },
        changePlan,
        product: gateway.product,
        enforcesRateLimit: gateway.enforcesRateLimit,
        revoke,
        suspend,
        call: ({
          target = 'pets',
          key,
          bearer,
          method = 'GET',
          headers,
          body,
        }) =>
          fetch(`${running[target]!.url}/pets/1`, {
            method,
            headers: {
              ...(key !== undefined ? { 'X-Api-Key': key } : {}),
              ...(bearer !== undefined
                ? { Authorization: `Bearer ${bearer}` }
                : {}),
              ...headers,
            },
            body,
          }),
        advanceClock: ms => {
          const before = fakeNow;
          fakeNow += ms;
          return () => {
            fakeNow = before;
          };
        },
      };

      CASES.forEach(c => {
        const present = c.present;
        const notHere = c.notOn?.[gateway.product];
        if (c.skip || notHere || !present) {
          // Listed, so the report shows what the contract still lacks.
          it.todo(`${c.name} (${c.skip ?? notHere})`);
          return;
        }
        run(c.name, async () => {
          const { call, issued, restore } = await present(harness);
          const hitsBefore = upstream.hits();
          let answer: Response;
          try {
            answer = await harness.call(call);
          } finally {
            restore?.();
          }
          const text = await answer.text();
          if (call.key) expect(text).not.toContain(call.key);
          if (call.bearer) expect(text).not.toContain(call.bearer);

          if (c.status === '5xx') {
            expect(answer.status).toBeGreaterThanOrEqual(500);
          } else {
            expect(answer.status).toBe(c.status);
          }
          if (c.upstream) {
            expect(JSON.parse(text)).toEqual(c.upstream(issued!));
            expect(upstream.hits()).toBe(hitsBefore + 1);
            return;
          }
          // A refusal never reaches the upstream.
          expect(upstream.hits()).toBe(hitsBefore);
          if (c.status === 401) {
            // One challenge: nginx passes on api-access's, Caddy sets the same.
            expect(answer.headers.get('www-authenticate')).toBe(
              c.challenge ?? 'ApiKey realm="api-access"',
            );
          }
          if (c.reason) {
            expect(JSON.parse(text)).toEqual({
              error: {
                401: 'unauthorized',
                403: 'forbidden',
                429: 'too_many_requests',
              }[c.status as number],
              reason: c.reason,
            });
          }
          for (const [header, pattern] of Object.entries(c.headers ?? {})) {
            expect(answer.headers.get(header)).toMatch(pattern);
          }
        });
      });

      run('keeps every key it was shown out of its logs', () => {
        expect(presentedKeys.length).toBeGreaterThan(5);
        const logs = Object.values(running)
          .map(g => g!.errorLog())
          .join('\n');
        for (const key of presentedKeys) {
          expect(logs).not.toContain(key);
        }
      });
    });
  },
);
