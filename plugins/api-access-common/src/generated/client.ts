// ******************************************************************
// * THIS FILE IS GENERATED FROM plugins/api-access-backend/src/schema/openapi.yaml
// * by scripts/openapi/generate.mjs (yarn openapi:generate). DO NOT EDIT IT.
// ******************************************************************

import type { operations } from './schema';

/** The plugin id the client asks the discovery API for. */
export const API_ACCESS_PLUGIN_ID = 'api-access';

/** A fetch `Response` whose `json()` is typed by the document. */
export type TypedResponse<T> = Omit<Response, 'json'> & {
  json(): Promise<T>;
};

/** Per-call options: a Backstage token when the caller is not the browser's signed-in user. */
export interface RequestOptions {
  token?: string;
  signal?: AbortSignal;
}

type RequestParts =
  | {
      path?: Record<string, string | number>;
      query?: Record<string, string | number | boolean | undefined>;
      headers?: Record<string, string | undefined>;
      body?: unknown;
    }
  | undefined;

/**
 * The api-access backend's HTTP API (api-access 1),
 * one method per operation. It answers the raw `Response`: callers decide what
 * a non-2xx answer means (the frontend's client throws `ResponseError`).
 */
export class ApiAccessHttpClient {
  private readonly discoveryApi: {
    getBaseUrl(pluginId: string): Promise<string>;
  };
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: {
    discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
    fetchApi?: { fetch: typeof fetch };
  }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...args) => fetch(...args) };
  }

  /**
   * GET /health
   *
   * Whether the plugin is up; no credentials needed.
   */
  async getHealth(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getHealth']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/health', request as RequestParts, options);
  }

  /**
   * GET /apis/{namespace}/{name}/profile
   *
   * What the catalog says about an API for access purposes; 404 for an unknown API or one whose access is not requested through api-access.
   */
  async getApiProfile(
    request: { path: operations['getApiProfile']['parameters']['path'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getApiProfile']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/apis/{namespace}/{name}/profile',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /plans
   *
   * The review plan a draft would get; nothing is written. With `plan` (or, on an API that offers plans, the smallest plan that fits) the plan's approval mode shapes it; 400 names a plan the API does not offer or terms outside the plan.
   */
  async previewPlan(
    request: {
      body: NonNullable<
        operations['previewPlan']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['previewPlan']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/plans',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /assessments
   *
   * The request assistant, for the form while the requester types. Nothing is stored or logged; never cached.
   */
  async assessDraft(
    request: {
      query?: operations['assessDraft']['parameters']['query'];
      body: NonNullable<
        operations['assessDraft']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['assessDraft']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/assessments',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /requests
   *
   * `view=mine`: the caller's requests, newest first. `view=reviewable`: requests with a pending step for one of the caller's groups that the caller may decide. A CONDITIONAL read decision narrows the list in SQL; DENY gives an empty list.
   */
  async listRequests(
    request: { query: operations['listRequests']['parameters']['query'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['listRequests']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/requests', request as RequestParts, options);
  }

  /**
   * POST /requests
   *
   * Submits an access request; answers 400 with `findings` when the request assistant finds a blocker, 403 for a consumer the caller's groups do not own. On an API that offers plans the request is for `plan`, or else the smallest plan that allows its scopes, environment and duration; 400 names a plan the API does not offer, terms outside the plan, no plan that fits, or a `plan` for an API without plans.
   */
  async createRequest(
    request: {
      body: NonNullable<
        operations['createRequest']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['createRequest']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/requests',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /requests/{id}
   *
   * One request with its steps, decisions, assessment and grantId; its requester, its reviewers and admins only.
   */
  async getRequest(
    request: { path: operations['getRequest']['parameters']['path'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getRequest']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/requests/{id}', request as RequestParts, options);
  }

  /**
   * POST /requests/decisions
   *
   * Approve, reject, or ask for changes on up to 200 requests with one comment. Each request is decided in its own transaction under exactly the rules of POST /requests/{id}/decisions (permission, conflict of interest, one decision per person, quorum, stage order); one refusal does not stop the others, and each result says why.
   */
  async decideRequests(
    request: {
      body: NonNullable<
        operations['decideRequests']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['decideRequests']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/requests/decisions',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /requests/{id}/decisions
   *
   * Approve (optionally narrowing scopes and duration, or approving a lower `plan`, which narrows the scopes to the plan's), reject, or ask for changes on a pending step of the caller's group.
   */
  async decideRequest(
    request: {
      path: operations['decideRequest']['parameters']['path'];
      body: NonNullable<
        operations['decideRequest']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['decideRequest']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/requests/{id}/decisions',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /requests/{id}/withdraw
   *
   * The requester takes back an undecided request. Any body is ignored.
   */
  async withdrawRequest(
    request: { path: operations['withdrawRequest']['parameters']['path'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['withdrawRequest']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/requests/{id}/withdraw',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /requests/{id}/resubmit
   *
   * The requester answers `changes_requested` with new terms and a comment; `plan` as in POST /requests.
   */
  async resubmitRequest(
    request: {
      path: operations['resubmitRequest']['parameters']['path'];
      body: NonNullable<
        operations['resubmitRequest']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['resubmitRequest']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/requests/{id}/resubmit',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /requests/{id}/steps/{stepId}/delegate
   *
   * A member of the step's reviewer group hands the pending step to another member; needs api-access.request.decide on the request.
   */
  async delegateStep(
    request: {
      path: operations['delegateStep']['parameters']['path'];
      body: NonNullable<
        operations['delegateStep']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['delegateStep']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/requests/{id}/steps/{stepId}/delegate',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /audit
   *
   * A request's or grant's hash-chained history.
   */
  async getAudit(
    request: { query: operations['getAudit']['parameters']['query'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getAudit']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/audit', request as RequestParts, options);
  }

  /**
   * GET /audit/verify
   *
   * Admins only (api-access.admin and api-access.audit.verify).
   */
  async verifyAudit(
    request?: { query?: operations['verifyAudit']['parameters']['query'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['verifyAudit']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/audit/verify', request as RequestParts, options);
  }

  /**
   * GET /audit/export
   *
   * The history of a period for auditors, streamed in chain order: one line per event with every field its hash covers, its hash and the previous event's, then a trailer line with the range, the count, the anchor (the hash of the event just before the span), the chain's head and the verification of the exported span. Admins (api-access.admin), or whoever the policy grants api-access.audit.export; 403 otherwise. The file verifies offline with `verify-audit-export` (plugins/api-access-backend/bin); formats in docs/http-api.md. `Content-Disposition: attachment`, `Cache-Control: no-store`.
   *
   * Answers application/x-ndjson, text/csv: read it with `text()`.
   */
  async exportAudit(
    request?: { query?: operations['exportAudit']['parameters']['query'] },
    options?: RequestOptions,
  ): Promise<TypedResponse<string>> {
    return this.send('GET', '/audit/export', request as RequestParts, options);
  }

  /**
   * GET /credentials/terms
   *
   * The usage terms a requester accepts before a credential is issued.
   */
  async getCredentialTerms(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getCredentialTerms']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/credentials/terms',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /credential-types
   *
   * The credential types a request may name: the built-in ones and those backend modules add, each saying whether it is offered now and, if not, why. Any signed-in user.
   */
  async listCredentialTypes(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['listCredentialTypes']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/credential-types',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /grants
   *
   * One page, newest first, of the grants the caller is a party to. At least one of consumerRef, apiRef, ownerRef and requesterRef is required (400 otherwise).
   */
  async listGrants(
    request?: { query?: operations['listGrants']['parameters']['query'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['listGrants']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/grants', request as RequestParts, options);
  }

  /**
   * POST /grants/{id}/credentials
   *
   * Issues (or rotates) the grant's API key, or the credential of the grant's module type (e.g. an OAuth2 client; 409 until the type's provisioner has set it up); only its requester. `Cache-Control: no-store`.
   */
  async issueCredential(
    request: {
      path: operations['issueCredential']['parameters']['path'];
      body: NonNullable<
        operations['issueCredential']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['issueCredential']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/credentials',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /grants/{id}/certificates
   *
   * For grants of credential type `mtls-certificate`; only the grant's requester. `Cache-Control: no-store`. Body at most 64 KB.
   */
  async issueCertificate(
    request: {
      path: operations['issueCertificate']['parameters']['path'];
      body: NonNullable<
        operations['issueCertificate']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['issueCertificate']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/certificates',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /grants/{id}/revoke
   *
   * Ends the grant; its keys stop working and its certificates go on the CRL.
   */
  async revokeGrant(
    request: {
      path: operations['revokeGrant']['parameters']['path'];
      body: NonNullable<
        operations['revokeGrant']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['revokeGrant']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/revoke',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /grants/{id}/renew
   *
   * Asks to extend the grant: a renewal request, planned by the same policy as a new request with the same terms. Only the grant's requester (and api-access.request.create).
   */
  async renewGrant(
    request: {
      path: operations['renewGrant']['parameters']['path'];
      body: NonNullable<
        operations['renewGrant']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['renewGrant']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/renew',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /grants/{id}/plan
   *
   * Moves a live grant to another plan the API offers, with the same credential: the API's owners (catalog ownedBy, now) or admins. A downgrade takes effect at once; so does an upgrade when the review policy, for the grant's terms under the new plan, needs no stage beyond the owner; otherwise 409 naming the stages. Scopes the new plan does not include are dropped, none are added. 400 for a plan the API does not offer (or an API without plans).
   */
  async changeGrantPlan(
    request: {
      path: operations['changeGrantPlan']['parameters']['path'];
      body: NonNullable<
        operations['changeGrantPlan']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['changeGrantPlan']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/plan',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /grants/{id}/suspend
   *
   * Pauses an active grant: its credential is refused at once (cached decisions are dropped on every replica and purged from the gateways), the grant and its history are kept. The API's owners or admins; 409 for a grant that is not active.
   */
  async suspendGrant(
    request: {
      path: operations['suspendGrant']['parameters']['path'];
      body: NonNullable<
        operations['suspendGrant']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['suspendGrant']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/suspend',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * POST /grants/{id}/resume
   *
   * Ends a suspension: the same credential works again at once. The API's owners or admins; 409 for a grant that is not suspended.
   */
  async resumeGrant(
    request: {
      path: operations['resumeGrant']['parameters']['path'];
      body: NonNullable<
        operations['resumeGrant']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['resumeGrant']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/resume',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /grants/{id}/usage
   *
   * Calls and refusals per UTC day, counted from the gateway decisions api-access makes, the last `days` days through today, oldest first and zero-filled; with the quota's state when the grant's plan has a quota. Whoever may read the grant (its parties, the API's owners, admins).
   */
  async getGrantUsage(
    request: {
      path: operations['getGrantUsage']['parameters']['path'];
      query?: operations['getGrantUsage']['parameters']['query'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getGrantUsage']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/grants/{id}/usage',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /grants/{id}/provisioning/retry
   *
   * Gives the grant's failed provisioner tasks fresh attempts. Same callers as revoke.
   */
  async retryGrantProvisioning(
    request: {
      path: operations['retryGrantProvisioning']['parameters']['path'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['retryGrantProvisioning']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/{id}/provisioning/retry',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /grants/revoke
   *
   * Incident revocation: every active grant of one API, consumer or requester that the caller may revoke (members of the API's owner now, admins), each through the normal revocation. A dry run (200) lists what would end and writes nothing; a real run (201) is a batch whose progress GET /grants/revocations/{batchId} shows. 403 for a caller who owns no API concerned and is no admin; 400 over 1000 grants.
   */
  async revokeGrantsInBulk(
    request: {
      body: NonNullable<
        operations['revokeGrantsInBulk']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      | operations['revokeGrantsInBulk']['responses'][200]['content']['application/json']
      | operations['revokeGrantsInBulk']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/grants/revoke',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /grants/revocations/{batchId}
   *
   * An incident revocation batch and each grant's revocation and provisioning state; `done` once every provisioner has confirmed. Whoever started it, admins and (a batch of one API) its owners now; 404 for anyone else, as for an unknown batch.
   */
  async getRevocationBatch(
    request: { path: operations['getRevocationBatch']['parameters']['path'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getRevocationBatch']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/grants/revocations/{batchId}',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /certificates/ca.pem
   *
   * The issuing CA certificate, PEM; no credentials needed. 404 when certificates are not configured.
   *
   * Answers application/x-pem-file: read it with `text()`.
   */
  async getCaCertificate(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<TypedResponse<string>> {
    return this.send(
      'GET',
      '/certificates/ca.pem',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /certificates/crl.pem
   *
   * The CA's current CRL, PEM; no credentials needed. 404 when certificates are not configured.
   *
   * Answers application/x-pem-file: read it with `text()`.
   */
  async getCertificateRevocationList(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<TypedResponse<string>> {
    return this.send(
      'GET',
      '/certificates/crl.pem',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /introspect
   *
   * RFC 7662 token introspection for gateways: API keys, and bearer tokens of an installed bearer-token credential type (their `scope` is what the token and the grant both hold, `exp` the earlier end). Mounted before the JSON parser; reads at most 4096 bytes itself, or 16384 with a bearer-token type installed (400 above that). `Cache-Control: no-store`.
   */
  async introspect(
    request: {
      body: NonNullable<
        operations['introspect']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['introspect']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/introspect',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /authorize
   *
   * For gateways: is the presented API key good for this API, environment and scopes? 401 carries `WWW-Authenticate: ApiKey realm="api-access"`; 401 and 403 carry the reason in `X-Api-Access-Reason`. Every answer carries `Cache-Control: max-age=N` (N from `apiAccess.gateway.decisionCacheSeconds` for 200, never past the key's or grant's end, and `negativeDecisionCacheSeconds` for 401 and 403), or `no-store` when that is 0: how long a gateway may cache it, keyed by the key, API, scope and environment.
   */
  async authorizeGatewayCall(
    request: {
      headers: operations['authorizeGatewayCall']['parameters']['header'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['authorizeGatewayCall']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('GET', '/authorize', request as RequestParts, options);
  }

  /**
   * POST /authorize
   *
   * For gateways: is the presented API key good for this API, environment and scopes? 401 carries `WWW-Authenticate: ApiKey realm="api-access"`; 401 and 403 carry the reason in `X-Api-Access-Reason`. Every answer carries `Cache-Control: max-age=N` (N from `apiAccess.gateway.decisionCacheSeconds` for 200, never past the key's or grant's end, and `negativeDecisionCacheSeconds` for 401 and 403), or `no-store` when that is 0: how long a gateway may cache it, keyed by the key, API, scope and environment.
   */
  async authorizeGatewayCallPost(
    request: {
      headers: operations['authorizeGatewayCallPost']['parameters']['header'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['authorizeGatewayCallPost']['responses'][200]['content']['application/json']
    >
  > {
    return this.send('POST', '/authorize', request as RequestParts, options);
  }

  /**
   * GET /catalog/relations
   *
   * Every distinct (consumer, API) pair with an active grant that has not expired, for the catalog module that shows grants as `consumesApi` / `apiConsumedBy` relations. Service tokens whose subject is in `apiAccess.catalogRelations.allowedSubjects` only; users get 403 (they read grants through `GET /grants`). One indexed query; no query parameters. `Cache-Control: no-store`.
   */
  async listCatalogRelations(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['listCatalogRelations']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/catalog/relations',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /admin/lifecycle/run
   *
   * Admins: run the lifecycle tick and due provisioning tasks now, instead of waiting for the scheduler. Any body is ignored.
   */
  async runLifecycle(
    request?: Record<string, never>,
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['runLifecycle']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/admin/lifecycle/run',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /metrics/time-to-decision
   *
   * p50/p90 hours from a step's opening to its decision, per API, stage and both. Needs api-access.request.read (DENY answers 403).
   */
  async getTimeToDecision(
    request?: {
      query?: operations['getTimeToDecision']['parameters']['query'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getTimeToDecision']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/metrics/time-to-decision',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /access-reviews
   *
   * The caller's access review campaigns, open ones first. Needs api-access.grant.read.
   */
  async listAccessReviews(
    request?: {
      query?: operations['listAccessReviews']['parameters']['query'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['listAccessReviews']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/access-reviews',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /access-reviews/run
   *
   * Starts a campaign now. Body at most 16 KB. Admins, or members of the owner when `accessReviews.ownersMayStart` is set.
   */
  async startAccessReview(
    request?: {
      body?: NonNullable<
        operations['startAccessReview']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      | operations['startAccessReview']['responses'][200]['content']['application/json']
      | operations['startAccessReview']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/access-reviews/run',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  /**
   * GET /access-reviews/{id}
   *
   * One access review campaign with its items and their grants.
   */
  async getAccessReview(
    request: { path: operations['getAccessReview']['parameters']['path'] },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getAccessReview']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/access-reviews/{id}',
      request as RequestParts,
      options,
    );
  }

  /**
   * GET /access-reviews/{id}/history
   *
   * The campaign's events, its answers and revocations of its grants.
   */
  async getAccessReviewHistory(
    request: {
      path: operations['getAccessReviewHistory']['parameters']['path'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['getAccessReviewHistory']['responses'][200]['content']['application/json']
    >
  > {
    return this.send(
      'GET',
      '/access-reviews/{id}/history',
      request as RequestParts,
      options,
    );
  }

  /**
   * POST /access-reviews/{id}/items/{grantId}
   *
   * Keep or revoke one grant of the campaign; revoke revokes it at once (and needs api-access.grant.revoke). Body at most 16 KB.
   */
  async answerAccessReviewItem(
    request: {
      path: operations['answerAccessReviewItem']['parameters']['path'];
      body: NonNullable<
        operations['answerAccessReviewItem']['requestBody']
      >['content']['application/json'];
    },
    options?: RequestOptions,
  ): Promise<
    TypedResponse<
      operations['answerAccessReviewItem']['responses'][201]['content']['application/json']
    >
  > {
    return this.send(
      'POST',
      '/access-reviews/{id}/items/{grantId}',
      request as RequestParts,
      options,
      'application/json',
    );
  }

  private async send(
    method: string,
    template: string,
    request: RequestParts,
    options: RequestOptions | undefined,
    contentType?: string,
  ): Promise<TypedResponse<any>> {
    const baseUrl = await this.discoveryApi.getBaseUrl(API_ACCESS_PLUGIN_ID);
    const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const value = request?.path?.[name];
      if (value === undefined || value === '') {
        throw new TypeError(
          `${method} ${template}: path parameter ${name} is missing`,
        );
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
    if (options?.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (contentType && request?.body !== undefined) {
      headers['Content-Type'] = contentType;
      body =
        contentType === 'application/x-www-form-urlencoded'
          ? new URLSearchParams(
              request.body as Record<string, string>,
            ).toString()
          : JSON.stringify(request.body);
    }
    const search = query.toString();
    return this.fetchApi.fetch(
      `${baseUrl}${path}${search ? `?${search}` : ''}`,
      {
        method,
        headers,
        body,
        signal: options?.signal,
      },
    );
  }
}
