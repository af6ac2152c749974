/*
 * A bounded, seeded run of malformed input over every route, on SQLite and
 * PostgreSQL: wrong types, missing fields, huge strings, unicode, CR/LF,
 * prototype-pollution keys, arrays for objects, bad ids and cursors, bad
 * query parameters, bad gateway headers, bad content types, non-JSON
 * bodies. Each input carries at least one defect that makes it invalid
 * whoever sends it (callers include those who could act on a valid one), so
 * the run proves: no response >= 500, and not one row of any api_access
 * table changed (row counts and a hash of every table's content).
 */
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { makeCa } from '../certificates/__testUtils__/pki';
import {
  createTestTokenType,
  testTokenTypeModule,
} from '../__testUtils__/testTokenType';
import {
  DAY,
  HOUR,
  SecurityBackend,
  TEAM_C,
  as,
  client,
  fingerprint,
  movableClock,
  nextReviewPeriodStart,
  personaHeader,
  productionDraft,
  sandboxDraft,
  seeded,
  serviceHeader,
  startSecurityBackend,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();
const INPUTS = 5_200;
const SEED = 10;
/** Bearer-token inputs draw from their own stream (see the gateway routes). */
let tokenRng = seeded(SEED + 1);
const CONCURRENCY = 8;

type Rng = ReturnType<typeof seeded>;

interface Ids {
  inReview: string;
  ownerStepId: string;
  changesRequested: string;
  grantId: string;
  mtlsGrantId: string;
  reviewId: string;
}

interface Input {
  route: string;
  method: string;
  path: string;
  auth: string;
  headers?: Record<string, string>;
  /** A raw body (with its content type), or a value sent as JSON. */
  raw?: { contentType: string; body: string };
  json?: unknown;
  what: string;
}

// ---- Building blocks -------------------------------------------------------

const long = (n: number, c = 'a') => c.repeat(n);
const UNICODE = [
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓',
  'مرحبا\u202eevil',
  '\u0000nul',
  'e\u0301\u0301\u0301',
  '\ud800lone surrogate',
  '😀'.repeat(50),
  'line\r\nX-Forged: 1\r\n',
  '\u2028\u2029',
];
/** Values that are never a valid string field (when the field is required and non-empty). */
const NOT_A_STRING = [
  null,
  0,
  -1,
  1.5,
  true,
  false,
  [],
  {},
  ['x'],
  { $ne: '' },
  1e308,
];
const NOT_A_NUMBER = [
  null,
  '30',
  '',
  'NaN',
  true,
  [],
  {},
  [30],
  { $gt: 0 },
  1.5,
  -1,
  0,
  1e308,
  -0.5,
];
const BAD_REFS = [
  '',
  '   ',
  '::',
  'api:',
  ':default/x',
  'component:default/team-a-service:extra:colons',
  '../../etc/passwd',
  "api:default/x' OR '1'='1",
  ...UNICODE.slice(0, 3),
];
const POLLUTION: Array<Record<string, unknown>> = [
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  { constructor: { prototype: { polluted: 'yes' } } },
  JSON.parse('{"__proto__": {"isAdmin": true}, "prototype": {"x": 1}}'),
  { toString: 'x', valueOf: 1, hasOwnProperty: 'no' },
];
const BAD_IDS = [
  'x',
  '00000000-0000-4000-8000-000000000000',
  long(5000, '9'),
  '%00',
  '%E0%A4%A',
  '..%2F..%2Fadmin',
  encodeURIComponent("' OR 1=1 --"),
  encodeURIComponent('𝔘𝔫𝔦'),
  encodeURIComponent('a\r\nb'),
  '%25%25',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];
const BAD_CURSORS = [
  'x',
  '!!!',
  Buffer.from('{"createdAt":"not a date","id":1}').toString('base64url'),
  Buffer.from('{"__proto__":{"a":1}}').toString('base64url'),
  Buffer.from('[1,2,3]').toString('base64url'),
  long(199, 'A'),
  long(201, 'A'),
  encodeURIComponent(Buffer.from("' OR 1=1 --").toString('base64')),
];
const NON_JSON_BODIES = [
  '{',
  '{"a":',
  '[',
  '{"a":1,}',
  "{'a':1}",
  'undefined',
  '\u0000',
  long(2000, '['),
  '{"a":"\\ud800"}',
];
const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
];

/** Percent-encodes; a lone surrogate goes out as its (invalid) WTF-8 bytes. */
function enc(value: unknown): string {
  try {
    return encodeURIComponent(String(value));
  } catch {
    return '%ED%A0%80';
  }
}

function q(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) =>
      Array.isArray(v)
        ? v.map(x => `${enc(k)}=${enc(x)}`).join('&')
        : `${enc(k)}=${enc(v)}`,
    )
    .join('&');
}

/** Noise on keys the defect does not touch: pollution keys, junk keys, odd optional values. */
function noise(rng: Rng, body: Record<string, unknown>, avoid: string[]) {
  const result: Record<string, unknown> = { ...body };
  const n = rng.int(3);
  for (let i = 0; i < n; i++) {
    const kind = rng.int(3);
    if (kind === 0) Object.assign(result, rng.pick(POLLUTION));
    else if (kind === 1)
      result[`junk${rng.int(100)}`] = rng.pick([...UNICODE, ...NOT_A_STRING]);
    else {
      const keys = Object.keys(result).filter(k => !avoid.includes(k));
      if (keys.length) {
        const key = rng.pick(keys);
        if (typeof result[key] === 'string')
          result[key] = `${result[key]}${rng.pick(UNICODE)}`;
      }
    }
  }
  return result;
}

