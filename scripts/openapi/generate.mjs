#!/usr/bin/env node
// The HTTP contract has one source: plugins/api-access-backend/src/schema/openapi.yaml.
// This writes what is derived from it, so nobody keeps those by hand:
//   plugins/api-access-common/src/generated/schema.ts  the document's types (openapi-typescript)
//   plugins/api-access-common/src/generated/client.ts  ApiAccessHttpClient, one method per operationId
//   plugins/api-access-backend/src/schema/generated/schema.ts  the same types, for the typed router
// `--check` writes nothing and fails when a generated file differs from what the
// document gives (CI runs it), naming the stale file and the command that fixes it.
//
// Backstage's own generator (`backstage-repo-tools package schema openapi generate`)
// runs openapi-generator's Java jar, which it downloads from Maven Central; these
// machines reach only the npm registry, so the client is emitted here in the same
// shape (a class per API, a method per operationId, `TypedResponse`s).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yaml from 'js-yaml';
import openapiTS, { astToString } from 'openapi-typescript';
import prettier from 'prettier';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specPath = path.join(
  root,
  'plugins/api-access-backend/src/schema/openapi.yaml',
);
const outDir = path.join(root, 'plugins/api-access-common/src/generated');
const check = process.argv.includes('--check');

const HEADER = `// ******************************************************************
// * THIS FILE IS GENERATED FROM plugins/api-access-backend/src/schema/openapi.yaml
// * by scripts/openapi/generate.mjs (yarn openapi:generate). DO NOT EDIT IT.
// ******************************************************************
`;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function resolveRef(doc, node) {
  if (!node || !node.$ref) return node;
  const parts = node.$ref.replace(/^#\//, '').split('/');
  return parts.reduce((n, key) => n[key], doc);
}

function jsDoc(text, indent) {
  if (!text) return '';
  const lines = String(text).trim().replace(/\*\//g, '*\\/').split('\n');
  return `${indent}/**\n${lines
    .map(l => `${indent} * ${l}`.trimEnd())
    .join('\n')}\n${indent} */\n`;
}

/** One method of the client per operation of the document. */
function operationsOf(doc) {
  const ops = [];
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) {
        throw new Error(`${method.toUpperCase()} ${route} has no operationId`);
      }
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(
        p => resolveRef(doc, p),
      );
      const has = where => params.some(p => p.in === where);
      const required = where =>
        params.some(p => p.in === where && p.required);
      const body = resolveRef(doc, op.requestBody);
      const success = Object.entries(op.responses ?? {}).filter(([code]) =>
        /^2\d\d$/.test(code),
      );
      if (success.length === 0) {
        throw new Error(`${op.operationId} has no 2xx answer`);
      }
      const responses = success.map(([code, response]) => {
        const content = resolveRef(doc, response).content ?? {};
        const types = Object.keys(content);
        return { code, json: types.includes('application/json'), types };
      });
      ops.push({
        id: op.operationId,
        method: method.toUpperCase(),
        route,
        summary: op.summary,
        description: op.description,
        path: has('path'),
        query: has('query'),
        queryRequired: required('query'),
        headers: has('header'),
        headersRequired: required('header'),
        headerNames: params.filter(p => p.in === 'header').map(p => p.name),
        body: body
          ? {
              required: Boolean(body.required),
              types: Object.keys(body.content ?? {}),
            }
          : undefined,
        responses,
      });
    }
  }
  return ops;
}

function requestType(op) {
  const o = `operations['${op.id}']`;
  const parts = [];
  if (op.path) parts.push(`path: ${o}['parameters']['path'];`);
  if (op.query) {
    parts.push(
      `query${op.queryRequired ? '' : '?'}: ${o}['parameters']['query'];`,
    );
  }
  if (op.headers) {
    parts.push(
      `headers${op.headersRequired ? '' : '?'}: ${o}['parameters']['header'];`,
    );
  }
  if (op.body) {
    const type = op.body.types.includes('application/json')
      ? 'application/json'
      : op.body.types[0];
    parts.push(
      `body${
        op.body.required ? '' : '?'
      }: NonNullable<${o}['requestBody']>['content']['${type}'];`,
    );
  }
  return parts.length ? `{ ${parts.join(' ')} }` : undefined;
}

function responseType(op) {
  const o = `operations['${op.id}']`;
  const types = op.responses.map(r =>
    r.json
      ? `${o}['responses'][${r.code}]['content']['application/json']`
      : 'string',
  );
  return [...new Set(types)].join(' | ');
}

