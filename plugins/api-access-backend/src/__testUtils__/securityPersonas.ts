/*
 * The security suite's shared pieces: the personas every route is tried
 * with, a backend with a movable clock and an on-demand scheduler, helpers
 * that build requests and grants over HTTP, and a fingerprint of every
 * api_access table to prove that nothing changed.
 */
import { createHash } from 'node:crypto';
import {
  BackendFeature,
  ServiceFactory,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  TestDatabaseId,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import request from 'supertest';
import { startApiAccessBackend } from './testBackend';
import { apiAccessClockServiceRef } from '../clock';

export const BASE = '/api/api-access';

/** The service subject the suite's config names as the one gateway. */
export const GATEWAY_SUBJECT = 'external:nginx-demo-gateway';
/** Any other service caller (Backstage's mock default subject). */
export const OTHER_SERVICE_SUBJECT = 'external:test-service';

export const PERSONAS = [
  'anonymous',
  'unrelated',
  'requester',
  'consumerMember',
  'ownerMember',
  'ownerAndConsumer',
  'security',
  'compliance',
  'legal',
  'admin',
  'gateway',
  'otherService',
] as const;
export type Persona = (typeof PERSONAS)[number];

/**
 * The user behind each user persona, all from src/__fixtures__/catalog.yaml.
 * Every request and grant the suite makes is requested by `requester` (team-a)
 * for component:default/team-a-service (owned by team-a) on an API owned by
 * team-c, unless a test says otherwise.
 */
export const PERSONA_USERS: Partial<Record<Persona, string>> = {
  unrelated: 'user:default/stranger',
  requester: 'user:default/requester',
  consumerMember: 'user:default/consumer.member',
  ownerMember: 'user:default/owner.one',
  ownerAndConsumer: 'user:default/both.teams',
  security: 'user:default/sec.one',
  compliance: 'user:default/comp.one',
  legal: 'user:default/legal.one',
  // Granted api-access.admin by the test permission policy (group api-access-admins).
  admin: 'user:default/admin.one',
};

export const user = (name: string) => `user:default/${name}`;

/** The Authorization header of a persona. */
export function personaHeader(persona: Persona): string {
  switch (persona) {
    case 'anonymous':
      return mockCredentials.none.header();
    case 'gateway':
      return serviceHeader(GATEWAY_SUBJECT);
    case 'otherService':
      return serviceHeader(OTHER_SERVICE_SUBJECT);
    default:
      return mockCredentials.user.header(PERSONA_USERS[persona]!);
  }
}

export function serviceHeader(subject: string): string {
  return mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(subject),
    targetPluginId: 'api-access',
  });
}

/** The header of a catalog user by name (`owner.one`) or ref. */
export const as = (name: string) =>
  mockCredentials.user.header(name.includes(':') ? name : user(name));

export const TEAM_A = 'group:default/team-a';
export const TEAM_C = 'group:default/team-c';
export const CONSUMER = 'component:default/team-a-service';

export const sandboxDraft = {
  apiRef: 'api:default/pets',
  consumerRef: CONSUMER,
  environment: 'sandbox',
  scopes: ['pets:read'],
  useCase: 'Show pet names on the team-a dashboard.',
  justification: 'Requested by product for the spring release.',
  credentialStorage:
    'Vault kv/team-a-service, rotated monthly by the deploy pipeline',
  durationDays: 60,
};
/** pets is internal: production adds security after the owner. */
export const productionDraft = {
  ...sandboxDraft,
  environment: 'production',
  durationDays: 30,
};

// ---- Time ------------------------------------------------------------------

const DAY = 24 * 60 * 60 * 1000;
export const HOUR = 60 * 60 * 1000;
export { DAY };

/** The first access-review period start (defaults: 2026-01-01, every 90 days) after `after`. */
export function nextReviewPeriodStart(after: Date): Date {
  const first = Date.parse('2026-01-01T00:00:00Z');
  const length = 90 * DAY;
  const index = Math.floor((after.getTime() - first) / length) + 1;
  return new Date(first + index * length);
}