interface FieldSpec {
  /** Values that make the body invalid whatever else it holds. */
  bad: unknown[];
  /** Leaving it out is a defect too. */
  required: boolean;
}

/** A JSON body with one defective field (or missing), plus noise elsewhere. */
function defectiveBody(
  rng: Rng,
  base: Record<string, unknown>,
  fields: Record<string, FieldSpec>,
) {
  const name = rng.pick(Object.keys(fields));
  const spec = fields[name];
  const body = noise(rng, base, [name]);
  if (spec.required && rng.int(4) === 0) {
    delete body[name];
    return { body, what: `${name} missing` };
  }
  const value = rng.pick(spec.bad);
  body[name] = value;
  return { body, what: `${name}=${JSON.stringify(value)?.slice(0, 40)}` };
}

const textField = (max: number): FieldSpec => ({
  bad: [...NOT_A_STRING, '', '   ', long(max + 1), long(max + 1, 'é')],
  required: true,
});
const refField = (wrongKind: string): FieldSpec => ({
  bad: [...NOT_A_STRING, ...BAD_REFS, wrongKind],
  required: true,
});
/**
 * Never a plan these requests may name: not a plan name, or (pets offers no
 * plans) a well-formed name for an API without plans.
 */
const BAD_PLANS = [
  ...NOT_A_STRING,
  '',
  'Starter',
  'starter plan',
  '-starter',
  long(33),
  '../standard',
  'starter\r\nX-Forged: 1',
  ...UNICODE,
  'starter',
  'standard',
];

const requestFields: Record<string, FieldSpec> = {
  apiRef: refField('component:default/team-a-service'),
  consumerRef: refField('api:default/pets'),
  environment: {
    bad: [...NOT_A_STRING, '', long(65), 'moon', 'PRODUCTION\u0000'],
    required: true,
  },
  scopes: {
    bad: [
      null,
      'pets:read',
      {},
      [1],
      [null],
      [''],
      [long(201)],
      Array.from({ length: 101 }, (_, i) => `s${i}`),
      [{}],
      [['pets:read']],
    ],
    required: true,
  },
  durationDays: { bad: [...NOT_A_NUMBER, 3651, 99999], required: true },
  useCase: textField(2000),
  justification: textField(2000),
  credentialStorage: textField(1000),
  credentialType: {
    bad: ['password', '', 1, [], {}, 'API-KEY'],
    required: false,
  },
  plan: { bad: BAD_PLANS, required: false },
};
const CONSUMER_REF = 'component:default/team-a-service';
const { apiRef: _omit, ...resubmitBase } = productionDraft;
const { apiRef: _omitToo, ...resubmitFields } = requestFields;

interface RouteSpec {
  route: string;
  method: 'get' | 'post' | 'put' | 'delete';
  make: (
    rng: Rng,
    ids: Ids,
  ) => Omit<Input, 'route' | 'method' | 'auth'> & { auth?: string };
  /** Who sends it: people who could act on a valid input among them. */
  callers: string[];
  /** Whether generic body defects (non-JSON, wrong content type, arrays) apply. */
  genericBody?: boolean;
}

const users = (...names: string[]) => names.map(n => as(n));