function clientSource(doc, ops) {
  const methods = ops
    .map(op => {
      const req = requestType(op);
      const doc = jsDoc(
        [
          `${op.method} ${op.route}`,
          op.summary,
          op.description,
          op.responses.some(r => !r.json)
            ? `Answers ${op.responses
                .flatMap(r => r.types)
                .join(', ')}: read it with \`text()\`.`
            : undefined,
        ]
          .filter(Boolean)
          .join('\n\n'),
        '  ',
      );
      const optional =
        !req || !/(^|\s)(path|body|query|headers):/.test(req) ? '?' : '';
      const reqParam = req
        ? `request${optional}: ${req}`
        : 'request?: Record<string, never>';
      const contentType = op.body
        ? op.body.types.includes('application/json')
          ? 'application/json'
          : op.body.types[0]
        : undefined;
      return `${doc}  async ${op.id}(${reqParam}, options?: RequestOptions): Promise<TypedResponse<${responseType(
        op,
      )}>> {
    return this.send(${JSON.stringify(op.method)}, ${JSON.stringify(
        op.route,
      )}, request as RequestParts, options${
        contentType ? `, ${JSON.stringify(contentType)}` : ''
      });
  }`;
    })
    .join('\n\n');

  return `${HEADER}
import type { operations } from './schema';

/** The plugin id the client asks the discovery API for. */
export const API_ACCESS_PLUGIN_ID = 'api-access';

/** A fetch \`Response\` whose \`json()\` is typed by the document. */
export type TypedResponse<T> = Omit<Response, 'json'> & {
  json(): Promise<T>;
};

/** Per-call options: a Backstage token when the caller is not the browser's signed-in user. */
export interface RequestOptions {
  token?: string;
  signal?: AbortSignal;
}

type RequestParts = {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string | undefined>;
  body?: unknown;
} | undefined;

/**
 * The api-access backend's HTTP API (${doc.info.title} ${doc.info.version}),
 * one method per operation. It answers the raw \`Response\`: callers decide what
 * a non-2xx answer means (the frontend's client throws \`ResponseError\`).
 */
export class ApiAccessHttpClient {
  private readonly discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: {
    discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
    fetchApi?: { fetch: typeof fetch };
  }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...args) => fetch(...args) };
  }

${methods}

  private async send(
    method: string,
    template: string,
    request: RequestParts,
    options: RequestOptions | undefined,
    contentType?: string,
  ): Promise<TypedResponse<any>> {
    const baseUrl = await this.discoveryApi.getBaseUrl(API_ACCESS_PLUGIN_ID);
    const path = template.replace(/\\{([^}]+)\\}/g, (_, name: string) => {
      const value = request?.path?.[name];
      if (value === undefined || value === '') {
        throw new TypeError(\`\${method} \${template}: path parameter \${name} is missing\`);
      }
      return encodeURIComponent(String(value));
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request?.query ?? {})) {
      if (value !== undefined && value !== '') query.set(key, String(value));
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request?.headers ?? {})) {
      if (value !== undefined) headers[key] = value;
    }
    if (options?.token) headers.Authorization = \`Bearer \${options.token}\`;
    let body: string | undefined;
    if (contentType && request?.body !== undefined) {
      headers['Content-Type'] = contentType;
      body =
        contentType === 'application/x-www-form-urlencoded'
          ? new URLSearchParams(request.body as Record<string, string>).toString()
          : JSON.stringify(request.body);
    }
    const search = query.toString();
    return this.fetchApi.fetch(\`\${baseUrl}\${path}\${search ? \`?\${search}\` : ''}\`, {
      method,
      headers,
      body,
      signal: options?.signal,
    });
  }
}
`;
}

async function format(source, file) {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(source, { ...options, filepath: file });
}

async function main() {
  const doc = yaml.load(fs.readFileSync(specPath, 'utf8'));
  const ast = await openapiTS(pathToFileURL(specPath), {
    alphabetize: false,
    // A default is what the server assumes when a field is left out: in a
    // request body that field stays optional for the caller.
    defaultNonNullable: false,
    exportType: false,
  });
  const schemaFile = path.join(outDir, 'schema.ts');
  const clientFile = path.join(outDir, 'client.ts');
  const indexFile = path.join(outDir, 'index.ts');
  const serverSchemaFile = path.join(
    root,
    'plugins/api-access-backend/src/schema/generated/schema.ts',
  );
  const schemaSource = `${HEADER}/* eslint-disable */\n${astToString(ast)}`;
  const files = {
    [serverSchemaFile]: await format(schemaSource, serverSchemaFile),
    [schemaFile]: await format(schemaSource, schemaFile),
    [clientFile]: await format(
      clientSource(doc, operationsOf(doc)),
      clientFile,
    ),
    [indexFile]: await format(
      `${HEADER}
// The client only: its methods carry the document's types. The types
// themselves (./schema) stay internal, so the API report shows the client's
// surface and openapi.yaml's own diff shows the contract's details.
export * from './client';
`,
      indexFile,
    ),
  };

  const stale = [];
  for (const [file, content] of Object.entries(files)) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current === content) continue;
    stale.push(path.relative(root, file));
    if (!check) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  if (check && stale.length) {
    console.error(
      `Generated from the OpenAPI document but out of date:\n  ${stale.join(
        '\n  ',
      )}\nRun \`yarn openapi:generate\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log(
    stale.length
      ? `Wrote ${stale.join(', ')}`
      : 'Generated client and types match the OpenAPI document',
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
