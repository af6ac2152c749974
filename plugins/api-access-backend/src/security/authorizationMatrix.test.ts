/*
 * The authorization matrix: every route of the backend (router.ts and the
 * feature route files) x every kind of caller, on SQLite and PostgreSQL,
 * with the exact status each must get, and list routes checked for rows
 * the caller is not party to. A guard fails when a route exists that the
 * matrix does not list, so a new route cannot be forgotten.
 *
 * The expectations are the target rules of DESIGN.md ("Rules no
 * configuration can turn off") and issue 10, not whatever the code did when
 * this was written. A state-changing route gets a fresh subject per cell,
 * so each cell's status depends on nobody else's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import request from 'supertest';
import { createTestDatabases } from '../__testUtils__/testBackend';
import { makeCa, makeCsr } from '../certificates/__testUtils__/pki';
import { createRouter } from '../http/router';
import { createAccessReviewRoutes } from '../accessReviews/routes';
import { createAssessmentRoutes } from '../assessment/routes';
import { createCertificateRoutes } from '../certificates/routes';
import { createReviewRoutes } from '../reviews/routes';
import {
  CONSUMER,
  OTHER_SERVICE_SUBJECT,
  PERSONAS,
  PERSONA_USERS,
  Persona,
  SecurityBackend,
  TEAM_C,
  as,
  client,
  movableClock,
  nextReviewPeriodStart,
  personaHeader,
  productionDraft,
  sandboxDraft,
  startSecurityBackend,
  DAY,
  HOUR,
} from '../__testUtils__/securityPersonas';

const databases = createTestDatabases();

/** One cell's call: path (under /api/api-access), body, extra headers. */
interface Cell {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  form?: boolean;
}

interface Row {
  /** `METHOD /express/path`, as the router declares it. */
  route: string;
  /** What is asked, when a route has more than one row. */
  what?: string;
  /** Status per persona, in the order of PERSONAS. */
  expected: number[];
  /** Builds the call for one persona (a fresh subject where the call changes state). */
  cell: (persona: Persona) => Promise<Cell> | Cell;
  /**
   * The status to compare, when not the HTTP status: a bulk route answers 200
   * with a status per item, which must be what the single route answers.
   */
  effective?: (response: { status: number; body: any }) => number;
}

//                     anon unrel reqr cons ownr both  sec comp legal admin  gw  svc
const everyone = (s: number) => PERSONAS.map(() => s);
/** Any signed-in user; services (user-only routes) 403; anonymous 401. */
const anyUser = (s: number) => [401, s, s, s, s, s, s, s, s, s, 403, 403];
/** Only the given personas get `s`; every other user and service 403. */
function only(s: number, ...allowed: Persona[]): number[] {
  return PERSONAS.map(p => {
    if (p === 'anonymous') return 401;
    return allowed.includes(p) ? s : 403;
  });
}

/** Who may read a grant: its requester, members of the consumer's and the API's owners, admins. */
const GRANT_READERS: Persona[] = [
  'requester',
  'consumerMember',
  'ownerMember',
  'ownerAndConsumer',
  'admin',
];
/**
 * A route on one grant: `s` for the allowed personas, 403 for the grant's
 * other readers, 404 for everyone who may not read it (as for an unknown id,
 * so the route is no oracle of which grants exist); services 403.
 */
function onGrant(s: number, ...allowed: Persona[]): number[] {
  return PERSONAS.map(p => {
    if (p === 'anonymous') return 401;
    if (p === 'gateway' || p === 'otherService') return 403;
    if (allowed.includes(p)) return s;
    return GRANT_READERS.includes(p) ? 403 : 404;
  });
}