function routes(): RouteSpec[] {
  const idOr = (rng: Rng, valid: string) =>
    rng.int(3) === 0 ? rng.pick(BAD_IDS) : valid;
  return [
    {
      route: 'GET /health',
      method: 'get',
      callers: [personaHeader('anonymous'), as('stranger')],
      make: rng => ({
        path: `/health?${q({
          [rng.pick(['a', '__proto__[x]', 'x[]'])]: rng.pick(UNICODE),
        })}`,
        what: 'query junk',
      }),
    },
    {
      route: 'GET /apis/:namespace/:name/profile',
      method: 'get',
      callers: users('requester', 'stranger'),
      make: rng => ({
        path: `/apis/${rng.pick(BAD_IDS)}/${rng.pick(BAD_IDS)}/profile`,
        what: 'bad entity name',
      }),
    },
    {
      route: 'POST /plans',
      method: 'post',
      callers: users('requester'),
      genericBody: true,
      make: rng => {
        const { body, what } = defectiveBody(
          rng,
          productionDraft,
          requestFields,
        );
        return { path: '/plans', json: body, what };
      },
    },
    {
      route: 'POST /assessments',
      method: 'post',
      callers: users('requester'),
      genericBody: true,
      make: rng => {
        const { body, what } = defectiveBody(rng, productionDraft, {
          apiRef: refField('group:default/team-c'),
        });
        return {
          path: `/assessments${rng.int(2) ? '?modules=true' : ''}`,
          json: body,
          what,
        };
      },
    },
    {
      route: 'POST /requests',
      method: 'post',
      callers: users('requester', 'both.teams'),
      genericBody: true,
      make: rng => {
        const { body, what } = defectiveBody(rng, sandboxDraft, requestFields);
        return { path: '/requests', json: body, what };
      },
    },
    {
      route: 'GET /requests',
      method: 'get',
      callers: users('requester', 'owner.one', 'admin.one'),
      make: rng => {
        const defect = rng.int(5);
        const params: Record<string, unknown> = {
          view: rng.pick(['mine', 'reviewable']),
        };
        if (defect === 0)
          params.view = rng.pick([
            '',
            'all',
            'MINE',
            ['mine', 'reviewable'],
            long(300),
          ]);
        if (defect === 1)
          params.limit = rng.pick([
            '0',
            '-1',
            'abc',
            '1e9',
            '201',
            '1.5',
            ['1', '2'],
          ]);
        if (defect === 2) params.cursor = rng.pick(BAD_CURSORS);
        if (defect === 3)
          params.reviewerRef = rng.pick(
            BAD_REFS.filter(Boolean).concat(['api:default/pets']),
          );
        if (defect === 4)
          params.status = rng.pick([
            'open',
            'APPROVED',
            '',
            ['approved', 'rejected'],
          ]);
        return {
          path: `/requests?${q(params)}`,
          what: JSON.stringify(params).slice(0, 60),
        };
      },
    },
    {
      route: 'GET /requests/:id',
      method: 'get',
      callers: users('requester', 'admin.one'),
      make: rng => ({ path: `/requests/${rng.pick(BAD_IDS)}`, what: 'bad id' }),
    },
    {
      route: 'POST /requests/:id/decisions',
      method: 'post',
      callers: users('owner.one', 'owner.two'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/requests/${rng.pick(BAD_IDS)}/decisions`,
            json: { decision: 'approve' },
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { decision: 'approve' },
          {
            decision: {
              bad: [
                ...NOT_A_STRING,
                '',
                'APPROVE',
                'approve ',
                'accept',
                ...UNICODE,
              ],
              required: true,
            },
            comment: { bad: [long(2001), 1, [], {}], required: false },
            scopes: {
              bad: [
                'pets:read',
                {},
                [1],
                [''],
                Array.from({ length: 101 }, (_, i) => `s${i}`),
              ],
              required: false,
            },
            durationDays: { bad: NOT_A_NUMBER, required: false },
            // The request is for pets, which offers no plans: no plan is lower.
            plan: { bad: BAD_PLANS, required: false },
          },
        );
        return {
          path: `/requests/${ids.inReview}/decisions`,
          json: body,
          what,
        };
      },
    },
    {
      route: 'POST /requests/decisions',
      method: 'post',
      callers: users('owner.one', 'owner.two'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          // A well-formed body naming ids that are not requests: answered
          // per item (403/404), and nothing changes.
          return {
            path: '/requests/decisions',
            json: {
              ids: [rng.pick(BAD_IDS.filter(id => id.length <= 256))],
              decision: 'reject',
              comment: 'Not for us.',
            },
            what: 'unknown ids',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { ids: [ids.inReview], decision: 'approve' },
          {
            ids: {
              bad: [
                ...NOT_A_STRING,
                'x',
                {},
                [],
                [1],
                [''],
                [null],
                [long(257)],
                ['a\r\nb'],
                [ids.inReview, ids.inReview],
                Array.from({ length: 201 }, (_, i) => `r${i}`),
              ],
              required: true,
            },
            decision: {
              bad: [...NOT_A_STRING, '', 'APPROVE', 'accept', ...UNICODE],
              required: true,
            },
            comment: { bad: [long(2001), 1, [], {}], required: false },
            // Narrowing is for single decisions: refused, not ignored.
            scopes: { bad: [['pets:read'], []], required: false },
            durationDays: { bad: [1, 30], required: false },
            plan: { bad: ['starter', ...BAD_PLANS], required: false },
          },
        );
        return { path: '/requests/decisions', json: body, what };
      },
    },
    {
      // A valid id would withdraw: only bad ids here.
      route: 'POST /requests/:id/withdraw',
      method: 'post',
      callers: users('requester'),
      make: rng => ({
        path: `/requests/${rng.pick(BAD_IDS)}/withdraw`,
        json: rng.pick([{}, ...POLLUTION]),
        what: 'bad id',
      }),
    },
    {
      route: 'POST /requests/:id/resubmit',
      method: 'post',
      callers: users('requester'),
      genericBody: true,
      make: (rng, ids) => {
        const { body, what } = defectiveBody(rng, resubmitBase, resubmitFields);
        return {
          path: `/requests/${idOr(rng, ids.changesRequested)}/resubmit`,
          json: body,
          what,
        };
      },
    },
    {
      route: 'POST /requests/:id/steps/:stepId/delegate',
      method: 'post',
      callers: users('owner.one'),
      genericBody: true,
      make: (rng, ids) => {
        const defect = rng.int(3);
        if (defect === 0) {
          return {
            path: `/requests/${ids.inReview}/steps/${rng.pick(
              BAD_IDS,
            )}/delegate`,
            json: { to: 'user:default/owner.two' },
            what: 'bad step id',
          };
        }
        if (defect === 1) {
          return {
            path: `/requests/${rng.pick(BAD_IDS)}/steps/${
              ids.ownerStepId
            }/delegate`,
            json: { to: 'user:default/owner.two' },
            what: 'bad request id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { to: 'user:default/owner.two' },
          {
            to: {
              bad: [
                ...NOT_A_STRING,
                ...BAD_REFS,
                'group:default/team-c',
                'user:default/nobody',
                'user:default/owner.one',
                'user:default/requester',
              ],
              required: true,
            },
          },
        );
        return {
          path: `/requests/${ids.inReview}/steps/${ids.ownerStepId}/delegate`,
          json: body,
          what,
        };
      },
    },
    {
      route: 'GET /audit',
      method: 'get',
      callers: users('requester', 'admin.one'),
      make: rng => {
        const subjectId = rng.pick([
          '',
          long(65),
          ['a', 'b'],
          ...BAD_IDS.slice(0, 4),
        ]);
        return {
          path: `/audit?${rng.int(5) === 0 ? 'x=1' : q({ subjectId })}`,
          what: 'bad subjectId',
        };
      },
    },
    {
      route: 'GET /audit/verify',
      method: 'get',
      callers: users('stranger', 'admin.one'),
      make: rng => ({
        path: `/audit/verify?${q({
          from: rng.pick(BAD_CURSORS),
          [rng.pick(['__proto__', 'x'])]: 1,
        })}`,
        what: 'query junk',
      }),
    },
    {
      // Each input has a bad bound (not ISO, no time zone, not a day, given
      // twice), a reversed range or an unknown format; sent by an admin and
      // by the compliance group, who could export a valid one.
      route: 'GET /audit/export',
      method: 'get',
      callers: users('admin.one', 'comp.one', 'stranger'),
      make: rng => {
        const badBound = rng.pick<unknown>([
          '',
          'yesterday',
          '2026-13-01',
          '2026-02-30',
          '2026-01-01T10:00:00',
          '1',
          long(300, '9'),
          ['2026-01-01', '2026-02-01'],
          ...UNICODE.slice(0, 4),
        ]);
        const kind = rng.int(4);
        if (kind === 0) {
          return {
            path: `/audit/export?${q({ from: badBound, format: 'csv' })}`,
            what: 'bad from',
          };
        }
        if (kind === 1) {
          return {
            path: `/audit/export?${q({ from: '2026-01-01', to: badBound })}`,
            what: 'bad to',
          };
        }
        if (kind === 2) {
          return {
            path: `/audit/export?${q({
              from: '2026-06-01T00:00:00Z',
              to: rng.pick(['2026-01-01', '2026-06-01T00:00:00Z']),
            })}`,
            what: 'from not before to',
          };
        }
        return {
          path: `/audit/export?${q({
            format: rng.pick<unknown>([
              'xml',
              'NDJSON',
              '',
              'json',
              ['csv', 'ndjson'],
              ...UNICODE.slice(0, 2),
            ]),
            [rng.pick(['__proto__', 'x'])]: 1,
          })}`,
          what: 'bad format',
        };
      },
    },
    {
      route: 'GET /credentials/terms',
      method: 'get',
      callers: users('requester'),
      make: rng => ({
        path: `/credentials/terms?${q({ version: rng.pick(UNICODE) })}`,
        what: 'query junk',
      }),
    },
    {
      route: 'GET /credential-types',
      method: 'get',
      callers: users('requester'),
      make: rng => ({
        path: `/credential-types?${q({
          [rng.pick(['id', '__proto__', 'type'])]: rng.pick(UNICODE),
        })}`,
        what: 'query junk',
      }),
    },
    {
      route: 'POST /grants/:id/credentials',
      method: 'post',
      callers: users('requester'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/grants/${rng.pick(BAD_IDS)}/credentials`,
            json: { acceptTerms: '1' },
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { acceptTerms: '1' },
          {
            acceptTerms: {
              bad: [
                ...NOT_A_STRING,
                '',
                '   ',
                '2',
                '1.0',
                '01',
                long(5000),
                ...UNICODE,
              ],
              required: true,
            },
          },
        );
        return { path: `/grants/${ids.grantId}/credentials`, json: body, what };
      },
    },
    {
      route: 'POST /grants/:id/certificates',
      method: 'post',
      callers: users('requester'),
      genericBody: true,
      make: (rng, ids) => {
        const garbage = rng.pick([
          '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----',
          `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(
            long(300, 'x'),
          ).toString('base64')}\n-----END CERTIFICATE REQUEST-----`,
          '-----BEGIN CERTIFICATE REQUEST-----\n!!!not base64!!!\n-----END CERTIFICATE REQUEST-----',
          '-----BEGIN NEW CERTIFICATE REQUEST-----\nMIIB\n-----END NEW CERTIFICATE REQUEST-----',
          '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
          `-----BEGIN CERTIFICATE REQUEST-----\n${long(
            16000,
            'A',
          )}\n-----END CERTIFICATE REQUEST-----`,
          long(70_000, 'A'),
          ...NOT_A_STRING,
          ...UNICODE,
        ]);
        const body = noise(
          rng,
          {
            acceptTerms: rng.int(5) ? '1' : rng.pick(['', 2, null]),
            csr: garbage,
          },
          ['csr', 'acceptTerms'],
        );
        return {
          path: `/grants/${idOr(rng, ids.mtlsGrantId)}/certificates`,
          json: body,
          what: `csr=${String(garbage).slice(0, 40)}`,
        };
      },
    },
    {
      route: 'GET /certificates/ca.pem',
      method: 'get',
      callers: [personaHeader('anonymous')],
      make: rng => ({
        path: `/certificates/ca.pem?${q({ x: rng.pick(UNICODE) })}`,
        what: 'query junk',
      }),
    },
    {
      route: 'GET /certificates/crl.pem',
      method: 'get',
      callers: [personaHeader('anonymous')],
      make: rng => ({
        path: `/certificates/crl.pem?${q({ x: rng.pick(UNICODE) })}`,
        what: 'query junk',
      }),
    },
    {
      route: 'ALL /authorize',
      method: 'get',
      callers: [personaHeader('gateway'), personaHeader('otherService')],
      make: rng => {
        const headers: Record<string, string> = {};
        const defect = rng.int(4);
        headers['X-Api-Access-Api'] =
          defect === 0
            ? rng.pick([
                '',
                '::',
                'api:',
                ':x/y',
                'component:default/team-a-service',
                long(4000),
                'api:default/nope',
                "api:default/' OR 1=1",
              ])
            : 'api:default/pets';
        // Bearer tokens (a test bearer-token type is installed): none is
        // one a client of any grant holds, so each is refused. Drawn from
        // their own stream, so the other inputs stay as they were.
        const token = tokenRng.int(3) === 0;
        if (token) {
          headers['X-Api-Access-Token'] = tokenRng.pick([
            '',
            'a.b.c',
            'a.b.c.d',
            '...',
            long(12_000),
            `${long(6000)}.${long(5000)}.x`,
            'ey\u00e9.ey\u00e9.\u00e9',
            'Bearer x.y.z',
            `eyJhbGciOiJub25lIn0.${Buffer.from(
              '{"client_id":"x","exp":9999999999}',
            ).toString('base64url')}.`,
          ]);
        }
        if (defect !== 0 || rng.int(2)) {
          const key = rng.pick([
            '',
            'x',
            long(513),
            long(8000),
            `aa_${long(40, 'b')}`,
            '\tkey',
            '%00',
            'Bearer x',
            "' OR 1=1 --",
          ]);
          // With a token, a key only sometimes (both at once is refused).
          if (!token || tokenRng.int(2) === 0) {
            headers['X-Api-Access-Key'] = key;
          }
        }
        if (rng.int(3) === 0)
          headers['X-Api-Access-Scope'] = rng.pick([
            '',
            long(3000),
            'pets:read pets:write',
            '*',
          ]);
        if (rng.int(3) === 0)
          headers['X-Api-Access-Environment'] = rng.pick([
            '',
            'moon',
            long(3000),
          ]);
        if (defect === 3) delete headers['X-Api-Access-Api'];
        return {
          path: '/authorize',
          headers,
          what: JSON.stringify(headers).slice(0, 80),
        };
      },
    },
    {
      route: 'POST /introspect',
      method: 'post',
      callers: [personaHeader('gateway'), personaHeader('otherService')],
      make: rng => {
        const made = introspectionDefect(rng);
        // Bearer tokens on their own stream (so the other inputs stay as
        // they were): never one a client holds.
        if (tokenRng.int(4) !== 0) return made;
        return {
          path: '/introspect',
          raw: {
            contentType: 'application/x-www-form-urlencoded',
            body: tokenRng.pick([
              `token=${long(20_000)}.a.b`,
              'token=a.b.c&token_type_hint=access_token',
              `token=${long(9000)}&token_type_hint=access_token`,
              'token=%C3%A9.%C3%A9.%C3%A9&token_type_hint=access_token',
              'token=a.b.c.d',
              'token=&token_type_hint=access_token',
            ]),
          },
          what: 'token form',
        };
      },
    },
    {
      // The catalog's map of active grants: no parameters, so junk in the
      // query or the path's tail, from the catalog itself, a user and a gateway.
      route: 'GET /catalog/relations',
      method: 'get',
      callers: [
        serviceHeader('plugin:catalog'),
        as('admin.one'),
        personaHeader('gateway'),
      ],
      make: rng =>
        rng.int(2) === 0
          ? {
              path: `/catalog/relations?${q({
                [rng.pick(['consumerRef', '__proto__[x]', 'x[]'])]:
                  rng.pick(UNICODE),
              })}`,
              what: 'query junk',
            }
          : {
              path: `/catalog/relations/${rng.pick(BAD_IDS)}`,
              what: 'bad path tail',
            },
    },
    {
      route: 'GET /grants',
      method: 'get',
      callers: users('requester', 'owner.one', 'admin.one'),
      make: rng => {
        const params: Record<string, unknown> = {};
        const defect = rng.int(4);
        if (defect !== 0)
          params[
            rng.pick(['apiRef', 'consumerRef', 'ownerRef', 'requesterRef'])
          ] =
            defect === 1
              ? rng.pick(BAD_REFS)
              : rng.pick(['api:default/pets', TEAM_C]);
        if (defect === 2) params.cursor = rng.pick(BAD_CURSORS);
        if (defect === 3)
          params.limit = rng.pick([
            '0',
            '-5',
            'x',
            '100000',
            '2.5',
            ['1', '2'],
          ]);
        return {
          path: `/grants?${q(params)}`,
          what: JSON.stringify(params).slice(0, 60),
        };
      },
    },
    {
      route: 'POST /grants/:id/revoke',
      method: 'post',
      callers: users('owner.one', 'requester', 'admin.one'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/grants/${rng.pick(BAD_IDS)}/revoke`,
            json: { reason: 'No longer needed.' },
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { reason: 'No longer needed.' },
          {
            reason: {
              bad: [...NOT_A_STRING, '', 'ab', '  ab  ', long(2001)],
              required: true,
            },
          },
        );
        return { path: `/grants/${ids.grantId}/revoke`, json: body, what };
      },
    },
    {
      // Every body lacks exactly one selector, or has a bad reason, ref or
      // dryRun: none can revoke anything, whoever sends it.
      route: 'POST /grants/revoke',
      method: 'post',
      callers: users('owner.one', 'admin.one'),
      genericBody: true,
      make: rng => {
        const reason = 'Key leaked in a public repository.';
        if (rng.int(3) === 0) {
          const body = rng.pick<Record<string, unknown>>([
            { reason },
            { reason, dryRun: false },
            { apiRef: 'api:default/pets', consumerRef: CONSUMER_REF, reason },
            {
              consumerRef: CONSUMER_REF,
              requesterRef: 'user:default/requester',
              reason,
            },
            {
              apiRef: 'api:default/pets',
              consumerRef: CONSUMER_REF,
              requesterRef: 'user:default/requester',
              reason,
              dryRun: false,
            },
          ]);
          return {
            path: '/grants/revoke',
            json: noise(rng, body, ['apiRef', 'consumerRef', 'requesterRef']),
            what: `selectors ${Object.keys(body).join(',')}`,
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { apiRef: 'api:default/pets', reason, dryRun: false },
          {
            apiRef: refField('component:default/team-a-service'),
            reason: {
              bad: [...NOT_A_STRING, '', 'ab', '  ab  ', long(2001)],
              required: true,
            },
            dryRun: {
              bad: ['true', 'yes', 1, 0, null, [], {}],
              required: false,
            },
          },
        );
        return { path: '/grants/revoke', json: body, what };
      },
    },
    {
      route: 'GET /grants/revocations/:batchId',
      method: 'get',
      callers: users('owner.one', 'admin.one'),
      make: rng => ({
        path: `/grants/revocations/${rng.pick(BAD_IDS)}`,
        what: 'bad id',
      }),
    },
    {
      route: 'POST /grants/:id/renew',
      method: 'post',
      callers: users('requester'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/grants/${rng.pick(BAD_IDS)}/renew`,
            json: { durationDays: 30 },
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { durationDays: 30 },
          {
            durationDays: { bad: [...NOT_A_NUMBER, 99999], required: true },
            justification: {
              bad: ['', '   ', long(4001), 1, [], {}],
              required: false,
            },
          },
        );
        return { path: `/grants/${ids.grantId}/renew`, json: body, what };
      },
    },
    {
      route: 'POST /grants/:id/suspend',
      method: 'post',
      callers: users('owner.one', 'admin.one'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/grants/${rng.pick(BAD_IDS)}/suspend`,
            json: { reason: 'Abuse from the integration.' },
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { reason: 'Abuse from the integration.' },
          {
            reason: {
              bad: [...NOT_A_STRING, '', 'ab', '  ab  ', long(2001)],
              required: true,
            },
          },
        );
        return { path: `/grants/${ids.grantId}/suspend`, json: body, what };
      },
    },
    {
      // The grant is active: a valid resumption is a 409 and changes nothing.
      route: 'POST /grants/:id/resume',
      method: 'post',
      callers: users('owner.one', 'admin.one'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/grants/${rng.pick(BAD_IDS)}/resume`,
            json: {},
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { comment: 'Fixed on their side.' },
          {
            comment: {
              bad: [1, true, [], {}, long(2001)],
              required: false,
            },
          },
        );
        return { path: `/grants/${ids.grantId}/resume`, json: body, what };
      },
    },
    {
      route: 'POST /grants/:id/plan',
      method: 'post',
      callers: users('owner.one', 'admin.one'),
      genericBody: true,
      make: (rng, ids) => {
        if (rng.int(4) === 0) {
          return {
            path: `/grants/${rng.pick(BAD_IDS)}/plan`,
            json: { plan: 'starter' },
            what: 'bad id',
          };
        }
        const { body, what } = defectiveBody(
          rng,
          { plan: 'starter', comment: 'Too many writes.' },
          {
            plan: {
              bad: [
                ...NOT_A_STRING,
                '',
                'Gold!',
                '-starter',
                long(33),
                '../starter',
                ...UNICODE,
              ],
              required: true,
            },
            comment: { bad: [1, true, [], {}, long(2001)], required: false },
          },
        );
        return { path: `/grants/${ids.grantId}/plan`, json: body, what };
      },
    },
    {
      route: 'GET /grants/:id/usage',
      method: 'get',
      callers: users('requester', 'owner.one'),
      make: (rng, ids) => {
        const days = rng.pick<unknown>([
          '0',
          '-1',
          '367',
          '1.5',
          'many',
          '',
          '1e400',
          ...UNICODE,
        ]);
        const params: Record<string, unknown> =
          rng.int(3) === 0 ? { days, extra: 'x' } : { days };
        return {
          path: `/grants/${idOr(rng, ids.grantId)}/usage?${q(params)}`,
          what: JSON.stringify(params).slice(0, 60),
        };
      },
    },
    {
      route: 'POST /grants/:id/provisioning/retry',
      method: 'post',
      callers: users('owner.one', 'admin.one'),
      make: (rng, ids) => ({
        path: `/grants/${idOr(rng, ids.grantId)}/provisioning/retry`,
        json: rng.pick([{}, ...POLLUTION, { force: true }]),
        what: 'retry',
      }),
    },
    {
      // Admins would run the tick: the junk goes to everyone else.
      route: 'POST /admin/lifecycle/run',
      method: 'post',
      callers: users('stranger', 'owner.one', 'requester'),
      make: rng => ({
        path: '/admin/lifecycle/run',
        json: rng.pick([{}, ...POLLUTION, { rules: ['all'] }, [1]]),
        what: 'non-admin',
      }),
    },
    {
      route: 'GET /metrics/time-to-decision',
      method: 'get',
      callers: users('owner.one', 'admin.one'),
      make: rng => {
        const params: Record<string, unknown> = {};
        const defect = rng.int(3);
        if (defect === 0)
          params.from = rng.pick([
            'x',
            '2031-13-45',
            long(300, '9'),
            ['2031-01-01', '2031-02-01'],
          ]);
        if (defect === 1) {
          params.from = '2031-02-01';
          params.to = '2031-01-01';
        }
        if (defect === 2)
          params.apiRef = rng.pick(
            BAD_REFS.filter(Boolean).concat(['group:default/team-c']),
          );
        return {
          path: `/metrics/time-to-decision?${q(params)}`,
          what: JSON.stringify(params).slice(0, 60),
        };
      },
    },
    {
      route: 'GET /access-reviews',
      method: 'get',
      callers: users('owner.one', 'admin.one'),
      make: rng => {
        const params = rng.int(2)
          ? {
              ownerRef: rng.pick(
                BAD_REFS.filter(Boolean).concat(['api:default/pets']),
              ),
            }
          : { status: rng.pick(['closed', '', 'ALL', ['open', 'all']]) };
        return {
          path: `/access-reviews?${q(params)}`,
          what: JSON.stringify(params).slice(0, 60),
        };
      },
    },
    {
      route: 'GET /access-reviews/:id',
      method: 'get',
      callers: users('owner.one', 'admin.one'),
      make: rng => ({
        path: `/access-reviews/${rng.pick(BAD_IDS)}`,
        what: 'bad id',
      }),
    },
    {
      route: 'GET /access-reviews/:id/history',
      method: 'get',
      callers: users('owner.one', 'admin.one'),
      make: rng => ({
        path: `/access-reviews/${rng.pick(BAD_IDS)}/history`,
        what: 'bad id',
      }),
    },
    {
      route: 'POST /access-reviews/:id/items/:grantId',
      method: 'post',
      callers: users('owner.one', 'admin.one'),
      genericBody: true,
      make: (rng, ids) => {
        const defect = rng.int(4);
        const keep = {
          decision: 'keep',
          comment: 'Still needed by the dashboard.',
        };
        if (defect === 0)
          return {
            path: `/access-reviews/${rng.pick(BAD_IDS)}/items/${ids.grantId}`,
            json: keep,
            what: 'bad review id',
          };
        if (defect === 1)
          return {
            path: `/access-reviews/${ids.reviewId}/items/${rng.pick(BAD_IDS)}`,
            json: keep,
            what: 'bad grant id',
          };
        const { body, what } = defectiveBody(rng, keep, {
          decision: {
            bad: [...NOT_A_STRING, '', 'maybe', 'KEEP', 'approve'],
            required: true,
          },
          comment: { bad: ['', 'ab', long(2001), 1, [], {}], required: true },
        });
        return {
          path: `/access-reviews/${ids.reviewId}/items/${ids.grantId}`,
          json: body,
          what,
        };
      },
    },
    {
      // An admin with no ownerRef would start every owner's review: only bad ownerRefs.
      route: 'POST /access-reviews/run',
      method: 'post',
      callers: users('admin.one', 'owner.one'),
      make: rng => ({
        path: '/access-reviews/run',
        json: noise(
          rng,
          {
            ownerRef: rng.pick([
              ...NOT_A_STRING,
              ...BAD_REFS,
              'api:default/pets',
              'component:default/team-a-service',
            ]),
          },
          ['ownerRef'],
        ),
        what: 'bad ownerRef',
      }),
    },
  ];
}