export interface MovableClock {
  now(): Date;
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function movableClock(start: Date | string): MovableClock {
  let at = new Date(start).getTime();
  return {
    now: () => new Date(at),
    set: value => {
      at = new Date(value).getTime();
    },
    advance: ms => {
      at += ms;
    },
  };
}

// ---- The backend -------------------------------------------------------------

export interface SecurityBackend {
  server: any;
  knex: Knex;
  clock: MovableClock;
  stop(): Promise<void>;
  /** Runs the lifecycle tick (reminders, escalation, expiry, access reviews). */
  tick(): Promise<void>;
  /** Writes last uses collected by introspection to the database. */
  flushLastUses(): Promise<void>;
}

/** The extra users the suite waits for besides the default entities. */
export const SUITE_ENTITIES = [
  'api:default/pets',
  'api:default/plain',
  'api:default/invoices',
  'component:default/team-a-service',
  'user:default/owner.two',
  'user:default/legal.one',
  'user:default/consumer.member',
  'user:default/sec.teama',
  'user:default/lead.teama',
  'group:default/platform-leads',
];

/**
 * The plugin beside the real catalog, with a movable clock and a scheduler
 * that runs tasks only when told (so no tick changes rows behind a test's
 * back). The config names the gateway; `config` is merged into apiAccess.
 */
export async function startSecurityBackend(options: {
  knex: Knex;
  clock?: MovableClock;
  apiAccess?: JsonObject;
  /** More features, e.g. a module that installs a credential type. */
  extraFeatures?: BackendFeature[];
}): Promise<SecurityBackend> {
  const clock = options.clock ?? movableClock(new Date());
  const scheduler = mockServices.scheduler() as unknown as {
    factory(opts?: { skipTaskRunOnStartup?: boolean }): ServiceFactory;
    triggerTask(id: string): Promise<void>;
  };
  const backend = await startApiAccessBackend({
    knex: options.knex,
    config: {
      apiAccess: {
        gateway: { allowedSubjects: [GATEWAY_SUBJECT] },
        ...options.apiAccess,
      },
    },
    extraFeatures: [
      scheduler.factory({ skipTaskRunOnStartup: true }),
      createServiceFactory({
        service: apiAccessClockServiceRef,
        deps: {},
        factory: () => clock,
      }),
      ...(options.extraFeatures ?? []),
    ],
    waitFor: SUITE_ENTITIES,
  });
  return {
    server: backend.server,
    knex: options.knex,
    clock,
    stop: () => backend.stop(),
    tick: () => scheduler.triggerTask('api-access-lifecycle'),
    flushLastUses: () => scheduler.triggerTask('api-access-record-last-use'),
  };
}

// ---- HTTP helpers ------------------------------------------------------------

export function client(server: any) {
  const call = (
    method: 'get' | 'post',
    path: string,
    authorization: string,
    body?: unknown,
  ) => {
    const r = (request(server) as any)
      [method](`${BASE}${path}`)
      .set('Authorization', authorization);
    return body === undefined ? r : r.send(body);
  };

  async function submit(by: string, draft: object = sandboxDraft) {
    const response = await call('post', '/requests', as(by), draft);
    if (response.status !== 201) {
      throw new Error(
        `setup: ${by} could not submit: ${response.status} ${JSON.stringify(
          response.body,
        )}`,
      );
    }
    return response.body;
  }

  async function decide(by: string, id: string, body: object) {
    return call('post', `/requests/${id}/decisions`, as(by), body);
  }

  /** A request approved by every stage: owner.one, then sec.one where security reviews. */
  async function approvedGrant(
    draft: object = sandboxDraft,
    options: { by?: string; approvers?: string[] } = {},
  ): Promise<{ requestId: string; grantId: string }> {
    const created = await submit(options.by ?? 'requester', draft);
    let last: any = created;
    const approvers = options.approvers ?? ['owner.one', 'sec.one', 'comp.one'];
    for (const approver of approvers) {
      if (last.status === 'approved') break;
      const response = await decide(approver, created.id, {
        decision: 'approve',
      });
      if (response.status !== 201) {
        throw new Error(
          `setup: ${approver} could not approve: ${
            response.status
          } ${JSON.stringify(response.body)}`,
        );
      }
      last = response.body;
    }
    if (last.status !== 'approved' || !last.grantId) {
      throw new Error(`setup: request ${created.id} is ${last.status}`);
    }
    return { requestId: created.id, grantId: last.grantId };
  }

  async function issueKey(grantId: string, by = 'requester'): Promise<string> {
    const response = await call(
      'post',
      `/grants/${grantId}/credentials`,
      as(by),
      { acceptTerms: '1' },
    );
    if (response.status !== 201) {
      throw new Error(
        `setup: no key for ${grantId}: ${response.status} ${JSON.stringify(
          response.body,
        )}`,
      );
    }
    return response.body.secret;
  }

  return { call, submit, decide, approvedGrant, issueKey };
}

// ---- Row fingerprints --------------------------------------------------------

/** Every api_access table but the migration bookkeeping. */
export async function apiAccessTables(knex: Knex): Promise<string[]> {
  const dialect = String(knex.client.config.client);
  let names: string[];
  if (dialect.includes('pg')) {
    const result = await knex.raw(
      `select tablename as name from pg_tables where schemaname = current_schema()`,
    );
    names = result.rows.map((row: any) => row.name);
  } else {
    const rows = await knex.raw(
      `select name from sqlite_master where type = 'table'`,
    );
    names = rows.map((row: any) => row.name);
  }
  return names
    .filter(name => name.startsWith('api_access_'))
    .filter(name => !name.startsWith('api_access_knex_migrations'))
    .sort();
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Row counts per table and one hash of all their content (order-independent). */
export async function fingerprint(
  knex: Knex,
): Promise<{ counts: Record<string, number>; hash: string; tables: string[] }> {
  const tables = await apiAccessTables(knex);
  const counts: Record<string, number> = {};
  const hash = createHash('sha256');
  for (const table of tables) {
    const rows = await knex(table).select('*');
    counts[table] = rows.length;
    const lines = rows
      .map((row: Record<string, unknown>) =>
        JSON.stringify(
          Object.keys(row)
            .sort()
            .map(key => [key, normalise(row[key])]),
        ),
      )
      .sort();
    hash.update(`${table}\n${lines.join('\n')}\n`);
  }
  return { counts, hash: hash.digest('hex'), tables };
}

/** A small deterministic PRNG (mulberry32), so every run sends the same inputs. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T =>
      items[Math.floor(next() * items.length)],
  };
}

export type DatabaseId = TestDatabaseId;