describe.each(databases.eachSupportedId())(
  'authorization matrix on %p',
  databaseId => {
    let backend: SecurityBackend;
    let http: ReturnType<typeof client>;
    // The world every read cell looks at.
    let inReview: any; // a production request by requester, owner stage pending
    let grantId: string; // a sandbox grant with a key
    let key: string;
    let issueGrantId: string; // a grant whose key anyone may ask for
    let mtlsGrantId: string;
    let csrPem: string;
    let reviewId: string;
    let weatherBatchId: string; // owner.one's incident revocation of weather (no grants)
    const reviewGrants = new Map<Persona, string>();
    const allGrantIds: string[] = [];

    beforeAll(async () => {
      const periodStart = nextReviewPeriodStart(new Date('2031-01-01'));
      const clock = movableClock(new Date(periodStart.getTime() - DAY));
      const ca = await makeCa({
        name: 'security suite CA',
        notBefore: new Date('2020-01-01'),
        notAfter: new Date('2040-01-01'),
      });
      csrPem = (await makeCsr()).csrPem;
      backend = await startSecurityBackend({
        knex: await databases.init(databaseId),
        clock,
        apiAccess: {
          catalogRelations: { allowedSubjects: [OTHER_SERVICE_SUBJECT] },
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
      http = client(backend.server);
      inReview = await http.submit('requester', productionDraft);
      ({ grantId } = await http.approvedGrant());
      key = await http.issueKey(grantId);
      ({ grantId: issueGrantId } = await http.approvedGrant());
      ({ grantId: mtlsGrantId } = await http.approvedGrant({
        ...sandboxDraft,
        credentialType: 'mtls-certificate',
      }));
      allGrantIds.push(grantId, issueGrantId, mtlsGrantId);
      for (const persona of PERSONAS) {
        const made = await http.approvedGrant();
        reviewGrants.set(persona, made.grantId);
        allGrantIds.push(made.grantId);
      }
      // The period starts: the lifecycle tick opens team-c's access review.
      clock.set(new Date(periodStart.getTime() + HOUR));
      await backend.tick();
      const reviews = await http.call(
        'get',
        `/access-reviews?ownerRef=${TEAM_C}`,
        as('owner.one'),
      );
      reviewId = reviews.body.items?.[0]?.id;
      const batch = await http.call('post', '/grants/revoke', as('owner.one'), {
        apiRef: 'api:default/weather',
        reason: 'Key leaked upstream.',
      });
      weatherBatchId = batch.body.batchId;
      if (batch.status !== 201 || !weatherBatchId) {
        throw new Error(
          `setup: no revocation batch: ${batch.status} ${JSON.stringify(
            batch.body,
          )}`,
        );
      }
      if (!reviewId) {
        throw new Error(
          `setup: no access review: ${reviews.status} ${JSON.stringify(
            reviews.body,
          )}`,
        );
      }
    }, 180_000);

    afterAll(async () => {
      await backend?.stop();
    });

    const fresh = {
      request: async (draft: object = productionDraft) =>
        http.submit('requester', draft),
      grant: async () => (await http.approvedGrant()).grantId,
      suspended: async () => {
        const id = (await http.approvedGrant()).grantId;
        const paused = await http.call(
          'post',
          `/grants/${id}/suspend`,
          as('owner.one'),
          { reason: 'Abuse from the integration.' },
        );
        if (paused.status !== 200) {
          throw new Error(`setup: suspend ${paused.status}`);
        }
        return id;
      },
      changesRequested: async () => {
        const created = await http.submit('requester', productionDraft);
        const sent = await http.decide('owner.one', created.id, {
          decision: 'request_changes',
          comment: 'Say which dashboard reads it.',
        });
        if (sent.status !== 201) {
          throw new Error(`setup: request_changes ${sent.status}`);
        }
        return created;
      },
    };
    const { apiRef: _apiRef, ...terms } = productionDraft;

    //                         anon unrel reqr cons ownr both  sec comp legal admin  gw  svc
    const rows: Row[] = [
      {
        route: 'GET /health',
        expected: everyone(200),
        cell: () => ({ path: '/health' }),
      },
      {
        route: 'GET /apis/:namespace/:name/profile',
        expected: anyUser(200),
        cell: () => ({ path: '/apis/default/pets/profile' }),
      },
      {
        route: 'POST /plans',
        expected: only(200, 'requester', 'consumerMember', 'ownerAndConsumer'),
        cell: () => ({ path: '/plans', body: productionDraft }),
      },
      {
        route: 'POST /assessments',
        expected: anyUser(200),
        cell: () => ({ path: '/assessments', body: productionDraft }),
      },
      {
        route: 'POST /requests',
        expected: only(201, 'requester', 'consumerMember', 'ownerAndConsumer'),
        cell: () => ({ path: '/requests', body: sandboxDraft }),
      },
      {
        route: 'GET /requests',
        what: 'view=mine',
        expected: anyUser(200),
        cell: () => ({ path: '/requests?view=mine' }),
      },
      {
        route: 'GET /requests',
        what: 'view=reviewable',
        expected: anyUser(200),
        cell: () => ({ path: '/requests?view=reviewable' }),
      },
      {
        // The requester, the reviewers of every stage (team-c, security) and admins.
        route: 'GET /requests/:id',
        expected: only(
          200,
          'requester',
          'ownerMember',
          'ownerAndConsumer',
          'security',
          'admin',
        ),
        cell: () => ({ path: `/requests/${inReview.id}` }),
      },
      {
        route: 'GET /audit',
        what: "a request's history",
        expected: only(
          200,
          'requester',
          'ownerMember',
          'ownerAndConsumer',
          'security',
          'admin',
        ),
        cell: () => ({ path: `/audit?subjectId=${inReview.id}` }),
      },
      {
        // Only team-c decides the owner stage, and not both.teams: team-a is the consumer.
        route: 'POST /requests/:id/decisions',
        expected: only(201, 'ownerMember'),
        cell: async () => ({
          path: `/requests/${(await fresh.request()).id}/decisions`,
          body: { decision: 'approve' },
        }),
      },
      {
        // The same rules per item as the single route: only the 200 answer's
        // item status differs from it, so that is what is compared.
        route: 'POST /requests/decisions',
        expected: only(201, 'ownerMember'),
        cell: async () => ({
          path: '/requests/decisions',
          body: { ids: [(await fresh.request()).id], decision: 'approve' },
        }),
        effective: response =>
          response.status === 200
            ? response.body.results[0].status
            : response.status,
      },
      {
        route: 'POST /requests/:id/withdraw',
        expected: only(200, 'requester'),
        cell: async () => ({
          path: `/requests/${(await fresh.request()).id}/withdraw`,
          body: {},
        }),
      },
      {
        route: 'POST /requests/:id/resubmit',
        expected: only(200, 'requester'),
        cell: async () => ({
          path: `/requests/${(await fresh.changesRequested()).id}/resubmit`,
          body: { ...terms, comment: 'Named the dashboard.' },
        }),
      },
      {
        route: 'POST /requests/:id/steps/:stepId/delegate',
        expected: only(200, 'ownerMember'),
        cell: async () => {
          const created = await fresh.request();
          return {
            path: `/requests/${created.id}/steps/${created.steps[0].id}/delegate`,
            body: { to: 'user:default/owner.two' },
          };
        },
      },
      {
        route: 'GET /audit/verify',
        expected: only(200, 'admin'),
        cell: () => ({ path: '/audit/verify' }),
      },
      {
        // Admins, and the compliance group the test policy grants
        // api-access.audit.export (an allow-all policy would give it to all).
        route: 'GET /audit/export',
        expected: only(200, 'compliance', 'admin'),
        cell: () => ({ path: '/audit/export?from=2020-01-01&format=csv' }),
      },
      {
        route: 'GET /credentials/terms',
        expected: anyUser(200),
        cell: () => ({ path: '/credentials/terms' }),
      },
      {
        // The request form's options: any signed-in user.
        route: 'GET /credential-types',
        expected: anyUser(200),
        cell: () => ({ path: '/credential-types' }),
      },
      {
        // The secret goes to the requester only; nobody else, not even admins.
        route: 'POST /grants/:id/credentials',
        expected: onGrant(201, 'requester'),
        cell: () => ({
          path: `/grants/${issueGrantId}/credentials`,
          body: { acceptTerms: '1' },
        }),
      },
      {
        route: 'POST /grants/:id/certificates',
        expected: onGrant(201, 'requester'),
        cell: () => ({
          path: `/grants/${mtlsGrantId}/certificates`,
          body: { acceptTerms: '1', csr: csrPem },
        }),
      },
      {
        route: 'GET /certificates/ca.pem',
        expected: everyone(200),
        cell: () => ({ path: '/certificates/ca.pem' }),
      },
      {
        route: 'GET /certificates/crl.pem',
        expected: everyone(200),
        cell: () => ({ path: '/certificates/crl.pem' }),
      },
      {
        // Only the gateway named in apiAccess.gateway.allowedSubjects.
        route: 'ALL /authorize',
        expected: only(200, 'gateway'),
        cell: () => ({
          path: '/authorize',
          headers: {
            'X-Api-Access-Api': 'api:default/pets',
            'X-Api-Access-Key': key,
          },
        }),
      },
      {
        route: 'POST /introspect',
        expected: only(200, 'gateway'),
        cell: () => ({ path: '/introspect', body: { token: key }, form: true }),
      },
      {
        // Only the subjects in apiAccess.catalogRelations.allowedSubjects,
        // which the suite sets to the other service's (it stands in for the
        // catalog, plugin:catalog by default); users have GET /grants.
        route: 'GET /catalog/relations',
        expected: only(200, 'otherService'),
        cell: () => ({ path: '/catalog/relations' }),
      },
      {
        route: 'GET /grants',
        what: 'apiRef=pets (rows checked below)',
        expected: anyUser(200),
        cell: () => ({ path: '/grants?apiRef=api:default/pets' }),
      },
      {
        // The requester, the API's owners and admins; not the consumer's other members.
        route: 'POST /grants/:id/revoke',
        expected: onGrant(
          200,
          'requester',
          'ownerMember',
          'ownerAndConsumer',
          'admin',
        ),
        cell: async () => ({
          path: `/grants/${await fresh.grant()}/revoke`,
          body: { reason: 'No longer needed.' },
        }),
      },
      // Incident revocation: members of the API's owner now (team-c) and
      // admins; a user who owns no API concerned gets 403 for every
      // selector. Dry runs, so the world stays as it is; the real run ends
      // the grants of an API nobody holds access to.
      ...[
        { apiRef: 'api:default/pets' },
        { consumerRef: CONSUMER },
        { requesterRef: PERSONA_USERS.requester },
      ].map(
        (selector): Row => ({
          route: 'POST /grants/revoke',
          what: `${Object.keys(selector)[0]}, dry run`,
          expected: only(200, 'ownerMember', 'ownerAndConsumer', 'admin'),
          cell: () => ({
            path: '/grants/revoke',
            body: { ...selector, reason: 'Key leaked upstream.', dryRun: true },
          }),
        }),
      ),
      {
        route: 'POST /grants/revoke',
        what: 'real run, apiRef=weather (no grants)',
        expected: only(201, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: () => ({
          path: '/grants/revoke',
          body: {
            apiRef: 'api:default/weather',
            reason: 'Key leaked upstream.',
          },
        }),
      },
      {
        // Its starter (owner.one), the API's owners now (team-c) and admins;
        // everyone else the 404 of an unknown batch.
        route: 'GET /grants/revocations/:batchId',
        //        anon unrel reqr cons ownr both  sec comp legal admin  gw  svc
        expected: [401, 404, 404, 404, 200, 200, 404, 404, 404, 200, 403, 403],
        cell: () => ({ path: `/grants/revocations/${weatherBatchId}` }),
      },
      {
        // The API's owners now (team-c) and admins; not the requester, not
        // the consumer's other members (they may read it: 403).
        route: 'POST /grants/:id/suspend',
        expected: onGrant(200, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: async () => ({
          path: `/grants/${await fresh.grant()}/suspend`,
          body: { reason: 'Abuse from the integration.' },
        }),
      },
      {
        route: 'POST /grants/:id/resume',
        expected: onGrant(200, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: async () => ({
          path: `/grants/${await fresh.suspended()}/resume`,
          body: {},
        }),
      },
      {
        // Same callers as suspend. pets offers no plans, so whoever gets
        // past the authorization check is told so (400): the 403s and 404s
        // before it are what this row checks.
        route: 'POST /grants/:id/plan',
        expected: onGrant(400, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: async () => ({
          path: `/grants/${await fresh.grant()}/plan`,
          body: { plan: 'starter' },
        }),
      },
      {
        // Whoever may read the grant.
        route: 'GET /grants/:id/usage',
        expected: onGrant(200, ...GRANT_READERS),
        cell: () => ({ path: `/grants/${grantId}/usage?days=7` }),
      },
      {
        route: 'POST /grants/:id/renew',
        expected: onGrant(201, 'requester'),
        cell: async () => ({
          path: `/grants/${await fresh.grant()}/renew`,
          body: { durationDays: 30 },
        }),
      },
      {
        // Managers get 409 (nothing failed to retry); everyone else 403.
        route: 'POST /grants/:id/provisioning/retry',
        expected: onGrant(
          409,
          'requester',
          'ownerMember',
          'ownerAndConsumer',
          'admin',
        ),
        cell: () => ({
          path: `/grants/${grantId}/provisioning/retry`,
          body: {},
        }),
      },
      {
        route: 'POST /admin/lifecycle/run',
        expected: only(200, 'admin'),
        cell: () => ({ path: '/admin/lifecycle/run', body: {} }),
      },
      {
        route: 'GET /metrics/time-to-decision',
        expected: anyUser(200),
        cell: () => ({ path: '/metrics/time-to-decision' }),
      },
      {
        route: 'GET /access-reviews',
        what: 'ownerRef=team-c',
        expected: only(200, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: () => ({ path: `/access-reviews?ownerRef=${TEAM_C}` }),
      },
      {
        route: 'GET /access-reviews/:id',
        expected: only(200, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: () => ({ path: `/access-reviews/${reviewId}` }),
      },
      {
        route: 'GET /access-reviews/:id/history',
        expected: only(200, 'ownerMember', 'ownerAndConsumer', 'admin'),
        cell: () => ({ path: `/access-reviews/${reviewId}/history` }),
      },
      {
        // Each persona answers keep for its own grant; both.teams is in team-c
        // but also in team-a, the consumer's owner: no self-certification.
        route: 'POST /access-reviews/:id/items/:grantId',
        expected: only(201, 'ownerMember', 'admin'),
        cell: persona => ({
          path: `/access-reviews/${reviewId}/items/${reviewGrants.get(
            persona,
          )}`,
          body: { decision: 'keep', comment: 'The dashboard still reads it.' },
        }),
      },
      {
        // ownersMayStart is off (the default): admins only.
        route: 'POST /access-reviews/run',
        expected: only(201, 'admin'),
        cell: () => ({
          path: '/access-reviews/run',
          body: { ownerRef: TEAM_C },
        }),
      },
    ];

    async function send(persona: Persona, cell: Cell, method: string) {
      let call = (request(backend.server) as any)
        [method](`/api/api-access${cell.path}`)
        .set('Authorization', personaHeader(persona));
      for (const [name, value] of Object.entries(cell.headers ?? {})) {
        call = call.set(name, value);
      }
      if (cell.form) call = call.type('form');
      if (cell.body !== undefined) call = call.send(cell.body);
      return call;
    }

    it.each(
      rows.map(row => [`${row.route}${row.what ? ` (${row.what})` : ''}`, row]),
    )(
      '%s',
      async (_name, row) => {
        const [verb] = (row as Row).route.split(' ');
        const method = verb === 'ALL' ? 'get' : verb.toLowerCase();
        const actual: string[] = [];
        for (const persona of PERSONAS) {
          const cell = await (row as Row).cell(persona);
          const response = await send(persona, cell, method);
          const status = (row as Row).effective?.(response) ?? response.status;
          actual.push(`${persona}:${status}`);
        }
        expect(actual).toEqual(
          PERSONAS.map((p, i) => `${p}:${(row as Row).expected[i]}`),
        );
      },
      120_000,
    );

    // ---- Lists leak no rows ----------------------------------------------

    const userPersonas = PERSONAS.filter(p => PERSONA_USERS[p]);
    /** The groups of each user persona, as the fixture catalog says. */
    const inTeamA: Persona[] = [
      'requester',
      'consumerMember',
      'ownerAndConsumer',
    ];
    const inTeamC: Persona[] = ['ownerMember', 'ownerAndConsumer'];

    it('GET /grants shows each user only grants they are party to', async () => {
      const seen: Record<string, number> = {};
      for (const persona of userPersonas) {
        for (const query of [
          'apiRef=api:default/pets',
          `consumerRef=${CONSUMER}`,
          `ownerRef=${TEAM_C}`,
          // Someone else's requests: only what the caller is party to anyway.
          'requesterRef=user:default/requester',
        ]) {
          const response = await http.call(
            'get',
            `/grants?${query}&limit=200`,
            personaHeader(persona),
          );
          const items: any[] = response.body.items ?? [];
          const me = PERSONA_USERS[persona];
          const party = (g: any) =>
            persona === 'admin' ||
            g.requesterRef === me ||
            (inTeamA.includes(persona) && g.consumerRef === CONSUMER) ||
            (inTeamC.includes(persona) && g.apiRef === 'api:default/pets');
          const leaked = items.filter(g => !party(g)).map(g => g.id);
          expect({ persona, query, leaked }).toEqual({
            persona,
            query,
            leaked: [],
          });
          seen[`${persona} ${query}`] = items.length;
        }
      }
      // A requester finds their own grants by requesterRef (the home card).
      expect(
        seen['requester requesterRef=user:default/requester'],
      ).toBeGreaterThan(0);
      // Not vacuous: the parties do see the world's grants.
      for (const persona of [
        'requester',
        'consumerMember',
        'ownerMember',
        'admin',
      ]) {
        expect({
          persona,
          sees:
            seen[`${persona} apiRef=api:default/pets`] >= allGrantIds.length,
        }).toEqual({ persona, sees: true });
      }
      for (const persona of ['unrelated', 'security', 'compliance', 'legal']) {
        expect({
          persona,
          seen: seen[`${persona} apiRef=api:default/pets`],
        }).toEqual({
          persona,
          seen: 0,
        });
      }
    });

    it('GET /grants is paged: a limit is honoured and a next page follows', async () => {
      const first = await http.call(
        'get',
        '/grants?apiRef=api:default/pets&limit=2',
        as('owner.one'),
      );
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(2);
      expect(typeof first.body.nextCursor).toBe('string');
      const second = await http.call(
        'get',
        `/grants?apiRef=api:default/pets&limit=2&cursor=${encodeURIComponent(
          first.body.nextCursor,
        )}`,
        as('owner.one'),
      );
      expect(second.status).toBe(200);
      const ids = [...first.body.items, ...second.body.items].map(
        (g: any) => g.id,
      );
      expect(new Set(ids).size).toBe(4);
    });

    it("GET /requests lists only the caller's own, or what waits for them and they may decide", async () => {
      for (const persona of userPersonas) {
        const me = PERSONA_USERS[persona];
        const mine = await http.call(
          'get',
          '/requests?view=mine&limit=200',
          personaHeader(persona),
        );
        const foreign = (mine.body.items ?? [])
          .filter((r: any) => r.requesterRef !== me)
          .map((r: any) => r.id);
        expect({ persona, foreign }).toEqual({ persona, foreign: [] });

        const inbox = await http.call(
          'get',
          '/requests?view=reviewable&limit=200',
          personaHeader(persona),
        );
        const conflicted = (inbox.body.items ?? [])
          .filter(
            (r: any) =>
              r.requesterRef === me ||
              (inTeamA.includes(persona) && r.consumerRef === CONSUMER),
          )
          .map((r: any) => r.id);
        expect({ persona, conflicted }).toEqual({ persona, conflicted: [] });
        if (
          [
            'unrelated',
            'requester',
            'consumerMember',
            'compliance',
            'legal',
          ].includes(persona)
        ) {
          // eslint-disable-next-line jest/no-conditional-expect
          expect({ persona, inbox: inbox.body.items }).toEqual({
            persona,
            inbox: [],
          });
        }
      }
      // Not vacuous: the owner's inbox has the world's request.
      const owner = await http.call(
        'get',
        '/requests?view=reviewable&limit=200',
        as('owner.one'),
      );
      expect(owner.body.items.map((r: any) => r.id)).toContain(inReview.id);
    });

    it("GET /audit answers nobody else a grant's or request's history", async () => {
      for (const persona of [
        'unrelated',
        'compliance',
        'legal',
        'consumerMember',
      ] as Persona[]) {
        for (const subjectId of [inReview.id, `${grantId}`]) {
          const response = await http.call(
            'get',
            `/audit?subjectId=${subjectId}`,
            personaHeader(persona),
          );
          // Refused, or at most an empty list: never an event.
          expect({
            persona,
            subjectId,
            events: response.status === 200 ? response.body.items : [],
            refusedOrEmpty: [403, 404, 200].includes(response.status),
          }).toEqual({ persona, subjectId, events: [], refusedOrEmpty: true });
        }
      }
    });

    it("GET /access-reviews lists only campaigns of the caller's groups", async () => {
      for (const persona of userPersonas) {
        const response = await http.call(
          'get',
          '/access-reviews?status=all',
          personaHeader(persona),
        );
        const owners = (response.body.items ?? []).map((r: any) => r.ownerRef);
        const mayOwn = persona === 'admin' || inTeamC.includes(persona);
        expect({
          persona,
          owners: owners.filter((o: string) => !(mayOwn && o === TEAM_C)),
        }).toEqual({
          persona,
          owners: [],
        });
      }
    });

    // ---- No route forgotten --------------------------------------------------

    it('lists every route the backend serves', async () => {
      const declared = new Set<string>();
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
      for (const router of routers) {
        for (const layer of (router as any).stack) {
          if (!layer.route) continue;
          for (const method of Object.keys(layer.route.methods)) {
            declared.add(
              `${method === '_all' ? 'ALL' : method.toUpperCase()} ${
                layer.route.path
              }`,
            );
          }
        }
      }
      const listed = new Set(rows.map(row => row.route));
      expect({
        missingFromMatrix: [...declared].filter(r => !listed.has(r)).sort(),
        noLongerServed: [...listed].filter(r => !declared.has(r)).sort(),
      }).toEqual({ missingFromMatrix: [], noLongerServed: [] });

      // And no route file outside the five above.
      const root = resolvePackagePath(
        '@api-access/backstage-plugin-api-access-backend',
        'src',
      );
      const routeFiles: string[] = [];
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (
            /\.ts$/.test(entry.name) &&
            !/\.test\.ts$/.test(entry.name) &&
            /\b(createDocumentedRouter|Router)\(\)/.test(
              readFileSync(path, 'utf8'),
            )
          ) {
            routeFiles.push(relative(root, path));
          }
        }
      };
      walk(root);
      expect(routeFiles.sort()).toEqual([
        'accessReviews/routes.ts',
        'assessment/routes.ts',
        'certificates/routes.ts',
        'http/router.ts',
        'reviews/routes.ts',
        // The factory of the document-typed router itself.
        'schema/typedRouter.ts',
      ]);
    });
  },
);