/** POST /introspect's malformed bodies (keys; tokens are added by the route's spec). */
function introspectionDefect(
  rng: Rng,
): Omit<Input, 'route' | 'method' | 'auth'> {
  const defect = rng.int(6);
  if (defect === 0)
    return {
      path: '/introspect',
      raw: {
        contentType: 'application/x-www-form-urlencoded',
        body: rng.pick([
          '',
          'token=',
          'tok=x',
          `token=${long(600)}`,
          `token=${long(5000)}`,
          'token=a&token=b',
          '%%%',
          'token=%E0%A4%A',
        ]),
      },
      what: 'form',
    };
  if (defect === 1)
    return {
      path: '/introspect',
      raw: {
        contentType: 'application/json',
        body: rng.pick(NON_JSON_BODIES),
      },
      what: 'bad json',
    };
  if (defect === 2)
    return {
      path: '/introspect',
      json: { token: rng.pick([...NOT_A_STRING, '', long(513)]) },
      what: 'bad token type',
    };
  if (defect === 3)
    return {
      path: '/introspect',
      raw: {
        contentType: rng.pick(BAD_CONTENT_TYPES),
        body: rng.pick(['token=x', '{"token":1}', long(5000)]),
      },
      what: 'content type',
    };
  if (defect === 4)
    return {
      path: '/introspect',
      json: rng.pick([[], ['token'], 'token', 1, ...POLLUTION]),
      what: 'not an object',
    };
  return {
    path: '/introspect',
    raw: {
      contentType: 'application/x-www-form-urlencoded',
      body: `token=${enc(rng.pick(UNICODE))}`,
    },
    what: 'unknown unicode token',
  };
}

