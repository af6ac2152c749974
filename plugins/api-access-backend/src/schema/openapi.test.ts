/*
 * The HTTP contract in one place (issue 12): src/schema/openapi.yaml is the
 * source, and these checks fail when it, the express routers, the prose
 * reference (docs/http-api.md) and the answers the backend really gives
 * disagree. They run with the package's tests, so in CI.
 */
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';
import request from 'supertest';
import {
  serviceHeader,
  startApiAccessBackend,
  TEST_ADMIN,
  TEST_GATEWAY,
  TEST_GATEWAY_SUBJECT,
} from '../__testUtils__/testBackend';
import { createRouter } from '../http/router';
import { createAccessReviewRoutes } from '../accessReviews/routes';
import { createAssessmentRoutes } from '../assessment/routes';
import { createCertificateRoutes } from '../certificates/routes';
import { createReviewRoutes } from '../reviews/routes';

const DOCUMENT_PATH = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
  'src/schema/openapi.yaml',
);
const HTTP_API_DOC = resolvePackagePath(
  '@api-access/backstage-plugin-api-access-backend',
  '../../docs/http-api.md',
);

const HTTP_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
];
/**
 * `router.all` routes (only /authorize, for gateways) are documented with the
 * methods gateways use; the document must list exactly these for them.
 */
const ALL_METHODS_DOCUMENTED = ['get', 'post'];

function loadDocument(): any {
  return yaml.load(readFileSync(DOCUMENT_PATH, 'utf8'));
}