/** Generic body defects for routes whose body must be an object with required fields. */
function genericBodyDefect(
  rng: Rng,
  spec: RouteSpec,
  ids: Ids,
): Omit<Input, 'route' | 'method' | 'auth'> & { auth?: string } {
  const { path } = spec.make(rng, ids);
  const kind = rng.int(4);
  if (kind === 0)
    return {
      path,
      raw: { contentType: 'application/json', body: rng.pick(NON_JSON_BODIES) },
      what: 'non-JSON body',
    };
  if (kind === 1)
    return {
      path,
      raw: {
        contentType: rng.pick(BAD_CONTENT_TYPES),
        body: rng.pick(['{"decision":"approve"}', 'a=1', long(1000)]),
      },
      what: 'content type',
    };
  if (kind === 2)
    return {
      path,
      json: rng.pick([[], [{}], ['approve'], 'approve', 1, true]),
      what: 'not an object',
    };
  return {
    path,
    raw: { contentType: 'application/json', body: `{"x":"${long(110_000)}"}` },
    what: 'over the body limit',
  };
}

function generate(count: number, seed: number, ids: Ids): Input[] {
  const rng = seeded(seed);
  tokenRng = seeded(seed + 1);
  const specs = routes();
  const inputs: Input[] = [];
  for (let i = 0; i < count; i++) {
    const spec = specs[i % specs.length];
    const made =
      spec.genericBody && rng.int(5) === 0
        ? genericBodyDefect(rng, spec, ids)
        : spec.make(rng, ids);
    inputs.push({
      route: spec.route,
      method: spec.route.startsWith('ALL')
        ? rng.pick(['get', 'post', 'put', 'delete'])
        : spec.method,
      auth: made.auth ?? rng.pick(spec.callers),
      ...made,
    });
  }
  return inputs;
}

describe.each(databases.eachSupportedId())(
  'malformed input on %p',
  databaseId => {
    let backend: SecurityBackend;
    const ids = {} as Ids;

    beforeAll(async () => {
      const periodStart = nextReviewPeriodStart(new Date('2031-01-01'));
      const clock = movableClock(new Date(periodStart.getTime() - DAY));
      const ca = await makeCa({
        notBefore: new Date('2020-01-01'),
        notAfter: new Date('2040-01-01'),
      });
      backend = await startSecurityBackend({
        knex: await databases.init(databaseId),
        clock,
        // Bearer tokens take their own path at /authorize and /introspect.
        extraFeatures: [testTokenTypeModule(createTestTokenType())],
        apiAccess: {
          certificates: {
            ca: {
              certificate: ca.certificatePem,
              privateKey: ca.privateKeyPem,
            },
            maxValidityDays: 30,
            crlCacheSeconds: 0,
          },
        },
      });
      const http = client(backend.server);
      const inReview = await http.submit('requester', productionDraft);
      ids.inReview = inReview.id;
      ids.ownerStepId = inReview.steps[0].id;
      const changes = await http.submit('requester', productionDraft);
      await http.decide('owner.one', changes.id, {
        decision: 'request_changes',
        comment: 'Which vault path?',
      });
      ids.changesRequested = changes.id;
      ids.grantId = (await http.approvedGrant()).grantId;
      await http.issueKey(ids.grantId);
      ids.mtlsGrantId = (
        await http.approvedGrant({
          ...sandboxDraft,
          credentialType: 'mtls-certificate',
        })
      ).grantId;
      clock.set(new Date(periodStart.getTime() + HOUR));
      await backend.tick();
      const reviews = await http.call(
        'get',
        `/access-reviews?ownerRef=${TEAM_C}`,
        as('owner.one'),
      );
      ids.reviewId = reviews.body.items[0].id;
    }, 120_000);

    afterAll(async () => {
      await backend?.stop();
    });

    it(`answers ${INPUTS} seeded malformed inputs over every route with a 4xx (or a read's 200), changing no row`, async () => {
      const inputs = generate(INPUTS, SEED, ids);
      expect(new Set(inputs.map(i => i.route)).size).toBe(routes().length);
      const before = await fingerprint(backend.knex);
      expect(before.tables).toEqual(
        expect.arrayContaining([
          'api_access_requests',
          'api_access_grants',
          'api_access_audit_events',
        ]),
      );

      const serverErrors: string[] = [];
      const echoes: string[] = [];
      const statuses: Record<string, number> = {};
      let sent = 0;
      const sendOne = async (input: Input) => {
        let call = (request(backend.server) as any)
          [input.method](`/api/api-access${input.path}`)
          .set('Authorization', input.auth);
        for (const [name, value] of Object.entries(input.headers ?? {}))
          call = call.set(name, value);
        if (input.raw)
          call = call
            .set('Content-Type', input.raw.contentType)
            .send(input.raw.body);
        else if (input.json !== null && typeof input.json === 'object')
          call = call.send(input.json as any);
        else if (input.json !== undefined)
          call = call
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(input.json));
        const response = await call;
        sent += 1;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status >= 500) {
          serverErrors.push(
            `${input.route} [${input.what}] -> ${
              response.status
            } ${JSON.stringify(response.body).slice(0, 200)}`,
          );
        }
        // Bad input is never echoed at length, nor with a raw line break.
        const message: unknown = response.body?.error?.message;
        if (
          typeof message === 'string' &&
          (message.length > 2000 || /[\r\n]/.test(message))
        ) {
          echoes.push(
            `${input.route} [${input.what}] -> ${
              message.length
            } chars: ${JSON.stringify(message.slice(0, 120))}`,
          );
        }
      };
      for (let i = 0; i < inputs.length; i += CONCURRENCY) {
        await Promise.all(inputs.slice(i, i + CONCURRENCY).map(sendOne));
      }

      const after = await fingerprint(backend.knex);
      // eslint-disable-next-line no-console
      console.log(
        `malformed input on ${databaseId}: ${sent} inputs over ${
          routes().length
        } routes, statuses ${JSON.stringify(statuses)}`,
      );
      // One summary, so a run reports every broken promise at once.
      expect({
        atLeast5000: sent >= 5000,
        serverErrors: serverErrors.slice(0, 10),
        serverErrorCount: serverErrors.length,
        rowCounts: after.counts,
        rowsHash: after.hash,
        // Log hygiene: error messages (which the auditor logs) quote input only as bounded, escaped excerpts.
        unboundedOrMultilineMessages: echoes.slice(0, 10),
        unboundedOrMultilineMessageCount: echoes.length,
        prototypePolluted: ({} as any).polluted ?? ({} as any).isAdmin ?? null,
      }).toEqual({
        atLeast5000: true,
        serverErrors: [],
        serverErrorCount: 0,
        rowCounts: before.counts,
        rowsHash: before.hash,
        unboundedOrMultilineMessages: [],
        unboundedOrMultilineMessageCount: 0,
        prototypePolluted: null,
      });
    }, 300_000);
  },
);