/** `/requests/:id` -> `/requests/{id}`. */
function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Every `METHOD /path` the document declares, OpenAPI style. */
function documentedOperations(doc: any): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (HTTP_METHODS.includes(method)) {
        operations.push(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return operations.sort();
}

/**
 * Every route registered on the plugin's five routers, walked the way the
 * authorization matrix's guard walks them: each router is built on a stub
 * that answers every call, and its stack lists the routes.
 */
async function declaredRoutes(): Promise<string[]> {
  const stub: any = new Proxy(function stubbed() {}, {
    get: (_target, prop) => {
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* empty() {};
      if (prop === Symbol.toPrimitive) return () => '';
      return stub;
    },
    apply: () => stub,
  });
  const routers = [
    await createRouter(stub),
    createCertificateRoutes(stub),
    createAssessmentRoutes(stub),
    createReviewRoutes(stub),
    createAccessReviewRoutes(stub),
  ];
  const routes: string[] = [];
  for (const router of routers) {
    for (const layer of (router as any).stack) {
      if (!layer.route) continue;
      for (const method of Object.keys(layer.route.methods)) {
        routes.push(
          `${method === '_all' ? 'ALL' : method.toUpperCase()} ${
            layer.route.path
          }`,
        );
      }
    }
  }
  return routes;
}

/** Compares the routers' routes with the document's operations, both ways. */
function compareRoutes(declared: string[], documented: string[]) {
  const expected = new Set<string>();
  for (const route of declared) {
    const [verb, path] = route.split(' ');
    const methods =
      verb === 'ALL' ? ALL_METHODS_DOCUMENTED : [verb.toLowerCase()];
    for (const method of methods) {
      expected.add(`${method.toUpperCase()} ${toOpenApiPath(path)}`);
    }
  }
  const inDocument = new Set(documented);
  return {
    servedButNotDocumented: [...expected]
      .filter(op => !inDocument.has(op))
      .sort(),
    documentedButNotServed: documented.filter(op => !expected.has(op)).sort(),
  };
}

/**
 * The convention of docs/http-api.md: each route is a table row whose first
 * cell names it in a code span, `METHOD /path` with express-style
 * parameters (`/requests/:id`), optionally followed by its query
 * (`?view=mine`, `[?modules=true]`). A route served under two methods has
 * one code span per method in that cell.
 */
function routesInProse(markdown: string): string[] {
  const found = new Set<string>();
  for (const line of markdown.split('\n')) {
    const row = /^\|([^|]*)\|/.exec(line);
    if (!row) continue;
    for (const span of row[1].matchAll(/`([^`]*)`/g)) {
      const route = /^([A-Z]+) (\/[^\s?[]*)/.exec(span[1].trim());
      if (route && HTTP_METHODS.includes(route[1].toLowerCase())) {
        found.add(`${route[1]} ${toOpenApiPath(route[2])}`);
      }
    }
  }
  return [...found].sort();
}

const DOC_ID = 'api-access-openapi';

function contractAjv(doc: any) {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
  });
  addFormats(ajv);
  // The whole document as one schema resource, so `#/components/...` refs
  // resolve; only the fragments asked for are compiled.
  // The document's top-level fields are no JSON Schema keywords; naming them
  // keeps strict mode, which rejects unknown keywords inside the schemas.
  ajv.addVocabulary(Object.keys(doc).filter(key => key !== '$id'));
  ajv.addSchema({ ...doc, $id: DOC_ID }, undefined, undefined, false);
  return ajv;
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = loadDocument();
    expect(doc.openapi).toMatch(/^3\.1\./);
    // Throws, naming the place, on a structural error or a $ref to nothing.
    await SwaggerParser.validate(structuredClone(doc));
  });

  it('has schemas that compile as JSON Schema 2020-12, with no unknown keyword', () => {
    // OpenAPI's own validator does not look inside schemas: a typo such as
    // `minLenght` would pass it and silently check nothing.
    const doc = loadDocument();
    const ajv = contractAjv(doc);
    const problems: string[] = [];
    for (const name of Object.keys(doc.components.schemas)) {
      try {
        ajv.getSchema(`${DOC_ID}#/components/schemas/${name}`);
      } catch (error) {
        problems.push(`${name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a unique operationId on every operation', () => {
    const doc = loadDocument();
    const ids = Object.values<any>(doc.paths).flatMap(item =>
      HTTP_METHODS.filter(m => item[m]).map(m => item[m].operationId),
    );
    expect(ids.filter(id => !id)).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('declares every route the routers serve, and only those', async () => {
    const declared = await declaredRoutes();
    const documented = documentedOperations(loadDocument());
    expect(compareRoutes(declared, documented)).toEqual({
      servedButNotDocumented: [],
      documentedButNotServed: [],
    });
    // As many as the security suite's matrix lists.
    expect(declared).toHaveLength(41);
  });

  it('is what docs/http-api.md documents, route for route', () => {
    const documented = documentedOperations(loadDocument());
    const prose = routesInProse(readFileSync(HTTP_API_DOC, 'utf8'));
    expect({
      missingFromDocs: documented.filter(op => !prose.includes(op)),
      notInDocument: prose.filter(op => !documented.includes(op)),
    }).toEqual({ missingFromDocs: [], notInDocument: [] });
  });

  it('marks exactly the public and the gateway routes as such', () => {
    const doc = loadDocument();
    const security: Record<string, string> = {};
    for (const op of documentedOperations(doc)) {
      const [method, path] = op.split(' ');
      const declared =
        doc.paths[path][method.toLowerCase()].security ?? doc.security;
      security[op] =
        declared.length === 0
          ? 'none'
          : declared.map((s: object) => Object.keys(s).join('+')).join(',');
    }
    const notUser = Object.fromEntries(
      Object.entries(security).filter(([, s]) => s !== 'BackstageUser'),
    );
    expect(notUser).toEqual({
      'GET /health': 'none',
      'GET /certificates/ca.pem': 'none',
      'GET /certificates/crl.pem': 'none',
      'POST /introspect': 'BackstageService',
      'GET /authorize': 'BackstageService',
      'POST /authorize': 'BackstageService',
      'GET /catalog/relations': 'CatalogService',
    });
  });
});

// ---- Answers against the document -------------------------------------------

const escapePointer = (segment: string) =>
  segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Validates answers against the document: finds the operation by method and
 * URL (literal segments beat `{param}` ones, so /access-reviews/run is not
 * /access-reviews/{id}), then the response for the exact status.
 */
class ContractChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  /** `METHOD /path status` of every answer checked. */
  readonly seen = new Set<string>();

  constructor(private readonly doc: any) {
    this.ajv = contractAjv(doc);
  }

  operationFor(method: string, url: string): string | undefined {
    const parts = url.split('?')[0].split('/');
    let best: { path: string; literal: number } | undefined;
    for (const [path, item] of Object.entries<any>(this.doc.paths)) {
      if (!item[method.toLowerCase()]) continue;
      const template = path.split('/');
      if (template.length !== parts.length) continue;
      let literal = 0;
      const matches = template.every((segment, i) => {
        if (/^\{.+\}$/.test(segment)) return parts[i].length > 0;
        if (segment === decodeURIComponent(parts[i])) {
          literal++;
          return true;
        }
        return false;
      });
      if (matches && (!best || literal > best.literal)) {
        best = { path, literal };
      }
    }
    return best?.path;
  }

  /** The problems with one answer; empty when it is what the document says. */
  check(
    method: string,
    url: string,
    response: { status: number; headers: any; body: any; text?: string },
  ): string[] {
    const path = this.operationFor(method, url);
    const name = `${method.toUpperCase()} ${url}`;
    if (!path) return [`${name}: no operation in the document`];
    const op = `${method.toUpperCase()} ${path} ${response.status}`;
    this.seen.add(op);
    const pointer = [
      'paths',
      path,
      method.toLowerCase(),
      'responses',
      String(response.status),
    ];
    let declared = this.at(pointer);
    if (!declared) {
      return [`${op}: the document declares no ${response.status} answer`];
    }
    if (declared.$ref) {
      pointer.splice(0, pointer.length, ...declared.$ref.slice(2).split('/'));
      declared = this.at(pointer);
    }
    const contentType = String(response.headers['content-type'] ?? '').split(
      ';',
    )[0];
    if (!declared.content?.[contentType]) {
      return [
        `${op}: answered ${contentType}, the document says ${Object.keys(
          declared.content ?? {},
        ).join(', ')}`,
      ];
    }
    if (contentType !== 'application/json') return [];
    const ref = `${DOC_ID}#/${[...pointer, 'content', contentType, 'schema']
      .map(escapePointer)
      .join('/')}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    if (validate(response.body)) return [];
    return (validate.errors ?? []).map(
      e =>
        `${op}: ${e.instancePath || '(body)'} ${e.message}${
          e.keyword === 'additionalProperties'
            ? ` '${(e.params as any).additionalProperty}'`
            : ''
        }`,
    );
  }

  private at(pointer: string[]): any {
    return pointer.reduce<any>(
      (node, key) => (node === undefined ? undefined : node[key]),
      this.doc,
    );
  }
}

describe('the answers of a running backend', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const REQUESTER = 'user:default/requester';
  const OWNER = 'user:default/owner.one';
  const OUTSIDER = 'user:default/outsider';
  const CONSUMER = 'component:default/team-a-service';
  const as = (userRef: string) => mockCredentials.user.header(userRef);
  const gateway = serviceHeader(TEST_GATEWAY_SUBJECT);
  const draft = {
    apiRef: 'api:default/pets',
    consumerRef: CONSUMER,
    environment: 'sandbox',
    scopes: ['pets:read'],
    useCase: 'Show pet names on the team-a dashboard.',
    justification: 'Requested by product for the spring release.',
    credentialStorage:
      'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
    durationDays: 30,
  };

  let backend: Awaited<ReturnType<typeof startApiAccessBackend>>;
  const checker = new ContractChecker(loadDocument());
  const problems: string[] = [];

  /** One call: the status it must answer, and its body checked against the document. */
  async function call(
    method: 'get' | 'post',
    url: string,
    auth: string | undefined,
    expectedStatus: number,
    setUp?: (test: request.Test) => request.Test,
  ) {
    let test = request(backend.server)[method](`/api/api-access${url}`);
    if (auth) test = test.set('Authorization', auth);
    if (setUp) test = setUp(test);
    const response = await test;
    if (response.status !== expectedStatus) {
      throw new Error(
        `${method.toUpperCase()} ${url}: expected ${expectedStatus}, got ${
          response.status
        } ${JSON.stringify(response.body).slice(0, 500)}`,
      );
    }
    problems.push(...checker.check(method, url, response));
    return response.body;
  }
  const send = (body: object) => (test: request.Test) => test.send(body);

  beforeAll(async () => {
    backend = await startApiAccessBackend({
      knex: await databases.init('SQLITE_3'),
      config: { apiAccess: { gateway: TEST_GATEWAY } },
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
  });

  it('match the document on a request-to-key happy path and its errors', async () => {
    await call('get', '/health', undefined, 200);
    await call('get', '/apis/default/pets/profile', as(REQUESTER), 200);
    await call('post', '/plans', as(REQUESTER), 200, send(draft));
    await call('post', '/assessments', as(REQUESTER), 200, send(draft));

    const created = await call(
      'post',
      '/requests',
      as(REQUESTER),
      201,
      send(draft),
    );
    await call('get', `/requests/${created.id}`, as(REQUESTER), 200);
    await call('get', '/requests?view=mine', as(REQUESTER), 200);
    await call('get', '/requests?view=reviewable', as(OWNER), 200);
    const approved = await call(
      'post',
      `/requests/${created.id}/decisions`,
      as(OWNER),
      201,
      send({ decision: 'approve', comment: 'Fine for the sandbox.' }),
    );
    const grantId = approved.grantId;
    expect(grantId).toEqual(expect.any(String));
    await call('get', `/grants?consumerRef=${CONSUMER}`, as(REQUESTER), 200);

    const usage = await call('get', '/credentials/terms', as(REQUESTER), 200);
    const types = await call('get', '/credential-types', as(REQUESTER), 200);
    expect(types.map((t: { id: string }) => t.id)).toEqual([
      'api-key',
      'mtls-certificate',
    ]);
    const key = await call(
      'post',
      `/grants/${grantId}/credentials`,
      as(REQUESTER),
      201,
      send({ acceptTerms: usage.version }),
    );
    const introspection = await call('post', '/introspect', gateway, 200, t =>
      t.type('form').send({ token: key.secret }),
    );
    expect(introspection.active).toBe(true);
    await call('get', '/authorize', gateway, 200, t =>
      t
        .set('X-Api-Access-Api', 'api:default/pets')
        .set('X-Api-Access-Key', key.secret),
    );
    await call('post', '/authorize', gateway, 401, t =>
      t.set('X-Api-Access-Api', 'api:default/pets'),
    );

    await call('get', `/audit?subjectId=${created.id}`, as(REQUESTER), 200);
    await call('get', `/audit?subjectId=${grantId}`, as(REQUESTER), 200);
    await call('get', '/audit/verify', as(TEST_ADMIN), 200);
    await call('get', '/audit/export', as(TEST_ADMIN), 200);
    await call('get', '/audit/export?format=csv', as(TEST_ADMIN), 200);
    await call('get', '/metrics/time-to-decision', as(OWNER), 200);
    await call('get', '/access-reviews', as(OWNER), 200);
    await call(
      'post',
      `/grants/${grantId}/renew`,
      as(REQUESTER),
      201,
      send({ durationDays: 30 }),
    );
    await call('post', '/admin/lifecycle/run', as(TEST_ADMIN), 200, send({}));

    // A campaign over team-c's grants, answered by its owner.
    const started = await call(
      'post',
      '/access-reviews/run',
      as(TEST_ADMIN),
      201,
      send({ ownerRef: 'group:default/team-c' }),
    );
    const reviewId = started.items[0].id;
    await call('get', `/access-reviews/${reviewId}`, as(OWNER), 200);
    await call('get', `/access-reviews/${reviewId}/history`, as(OWNER), 200);
    await call(
      'post',
      `/access-reviews/${reviewId}/items/${grantId}`,
      as(OWNER),
      201,
      send({ decision: 'keep', comment: 'The dashboard still reads it.' }),
    );

    // The other ways a request moves: withdrawn, sent back and resubmitted,
    // its step delegated.
    const withdrawn = await call(
      'post',
      '/requests',
      as(REQUESTER),
      201,
      send(draft),
    );
    await call(
      'post',
      `/requests/${withdrawn.id}/withdraw`,
      as(REQUESTER),
      200,
      send({}),
    );
    const sentBack = await call(
      'post',
      '/requests',
      as(REQUESTER),
      201,
      send(draft),
    );
    await call(
      'post',
      `/requests/${sentBack.id}/decisions`,
      as(OWNER),
      201,
      send({ decision: 'request_changes', comment: 'Name the dashboard.' }),
    );
    const { apiRef: _apiRef, ...terms } = draft;
    await call(
      'post',
      `/requests/${sentBack.id}/resubmit`,
      as(REQUESTER),
      200,
      send({ ...terms, comment: 'Named it.' }),
    );
    const resubmitted = await call(
      'get',
      `/requests/${sentBack.id}`,
      as(OWNER),
      200,
    );
    const pending = resubmitted.steps.find(
      (step: any) => step.status === 'pending',
    );
    await call(
      'post',
      `/requests/${sentBack.id}/steps/${pending.id}/delegate`,
      as(OWNER),
      200,
      send({ to: 'user:default/owner.two' }),
    );
    await call(
      'post',
      `/grants/${grantId}/revoke`,
      as(REQUESTER),
      200,
      send({ reason: 'The dashboard is retired.' }),
    );

    // Errors, in Backstage's shape.
    await call('post', '/requests', as(REQUESTER), 400, send({}));
    await call('get', '/requests?view=everything', as(REQUESTER), 400);
    await call(
      'get',
      '/requests?view=mine',
      mockCredentials.none.header(),
      401,
    );
    await call('get', '/requests/no-such-request', as(REQUESTER), 404);
    await call('get', '/audit/verify', as(REQUESTER), 403);
    await call('get', '/audit/export', as(REQUESTER), 403);
    await call('get', '/audit/export?format=xml', as(TEST_ADMIN), 400);
    await call(
      'get',
      '/catalog/relations',
      serviceHeader('plugin:catalog'),
      200,
    );
    await call('get', '/catalog/relations', as(REQUESTER), 403);
    await call('get', '/requests?view=mine', gateway, 403);
    await call('post', '/introspect', as(REQUESTER), 403, t =>
      t.type('form').send({ token: key.secret }),
    );
    await call(
      'post',
      `/grants/${grantId}/revoke`,
      as(OUTSIDER),
      404,
      send({ reason: 'Not mine to end.' }),
    );
    await call(
      'post',
      `/grants/${grantId}/credentials`,
      as(REQUESTER),
      409,
      send({ acceptTerms: usage.version }),
    );
    await call(
      'post',
      `/grants/${grantId}/provisioning/retry`,
      as(REQUESTER),
      409,
      send({}),
    );
    await call('get', '/certificates/ca.pem', undefined, 404);
    await call('get', '/certificates/crl.pem', undefined, 404);

    expect(problems).toEqual([]);
  }, 60_000);

  it('are checked for real: a body the document does not describe is a problem', () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    expect(
      checker.check('get', '/health', {
        status: 200,
        headers: json,
        body: { status: 'ok', uptime: 3 },
      }),
    ).toEqual([
      "GET /health 200: (body) must NOT have additional properties 'uptime'",
    ]);
    expect(
      checker.check('get', '/grants?apiRef=api:default/pets', {
        status: 200,
        headers: json,
        body: { items: [{ id: 'g' }] },
      }),
    ).toContain(
      "GET /grants 200: /items/0 must have required property 'apiRef'",
    );
    expect(
      checker.check('get', '/health', { status: 500, headers: json, body: {} }),
    ).toEqual(['GET /health 500: the document declares no 500 answer']);
    expect(
      checker.check('post', '/health', {
        status: 200,
        headers: json,
        body: {},
      }),
    ).toEqual(['POST /health: no operation in the document']);
  });
});
