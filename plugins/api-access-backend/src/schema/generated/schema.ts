// ******************************************************************
// * THIS FILE IS GENERATED FROM plugins/api-access-backend/src/schema/openapi.yaml
// * by scripts/openapi/generate.mjs (yarn openapi:generate). DO NOT EDIT IT.
// ******************************************************************
/* eslint-disable */
export interface paths {
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Whether the plugin is up; no credentials needed. */
    get: operations['getHealth'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/apis/{namespace}/{name}/profile': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description What the catalog says about an API for access purposes; 404 for an unknown API or one whose access is not requested through api-access. */
    get: operations['getApiProfile'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/plans': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description The review plan a draft would get; nothing is written. With `plan` (or, on an API that offers plans, the smallest plan that fits) the plan's approval mode shapes it; 400 names a plan the API does not offer or terms outside the plan. */
    post: operations['previewPlan'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/assessments': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description The request assistant, for the form while the requester types. Nothing is stored or logged; never cached. */
    post: operations['assessDraft'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description `view=mine`: the caller's requests, newest first. `view=reviewable`: requests with a pending step for one of the caller's groups that the caller may decide. A CONDITIONAL read decision narrows the list in SQL; DENY gives an empty list. */
    get: operations['listRequests'];
    put?: never;
    /** @description Submits an access request; answers 400 with `findings` when the request assistant finds a blocker, 403 for a consumer the caller's groups do not own. On an API that offers plans the request is for `plan`, or else the smallest plan that allows its scopes, environment and duration; 400 names a plan the API does not offer, terms outside the plan, no plan that fits, or a `plan` for an API without plans. */
    post: operations['createRequest'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description One request with its steps, decisions, assessment and grantId; its requester, its reviewers and admins only. */
    get: operations['getRequest'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests/decisions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Approve, reject, or ask for changes on up to 200 requests with one comment. Each request is decided in its own transaction under exactly the rules of POST /requests/{id}/decisions (permission, conflict of interest, one decision per person, quorum, stage order); one refusal does not stop the others, and each result says why. */
    post: operations['decideRequests'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests/{id}/decisions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Approve (optionally narrowing scopes and duration, or approving a lower `plan`, which narrows the scopes to the plan's), reject, or ask for changes on a pending step of the caller's group. */
    post: operations['decideRequest'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests/{id}/withdraw': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description The requester takes back an undecided request. Any body is ignored. */
    post: operations['withdrawRequest'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests/{id}/resubmit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description The requester answers `changes_requested` with new terms and a comment; `plan` as in POST /requests. */
    post: operations['resubmitRequest'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/requests/{id}/steps/{stepId}/delegate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description A member of the step's reviewer group hands the pending step to another member; needs api-access.request.decide on the request. */
    post: operations['delegateStep'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description A request's or grant's hash-chained history. */
    get: operations['getAudit'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/audit/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Admins only (api-access.admin and api-access.audit.verify). */
    get: operations['verifyAudit'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/audit/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The history of a period for auditors, streamed in chain order: one line per event with every field its hash covers, its hash and the previous event's, then a trailer line with the range, the count, the anchor (the hash of the event just before the span), the chain's head and the verification of the exported span. Admins (api-access.admin), or whoever the policy grants api-access.audit.export; 403 otherwise. The file verifies offline with `verify-audit-export` (plugins/api-access-backend/bin); formats in docs/http-api.md. `Content-Disposition: attachment`, `Cache-Control: no-store`. */
    get: operations['exportAudit'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/credentials/terms': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The usage terms a requester accepts before a credential is issued. */
    get: operations['getCredentialTerms'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/credential-types': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The credential types a request may name: the built-in ones and those backend modules add, each saying whether it is offered now and, if not, why. Any signed-in user. */
    get: operations['listCredentialTypes'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description One page, newest first, of the grants the caller is a party to. At least one of consumerRef, apiRef, ownerRef and requesterRef is required (400 otherwise). */
    get: operations['listGrants'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/credentials': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Issues (or rotates) the grant's API key, or the credential of the grant's module type (e.g. an OAuth2 client; 409 until the type's provisioner has set it up); only its requester. `Cache-Control: no-store`. */
    post: operations['issueCredential'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/certificates': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description For grants of credential type `mtls-certificate`; only the grant's requester. `Cache-Control: no-store`. Body at most 64 KB. */
    post: operations['issueCertificate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Ends the grant; its keys stop working and its certificates go on the CRL. */
    post: operations['revokeGrant'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/renew': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Asks to extend the grant: a renewal request, planned by the same policy as a new request with the same terms. Only the grant's requester (and api-access.request.create). */
    post: operations['renewGrant'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/plan': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Moves a live grant to another plan the API offers, with the same credential: the API's owners (catalog ownedBy, now) or admins. A downgrade takes effect at once; so does an upgrade when the review policy, for the grant's terms under the new plan, needs no stage beyond the owner; otherwise 409 naming the stages. Scopes the new plan does not include are dropped, none are added. 400 for a plan the API does not offer (or an API without plans). */
    post: operations['changeGrantPlan'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/suspend': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Pauses an active grant: its credential is refused at once (cached decisions are dropped on every replica and purged from the gateways), the grant and its history are kept. The API's owners or admins; 409 for a grant that is not active. */
    post: operations['suspendGrant'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Ends a suspension: the same credential works again at once. The API's owners or admins; 409 for a grant that is not suspended. */
    post: operations['resumeGrant'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/usage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Calls and refusals per UTC day, counted from the gateway decisions api-access makes, the last `days` days through today, oldest first and zero-filled; with the quota's state when the grant's plan has a quota. Whoever may read the grant (its parties, the API's owners, admins). */
    get: operations['getGrantUsage'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/{id}/provisioning/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Gives the grant's failed provisioner tasks fresh attempts. Same callers as revoke. */
    post: operations['retryGrantProvisioning'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Incident revocation: every active grant of one API, consumer or requester that the caller may revoke (members of the API's owner now, admins), each through the normal revocation. A dry run (200) lists what would end and writes nothing; a real run (201) is a batch whose progress GET /grants/revocations/{batchId} shows. 403 for a caller who owns no API concerned and is no admin; 400 over 1000 grants. */
    post: operations['revokeGrantsInBulk'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/grants/revocations/{batchId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description An incident revocation batch and each grant's revocation and provisioning state; `done` once every provisioner has confirmed. Whoever started it, admins and (a batch of one API) its owners now; 404 for anyone else, as for an unknown batch. */
    get: operations['getRevocationBatch'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/certificates/ca.pem': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The issuing CA certificate, PEM; no credentials needed. 404 when certificates are not configured. */
    get: operations['getCaCertificate'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/certificates/crl.pem': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The CA's current CRL, PEM; no credentials needed. 404 when certificates are not configured. */
    get: operations['getCertificateRevocationList'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/introspect': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description RFC 7662 token introspection for gateways: API keys, and bearer tokens of an installed bearer-token credential type (their `scope` is what the token and the grant both hold, `exp` the earlier end). Mounted before the JSON parser; reads at most 4096 bytes itself, or 16384 with a bearer-token type installed (400 above that). `Cache-Control: no-store`. */
    post: operations['introspect'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/authorize': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description For gateways: is the presented API key good for this API, environment and scopes? 401 carries `WWW-Authenticate: ApiKey realm="api-access"`; 401 and 403 carry the reason in `X-Api-Access-Reason`. Every answer carries `Cache-Control: max-age=N` (N from `apiAccess.gateway.decisionCacheSeconds` for 200, never past the key's or grant's end, and `negativeDecisionCacheSeconds` for 401 and 403), or `no-store` when that is 0: how long a gateway may cache it, keyed by the key, API, scope and environment. */
    get: operations['authorizeGatewayCall'];
    put?: never;
    /** @description For gateways: is the presented API key good for this API, environment and scopes? 401 carries `WWW-Authenticate: ApiKey realm="api-access"`; 401 and 403 carry the reason in `X-Api-Access-Reason`. Every answer carries `Cache-Control: max-age=N` (N from `apiAccess.gateway.decisionCacheSeconds` for 200, never past the key's or grant's end, and `negativeDecisionCacheSeconds` for 401 and 403), or `no-store` when that is 0: how long a gateway may cache it, keyed by the key, API, scope and environment. */
    post: operations['authorizeGatewayCallPost'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/catalog/relations': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description Every distinct (consumer, API) pair with an active grant that has not expired, for the catalog module that shows grants as `consumesApi` / `apiConsumedBy` relations. Service tokens whose subject is in `apiAccess.catalogRelations.allowedSubjects` only; users get 403 (they read grants through `GET /grants`). One indexed query; no query parameters. `Cache-Control: no-store`. */
    get: operations['listCatalogRelations'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/lifecycle/run': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Admins: run the lifecycle tick and due provisioning tasks now, instead of waiting for the scheduler. Any body is ignored. */
    post: operations['runLifecycle'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics/time-to-decision': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description p50/p90 hours from a step's opening to its decision, per API, stage and both. Needs api-access.request.read (DENY answers 403). */
    get: operations['getTimeToDecision'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/access-reviews': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The caller's access review campaigns, open ones first. Needs api-access.grant.read. */
    get: operations['listAccessReviews'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/access-reviews/run': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Starts a campaign now. Body at most 16 KB. Admins, or members of the owner when `accessReviews.ownersMayStart` is set. */
    post: operations['startAccessReview'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/access-reviews/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description One access review campaign with its items and their grants. */
    get: operations['getAccessReview'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/access-reviews/{id}/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description The campaign's events, its answers and revocations of its grants. */
    get: operations['getAccessReviewHistory'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/access-reviews/{id}/items/{grantId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** @description Keep or revoke one grant of the campaign; revoke revokes it at once (and needs api-access.grant.revoke). Body at most 16 KB. */
    post: operations['answerAccessReviewItem'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description Backstage's error body. */
    Error: {
      error: {
        name: string;
        message: string;
      };
      request: {
        method: string;
        url: string;
      };
      response: {
        statusCode: number;
      };
    };
    ErrorWithFindings: components['schemas']['Error'] & {
      findings?: components['schemas']['Finding'][];
    };
    /** @description An API entity ref, e.g. `api:default/petstore`. */
    ApiRef: string;
    /** @description The consumer: a Component (internal) or a partner or vendor Group (external), e.g. `component:default/team-a-service`. */
    ConsumerRef: string;
    /** @description A Group or User entity ref, e.g. `group:default/team-c`. */
    GroupOrUserRef: string;
    /** @description A User entity ref, e.g. `user:default/owner.two`. */
    UserRef: string;
    Scope: string;
    /** @description A credential type's id: the built-in `api-key` and `mtls-certificate`, or one a backend module adds (GET /credential-types lists them). A type that is not offered here is refused with 400. */
    CredentialType: string;
    PlanName: string;
    CreateAccessRequest: {
      apiRef: components['schemas']['ApiRef'];
      consumerRef: components['schemas']['ConsumerRef'];
      environment: string;
      /** @description Duplicates are dropped. */
      scopes: components['schemas']['Scope'][];
      /** @default api-key */
      credentialType?: components['schemas']['CredentialType'];
      /** @description One of the plans the API offers (its profile's plans). When the API offers plans and none is named, the smallest plan that allows the requested scopes, environment and duration. */
      plan?: components['schemas']['PlanName'];
      useCase: string;
      justification: string;
      /** @description Where the credential will be kept (never the secret itself). */
      credentialStorage: string;
      durationDays: number;
    };
    /** @description What a requester may change when resubmitting; the API stays the same. */
    Resubmission: {
      consumerRef: components['schemas']['ConsumerRef'];
      environment: string;
      scopes: components['schemas']['Scope'][];
      /** @default api-key */
      credentialType?: components['schemas']['CredentialType'];
      /** @description One of the plans the API offers (its profile's plans). When the API offers plans and none is named, the smallest plan that allows the requested scopes, environment and duration. */
      plan?: components['schemas']['PlanName'];
      useCase: string;
      justification: string;
      credentialStorage: string;
      durationDays: number;
      /** @description Why the request changed, shown to reviewers. */
      comment?: string;
    };
    PlanDraft: {
      apiRef: components['schemas']['ApiRef'];
      consumerRef: components['schemas']['ConsumerRef'];
      environment: string;
      /** @default [] */
      scopes?: components['schemas']['Scope'][];
      /** @description Counts towards the risk score that routing rules can use. */
      durationDays?: number;
      /** @description The plan asked for; its approval mode shapes the review plan. */
      plan?: components['schemas']['PlanName'];
    };
    /** @description A request as far as the form has it. Only the API is required; every missing field is a finding, not a 400. Blank strings count as missing. */
    AssessmentDraft: {
      apiRef: components['schemas']['ApiRef'];
      consumerRef?: components['schemas']['ConsumerRef'] | string;
      environment?: string;
      /** @default [] */
      scopes?: components['schemas']['Scope'][];
      credentialType?: string;
      useCase?: string;
      justification?: string;
      credentialStorage?: string;
      /** @description The requester's note when resubmitting. */
      comment?: string;
      durationDays?: number | null | '';
      /** @description When resubmitting, that request is not a duplicate of itself. */
      requestId?: string;
    };
    Decision: {
      /** @enum {string} */
      decision: 'approve' | 'reject' | 'request_changes';
      /** @description Required unless approving. */
      comment?: string;
      /** @description Approve fewer scopes than requested. */
      scopes?: components['schemas']['Scope'][];
      /** @description Approve a shorter duration than requested. */
      durationDays?: number;
      /** @description Approve a lower plan than requested (one the API offers, below the asked one). */
      plan?: components['schemas']['PlanName'];
    };
    /** @description One decision with one comment on many requests. Each is decided on its own under the rules of a single decision; narrowing scopes or duration is for single decisions. */
    BulkDecision: {
      ids: string[];
      /** @enum {string} */
      decision: 'approve' | 'reject' | 'request_changes';
      /** @description Required unless approving. */
      comment?: string;
    };
    BulkDecisionResults: {
      /** @description Ties the decisions together in the history (each decision's events carry it). */
      batchId: string;
      /** @description One per id, in the order asked. */
      results: components['schemas']['BulkDecisionResult'][];
    };
    BulkDecisionResult: {
      id: string;
      /** @description The HTTP status a single decision on this request would have had: 201 decided, 400, 403 (not allowed, or a conflict of interest), 404, 409 (no longer in review, or changed meanwhile). */
      status: number;
      /** @description The request's status after the decision (when decided). */
      requestStatus?: components['schemas']['AccessRequestStatus'];
      /** @description The grant the decision created (when it approved the last step). */
      grantId?: string;
      /** @description Why this request was not decided. */
      error?: {
        name: string;
        message: string;
      };
    };
    DelegateStep: {
      to: components['schemas']['UserRef'];
      comment?: string;
    };
    IssueCredential: {
      /** @description The version of the usage terms the requester accepts. */
      acceptTerms: string;
    };
    IssueCertificate: {
      /** @description The version of the usage terms the requester accepts. */
      acceptTerms: string;
      /** @description A PEM PKCS#10 certificate signing request (`openssl req -new`), never the private key. */
      csr: string;
    };
    RevokeGrant: {
      /** @description Why the access ends. */
      reason: string;
    };
    /** @description Exactly one of apiRef, consumerRef or requesterRef (a 400 otherwise), a reason, and optionally a dry run. */
    IncidentRevocation: {
      apiRef?: components['schemas']['ApiRef'];
      consumerRef?: components['schemas']['ConsumerRef'];
      requesterRef?: components['schemas']['UserRef'];
      /** @description Why the access ends; bounded like a single revocation's. */
      reason: string;
      /**
       * @description Answer what would end and change nothing.
       * @default false
       */
      dryRun?: boolean;
    };
    RevocationSelector: {
      apiRef?: string;
      consumerRef?: string;
      requesterRef?: string;
    };
    RevocationCandidate: {
      id: string;
      apiRef: string;
      consumerRef: string;
      requesterRef: string;
      environment: string;
      /** Format: date-time */
      expiresAt: string;
    };
    /** @enum {string} */
    RevocationOutcome: 'revoked' | 'already_ended' | 'failed';
    IncidentRevocationResult: {
      dryRun: boolean;
      /** @description A real run's batch; GET /grants/revocations/{batchId} shows its progress. */
      batchId?: string;
      selector: components['schemas']['RevocationSelector'];
      reason: string;
      /** @description The active grants that end (or would end), newest first. */
      grants: components['schemas']['RevocationCandidate'][];
      /** @description Active grants the selector matches that the caller may not revoke (on APIs another team owns), not named. */
      leftOut: number;
      results?: {
        grantId: string;
        outcome: components['schemas']['RevocationOutcome'];
        /** @description The grant's status when this batch did not revoke it. */
        status?: string;
        error?: string;
      }[];
      counts?: {
        revoked: number;
        alreadyEnded: number;
        failed: number;
      };
    };
    RevocationBatch: {
      id: string;
      startedBy: string;
      /** Format: date-time */
      startedAt: string;
      /**
       * Format: date-time
       * @description Set once every grant of the batch has been tried.
       */
      finishedAt?: string;
      selector: components['schemas']['RevocationSelector'];
      reason: string;
      leftOut: number;
      counts: {
        total: number;
        revoked: number;
        alreadyEnded: number;
        failed: number;
        confirmed: number;
      };
      /** @description Every grant revoked and every provisioner confirmed. */
      done: boolean;
      /** @description No provisioner task is pending any more (done, or some failed for good). */
      settled: boolean;
      items: {
        id: string;
        apiRef: string;
        consumerRef: string;
        requesterRef: string;
        environment: string;
        expiresAt: string;
        outcome: components['schemas']['RevocationOutcome'];
        error?: string;
        status: string;
        /** @enum {string} */
        provisioning: 'pending' | 'confirmed' | 'failed';
        tasks: {
          provisionerId: string;
          /** @enum {string} */
          status: 'pending' | 'confirmed' | 'failed';
          attempts: number;
          lastError?: string;
          /** Format: date-time */
          completedAt?: string;
        }[];
      }[];
    };
    RenewGrant: {
      durationDays: number;
      /** @description Why the access is still needed; the original justification when omitted. */
      justification?: string;
    };
    Introspection: {
      /** @description An API key (at most 512 characters count), or a bearer token of an installed bearer-token credential type. */
      token: string;
      /** @description `access_token` for a bearer token; a JWS-shaped value is taken as one too while a bearer-token type is installed. */
      token_type_hint?: string;
    };
    AccessReviewItemDecision: {
      /** @enum {string} */
      decision: 'keep' | 'revoke';
      /** @description Why the access is still needed (keep), or why it ends (revoke). */
      comment: string;
    };
    StartAccessReview: {
      /** @description The owner to review; admins may leave it out to start one for every owner. */
      ownerRef?: components['schemas']['GroupOrUserRef'];
    };
    ResolvedClassification: {
      level: string;
      /** @description The entity ref the level came from, or `default`. */
      source: string;
    };
    /** @description What the catalog says about an API, for access purposes. */
    ApiAccessProfile: {
      apiRef: string;
      title: string;
      description?: string;
      /** @description From the API's ownedBy relation. */
      ownerRef?: string;
      classification: components['schemas']['ResolvedClassification'];
      scopes: string[];
      /** @enum {string} */
      scopesSource: 'annotation' | 'definition' | 'none';
      environments: string[];
      lifecycle?: string;
      type?: string;
      /** @description The regulated-data label is set on the API, its System or its Domain. */
      regulated: boolean;
      /** @description The plans the API offers, smallest first; empty when it offers none. */
      plans: components['schemas']['Plan'][];
      /** @description Problems with the API's plans declaration (the plans with problems are left out). */
      planErrors?: string[];
    };
    RateLimit: {
      requests: number;
      perSeconds: number;
    };
    Quota: {
      requests: number;
      /** @enum {string} */
      period: 'day' | 'month';
    };
    /** @description One plan an API offers, resolved against its scopes and environments. */
    Plan: {
      name: string;
      title: string;
      description?: string;
      scopes: string[];
      rateLimit: components['schemas']['RateLimit'];
      quota?: components['schemas']['Quota'];
      maxDurationDays: number;
      environments: string[];
      /** @enum {string} */
      approval: 'automatic' | 'owner' | 'policy';
    };
    /** @description The plan a grant holds and its limits as granted. */
    GrantPlan: {
      name: string;
      title: string;
      rateLimit: components['schemas']['RateLimit'];
      quota?: components['schemas']['Quota'];
    };
    GrantUsage: {
      /** @description Calls and refusals per UTC day, oldest first. */
      days: {
        /** Format: date */
        date: string;
        calls: number;
        refused: number;
      }[];
      quota?: {
        used: number;
        limit: number;
        /** @enum {string} */
        period: 'day' | 'month';
        /** Format: date-time */
        resetsAt: string;
      };
    };
    ChangeGrantPlan: {
      plan: components['schemas']['PlanName'];
      comment?: string;
    };
    SuspendGrant: {
      reason: string;
    };
    ResumeGrant: {
      comment?: string;
    };
    ReviewStepPlan: {
      name: string;
      reviewerRef: string;
      quorum: number;
      reason: string;
      rules: string[];
    };
    ReviewStagePlan: {
      name: string;
      steps: components['schemas']['ReviewStepPlan'][];
    };
    ReviewPlan: {
      stages: components['schemas']['ReviewStagePlan'][];
      autoApproved: boolean;
      autoApproveRule?: string;
      renewal?: components['schemas']['RenewalPlanning'];
    };
    /** @description How a renewal was planned. */
    RenewalPlanning: {
      grantId: string;
      /** @enum {string} */
      rule:
        | 'policy-plan'
        | 'policy-auto-approve'
        | 'unchanged-recently-reviewed';
      reason: string;
      beyondLastReview: string[];
      /** Format: date-time */
      lastReviewedAt?: string;
    };
    ReviewDecision: {
      id: string;
      stepId: string;
      round: number;
      deciderRef: string;
      /** @enum {string} */
      decision: 'approve' | 'reject' | 'request_changes';
      comment?: string;
      narrowedScopes?: string[];
      narrowedDurationDays?: number;
      /** @description The lower plan the approver approved instead of the one asked for. */
      narrowedPlan?: string;
      /** Format: date-time */
      createdAt: string;
    };
    ReviewStep: {
      id: string;
      round: number;
      stageIndex: number;
      stageName: string;
      name: string;
      reviewerRef: string;
      quorum: number;
      /** @enum {string} */
      status: 'waiting' | 'pending' | 'approved' | 'rejected';
      reason: string;
      rules: string[];
      /** Format: date-time */
      pendingSince?: string;
      delegateRef?: string;
      escalatedTo?: string;
    };
    /** @description Why the caller, among the open step's reviewers, may not decide it. */
    Conflict: {
      /** @enum {string} */
      reason: 'requester' | 'consumer_owner' | 'other_step';
      message: string;
    };
    FindingSuggestion:
      | {
          /** @constant */
          field: 'scopes';
          value: components['schemas']['Scope'][];
          label: string;
        }
      | {
          /** @constant */
          field: 'durationDays';
          value: number;
          label: string;
        }
      | {
          /** @constant */
          field: 'environment';
          value: string;
          label: string;
        };
    Finding: {
      id: string;
      /** @enum {string} */
      severity: 'blocker' | 'warning' | 'info';
      /** @enum {string} */
      field:
        | 'apiRef'
        | 'consumerRef'
        | 'environment'
        | 'scopes'
        | 'durationDays'
        | 'useCase'
        | 'justification'
        | 'credentialStorage'
        | 'comment'
        | 'request';
      message: string;
      assessor: string;
      suggestion?: components['schemas']['FindingSuggestion'];
    };
    RiskScore: {
      score: number;
      reasons: {
        /** @enum {string} */
        factor:
          | 'classification'
          | 'environment'
          | 'scopes'
          | 'external'
          | 'duration'
          | 'plan';
        /** @description Negative only for a small plan, which lowers the score. */
        points: number;
        detail: string;
      }[];
    };
    AssessmentResult: {
      findings: components['schemas']['Finding'][];
      risk: components['schemas']['RiskScore'];
    };
    /** @description The assessment stored with a request for one review round. */
    RequestAssessment: {
      findings: components['schemas']['Finding'][];
      risk: components['schemas']['RiskScore'];
      round: number;
      /** Format: date-time */
      assessedAt: string;
    };
    AccessRequest: {
      id: string;
      apiRef: string;
      consumerRef: string;
      /** @enum {string} */
      consumerKind: 'internal' | 'external';
      requesterRef: string;
      ownerRef: string;
      environment: string;
      scopes: string[];
      credentialType: string;
      useCase: string;
      justification: string;
      credentialStorage: string;
      durationDays: number;
      /** @description The terms a grant will carry, the requested ones narrowed by reviewers. */
      approvedScopes: string[];
      approvedDurationDays: number;
      /** @description The plan asked for (plan in POST /requests), when the API offers plans. */
      requestedPlan?: string;
      /** @description The plan a grant will carry, the asked one or a lower one an approver chose. */
      approvedPlan?: string;
      classification: components['schemas']['ResolvedClassification'];
      autoApproveRule?: string;
      reviewRound: number;
      status: components['schemas']['AccessRequestStatus'];
      version: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** @description Present on single-request reads. */
      steps?: components['schemas']['ReviewStep'][];
      /** @description Present on single-request reads. */
      decisions?: components['schemas']['ReviewDecision'][];
      grantId?: string;
      /** @description Set on a renewal, the grant an approval extends. */
      renewalOfGrantId?: string;
      assessment?: components['schemas']['RequestAssessment'];
      renewal?: components['schemas']['RenewalPlanning'];
      viewerConflict?: components['schemas']['Conflict'];
    };
    /** @enum {string} */
    AccessRequestStatus:
      | 'in_review'
      | 'changes_requested'
      | 'approved'
      | 'rejected'
      | 'withdrawn';
    AccessRequestPage: {
      items: components['schemas']['AccessRequest'][];
      nextCursor?: string;
    };
    ProvisioningTaskStatus: {
      id: string;
      provisionerId: string;
      /** @enum {string} */
      action: 'provision' | 'rotate' | 'revoke' | 'retire';
      /** @enum {string} */
      status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
      attempts: number;
      lastError?: string;
      /** Format: date-time */
      nextAttemptAt?: string;
      reference?: string;
      /** Format: date-time */
      completedAt?: string;
    };
    GrantProvisioning: {
      /** @enum {string} */
      state: 'pending' | 'retrying' | 'failed' | 'done';
      tasks: components['schemas']['ProvisioningTaskStatus'][];
    };
    Grant: {
      id: string;
      requestId: string;
      apiRef: string;
      consumerRef: string;
      requesterRef: string;
      environment: string;
      scopes: string[];
      credentialType: string;
      /** @enum {string} */
      status:
        | 'active'
        | 'suspended'
        | 'expired'
        | 'revoked'
        | 'revocation_failed';
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      expiresAt: string;
      plan?: components['schemas']['GrantPlan'];
      /** @description Set while the grant is suspended. */
      suspension?: {
        /** Format: date-time */
        at: string;
        by: string;
        reason: string;
      };
      /**
       * Format: date-time
       * @description Last successful introspection of one of its credentials (batched, up to a minute late).
       */
      lastUsedAt?: string;
      /** @description The grant's current credential, by its public prefix; never the secret. */
      credential?: {
        id: string;
        prefix: string;
        /** Format: date-time */
        createdAt: string;
      };
      /** Format: date-time */
      revokedAt?: string;
      revokedBy?: string;
      revocationReason?: string;
      provisioning?: components['schemas']['GrantProvisioning'];
      orphanReason?: string;
      /** Format: date-time */
      renewedAt?: string;
      renewals?: number;
      flags?: ('expiring' | 'stale' | 'orphaned')[];
      renewalRequestId?: string;
    };
    GrantPage: {
      items: components['schemas']['Grant'][];
      nextCursor?: string;
    };
    CredentialTerms: {
      version: string;
      text: string;
    };
    /** @description Returned once, when a key is issued or rotated. */
    IssuedCredential: {
      id: string;
      grantId: string;
      prefix: string;
      /** @description `aak_<8 public chars>_<43 secret chars>`; the only time it exists outside the requester's storage. */
      secret: string;
      termsVersion: string;
      /** Format: date-time */
      createdAt: string;
      /**
       * Format: date-time
       * @description On rotation, when the key this one replaced stops working.
       */
      previousValidUntil?: string;
    };
    /** @description Returned once, when a credential of a module's type (e.g. `oauth2-client`) is issued or rotated: these fields and the type's own (shown this once; api-access does not keep them). */
    IssuedTypedCredential: {
      id: string;
      grantId: string;
      credentialType: components['schemas']['CredentialType'];
      termsVersion: string;
      /** Format: date-time */
      createdAt: string;
      /**
       * Format: date-time
       * @description On rotation, when the credential this one replaced stops working.
       */
      previousValidUntil?: string;
    } & {
      [key: string]: unknown;
    };
    CredentialTypeInfo: {
      id: components['schemas']['CredentialType'];
      title: string;
      description: string;
      /** @enum {string} */
      presentation: 'api-key' | 'bearer-token' | 'client-certificate';
      offered: boolean;
      /** @description When not offered, why (shown to requesters). */
      reason?: string;
    };
    /** @description Nothing in it is secret; the private key stayed with the requester. */
    IssuedCertificate: {
      id: string;
      grantId: string;
      /** @description Hex serial number, as listed on the CRL. */
      serial: string;
      /** @description SHA-256 of the certificate's DER, hex. */
      fingerprint: string;
      certificate: string;
      caCertificate: string;
      /** Format: date-time */
      notBefore: string;
      /** Format: date-time */
      notAfter: string;
      termsVersion: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      previousValidUntil?: string;
    };
    /** @description RFC 7662 style. */
    IntrospectionResult: {
      active: boolean;
      /** @description Space-separated. */
      scope?: string;
      /** @description The consumer's entity ref. */
      client_id?: string;
      sub?: string;
      /** @description The API's entity ref. */
      aud?: string;
      /** @description Seconds since the epoch. */
      exp?: number;
      environment?: string;
      grant_id?: string;
      rate_limit?: {
        requests: number;
        per_seconds: number;
      };
      /** @description The grant's plan, when it has one. */
      plan?: string;
      quota?: components['schemas']['Quota'];
      /** @description A bearer token's: the identity provider's client id behind it. */
      oauth_client_id?: string;
    };
    GatewayAnswer: {
      allowed: boolean;
      /** @description Why not; never names the API or environment a key is for. */
      reason?: string;
    };
    /** @description A consumer holding at least one active, unexpired grant to an API: the catalog module emits `consumesApi` (consumer to API) and `apiConsumedBy` (API to consumer) for it. */
    CatalogRelationPair: {
      consumerRef: string;
      apiRef: string;
    };
    CatalogRelations: {
      /** @description Distinct pairs, ordered by consumerRef then apiRef. */
      items: components['schemas']['CatalogRelationPair'][];
      /**
       * Format: date-time
       * @description The backend's time the pairs were read at.
       */
      generatedAt: string;
    };
    /** @description One entry of the hash-chained history. */
    AuditEvent: {
      id: string;
      seq: number;
      /** @enum {string} */
      subjectType: 'request' | 'grant' | 'review' | 'revocation_batch';
      subjectId: string;
      requestId?: string;
      /** @description e.g. request.submitted, step.approved, request.approved, grant.created */
      action: string;
      actorRef: string;
      /** Format: date-time */
      occurredAt: string;
      fromStatus?: string;
      toStatus?: string;
      details: {
        [key: string]: unknown;
      };
      hash: string;
    };
    AuditEventList: {
      items: components['schemas']['AuditEvent'][];
    };
    ChainVerification: {
      ok: boolean;
      /** @description Events rehashed by this call. */
      checked: number;
      total?: number;
      fromCheckpoint?: number;
      checkpoints?: number;
      firstBroken?: {
        seq: number;
        id: string;
        reason: string;
      };
    };
    LifecycleRun: {
      /** @description Per lifecycle rule, its counts, or the error it ended with. */
      rules: {
        [key: string]:
          | {
              [key: string]: number;
            }
          | {
              error: string;
            };
      };
      /** @description Provisioning tasks run. */
      provisioned: number;
    };
    AccessReviewItem: {
      grantId: string;
      /** @enum {string} */
      decision?: 'keep' | 'revoke';
      comment?: string;
      /** @description The member who decided, or `api-access` for the unanswered outcome. */
      decidedBy?: string;
      /** Format: date-time */
      decidedAt?: string;
      grant: components['schemas']['Grant'];
    };
    /** @description A periodic access review campaign, one owner's grants to keep or revoke. */
    AccessReview: {
      id: string;
      ownerRef: string;
      /** @description The period's first day (YYYY-MM-DD), or `manual:<time>`. */
      period: string;
      /** @enum {string} */
      trigger: 'scheduled' | 'manual';
      startedBy: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      dueAt: string;
      /** @enum {string} */
      status: 'open' | 'closed';
      /** Format: date-time */
      closedAt?: string;
      escalatedTo?: string;
      /** Format: date-time */
      escalatedAt?: string;
      items: components['schemas']['AccessReviewItem'][];
    };
    AccessReviewList: {
      items: components['schemas']['AccessReview'][];
    };
    DecisionTimeStats: {
      count: number;
      p50Hours: number;
      p90Hours: number;
    };
    TimeToDecisionReport: {
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      apiRef?: string;
      overall: components['schemas']['DecisionTimeStats'];
      byApi: {
        apiRef: string;
        count: number;
        p50Hours: number;
        p90Hours: number;
      }[];
      byApiAndStage: {
        apiRef: string;
        stage: string;
        count: number;
        p50Hours: number;
        p90Hours: number;
      }[];
      byStage: {
        stage: string;
        count: number;
        p50Hours: number;
        p90Hours: number;
      }[];
      truncated: boolean;
    };
  };
  responses: {
    /** @description Bad input; the message names every bad field, e.g. `Invalid access request: durationDays must be at least 1 day; useCase is required`. */
    BadRequest: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Bad input, or the request assistant found blockers: then `findings` lists them so the form can show each at its field. */
    BadRequestWithFindings: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorWithFindings'];
      };
    };
    /** @description No or invalid Backstage credentials. */
    Unauthorized: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The caller may not do this: a permission policy or a workflow rule no policy can relax said no, or a service token on a user route. */
    Forbidden: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Unknown, or (for a grant) not readable by the caller. */
    NotFound: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The subject is no longer in a state that allows this. */
    Conflict: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The body is over the route's limit; the message names it. */
    PayloadTooLarge: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: {
    /** @description The access request's id. */
    RequestId: string;
    /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
    GrantId: string;
    /** @description The access review campaign's id. */
    AccessReviewId: string;
    Limit: number;
    /** @description The `nextCursor` of the previous page. */
    Cursor: string;
  };
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getHealth: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The plugin is up. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @constant */
            status: 'ok';
          };
        };
      };
    };
  };
  getApiProfile: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        namespace: string;
        name: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The API's access profile. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiAccessProfile'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  previewPlan: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PlanDraft'];
      };
    };
    responses: {
      /** @description The plan. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ReviewPlan'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  assessDraft: {
    parameters: {
      query?: {
        /** @description `true` also runs module assessors (e.g. the LLM one), which take seconds. */
        modules?: 'true' | 'false';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AssessmentDraft'];
      };
    };
    responses: {
      /** @description Findings and the risk score. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AssessmentResult'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  listRequests: {
    parameters: {
      query: {
        view: 'mine' | 'reviewable';
        /** @description With view=reviewable, only steps assigned to this group or user. */
        reviewerRef?: components['schemas']['GroupOrUserRef'];
        status?: components['schemas']['AccessRequestStatus'];
        limit?: components['parameters']['Limit'];
        /** @description The `nextCursor` of the previous page. */
        cursor?: components['parameters']['Cursor'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One page. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequestPage'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  createRequest: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateAccessRequest'];
      };
    };
    responses: {
      /** @description The request, with its steps. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      400: components['responses']['BadRequestWithFindings'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  getRequest: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access request's id. */
        id: components['parameters']['RequestId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The request with steps, decisions, assessment and grantId. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  decideRequests: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['BulkDecision'];
      };
    };
    responses: {
      /** @description One result per id, in the order asked. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['BulkDecisionResults'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  decideRequest: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access request's id. */
        id: components['parameters']['RequestId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['Decision'];
      };
    };
    responses: {
      /** @description The request after the decision. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  withdrawRequest: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access request's id. */
        id: components['parameters']['RequestId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The withdrawn request. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  resubmitRequest: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access request's id. */
        id: components['parameters']['RequestId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['Resubmission'];
      };
    };
    responses: {
      /** @description The request, in review again. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      400: components['responses']['BadRequestWithFindings'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  delegateStep: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access request's id. */
        id: components['parameters']['RequestId'];
        stepId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DelegateStep'];
      };
    };
    responses: {
      /** @description The request, as GET /requests/{id} answers it. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  getAudit: {
    parameters: {
      query: {
        /** @description A request's id, or a grant's (which gives its request's history). */
        subjectId: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The subject's history. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditEventList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  verifyAudit: {
    parameters: {
      query?: {
        /** @description `true` or `1` rehashes the whole chain; otherwise from the last signed checkpoint. */
        full?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Whether the chain holds. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ChainVerification'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  exportAudit: {
    parameters: {
      query?: {
        /** @description Inclusive: the span starts at the first event that occurred at or after it. An ISO 8601 date-time with a time zone, or a date (midnight UTC). Without it, the chain's first event. */
        from?: string;
        /** @description Exclusive: the span ends at the last event that occurred before it; must be after `from`. Without it, the chain's head when the export starts. */
        to?: string;
        /** @description `ndjson` (the default) or `csv`. */
        format?: 'ndjson' | 'csv';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The export: JSON Lines (`{"type":"event",...}` per event, then `{"type":"trailer",...}`), or CSV with a header row, a row per event and a last row of type `trailer` whose `details` column holds the trailer's JSON. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': string;
          'text/csv': string;
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  getCredentialTerms: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The usage terms a requester accepts before seeing a credential. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CredentialTerms'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  listCredentialTypes: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every installed credential type, the built-in ones first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CredentialTypeInfo'][];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  listGrants: {
    parameters: {
      query?: {
        consumerRef?: components['schemas']['ConsumerRef'];
        apiRef?: components['schemas']['ApiRef'];
        /** @description The owning group (or user) of the APIs, as recorded when access was approved. */
        ownerRef?: components['schemas']['GroupOrUserRef'];
        /** @description Who asked for the access, e.g. the caller themself for "my access". */
        requesterRef?: components['schemas']['UserRef'];
        limit?: components['parameters']['Limit'];
        /** @description The `nextCursor` of the previous page. */
        cursor?: components['parameters']['Cursor'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One page. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GrantPage'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  issueCredential: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['IssueCredential'];
      };
    };
    responses: {
      /** @description The key (or the module type's credential), with its secret, this once. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | components['schemas']['IssuedCredential']
            | components['schemas']['IssuedTypedCredential'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  issueCertificate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['IssueCertificate'];
      };
    };
    responses: {
      /** @description The certificate. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IssuedCertificate'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  revokeGrant: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RevokeGrant'];
      };
    };
    responses: {
      /** @description The revoked grant. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Grant'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  renewGrant: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RenewGrant'];
      };
    };
    responses: {
      /** @description The renewal request (with `renewalOfGrantId` and `renewal`). */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRequest'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  changeGrantPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ChangeGrantPlan'];
      };
    };
    responses: {
      /** @description The grant on its new plan. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Grant'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  suspendGrant: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SuspendGrant'];
      };
    };
    responses: {
      /** @description The suspended grant (status `suspended`, `suspension`). */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Grant'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  resumeGrant: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ResumeGrant'];
      };
    };
    responses: {
      /** @description The active grant. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Grant'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  getGrantUsage: {
    parameters: {
      query?: {
        days?: number;
      };
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The grant's usage. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GrantUsage'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  retryGrantProvisioning: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The grant's id. A grant the caller may not read answers 404, as an unknown one. */
        id: components['parameters']['GrantId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The grant with its provisioning. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Grant'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  revokeGrantsInBulk: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['IncidentRevocation'];
      };
    };
    responses: {
      /** @description The dry run's answer; nothing changed. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IncidentRevocationResult'];
        };
      };
      /** @description The batch ran; each grant's outcome. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IncidentRevocationResult'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  getRevocationBatch: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        batchId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The batch. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RevocationBatch'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  getCaCertificate: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The issuing CA certificate. `Cache-Control: public, max-age=3600`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-pem-file': string;
        };
      };
      404: components['responses']['NotFound'];
    };
  };
  getCertificateRevocationList: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The CA's current CRL. `Cache-Control: no-cache`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-pem-file': string;
        };
      };
      404: components['responses']['NotFound'];
    };
  };
  introspect: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/x-www-form-urlencoded': components['schemas']['Introspection'];
        'application/json': components['schemas']['Introspection'];
      };
    };
    responses: {
      /** @description `{ active: false }`, or the active key's grant. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['IntrospectionResult'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      /** @description A bearer token could not be checked now (its type cannot reach the identity provider's keys); not a verdict on the token. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Error'];
        };
      };
    };
  };
  authorizeGatewayCall: {
    parameters: {
      query?: never;
      header: {
        /** @description The protected API's entity ref (`api:default/petstore`, or just `petstore`). */
        'X-Api-Access-Api': string;
        /** @description The presented API key (401 without one or a token). */
        'X-Api-Access-Key'?: string;
        /** @description A presented bearer token (`Authorization: Bearer <token>` at the gateway), checked by an installed bearer-token credential type; with X-Api-Access-Key too, 401 `present an API key or a token, not both`. */
        'X-Api-Access-Token'?: string;
        /** @description Space-separated scopes the call needs, all required. */
        'X-Api-Access-Scope'?: string;
        'X-Api-Access-Environment'?: string;
        /** @description `403`: answer a call past the quota with 403 and `X-Api-Access-Refusal: quota` instead of 429 (for nginx auth_request). */
        'X-Api-Access-Refuse-With'?: '403';
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Allowed, with `X-Api-Access-Consumer`, `X-Api-Access-Grant`, `X-Api-Access-Scopes`, `X-Api-Access-Rate-Limit` (e.g. `600;w=60`: the grant's plan's limit, or the platform's for a grant without a plan) and `X-Api-Access-Plan` when the grant has a plan. A grant whose plan has a quota is answered with `Cache-Control: no-store`, so that each call is counted. */
      200: {
        headers: {
          'X-Api-Access-Plan'?: string;
          'X-Api-Access-Consumer'?: string;
          'X-Api-Access-Grant'?: string;
          'X-Api-Access-Scopes'?: string;
          'X-Api-Access-Rate-Limit'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayAnswer'];
        };
      };
      400: components['responses']['BadRequest'];
      /** @description No key or an inactive key was presented (`{ allowed: false, reason }`, `WWW-Authenticate: ApiKey realm="api-access"`), or a token that is not valid or whose client has no active grant (`WWW-Authenticate: Bearer realm="api-access", error="invalid_token"`), or the gateway's own credentials are missing (Backstage's error body). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | components['schemas']['GatewayAnswer']
            | components['schemas']['Error'];
        };
      };
      /** @description The key is for another API or environment or lacks a scope, or its grant is suspended (`the grant is suspended`) (`{ allowed: false, reason }`), or the caller is not a listed gateway (Backstage's error body). With the request header `X-Api-Access-Refuse-With: 403` (nginx's auth_request passes on only 2xx, 401 and 403) a call past the quota is a 403 with `X-Api-Access-Refusal: quota` and `Retry-After`, which the gateway answers as 429. */
      403: {
        headers: {
          'X-Api-Access-Refusal'?: 'quota';
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | components['schemas']['GatewayAnswer']
            | components['schemas']['Error'];
        };
      };
      /** @description The grant's plan's quota is used up for the period (reason `the quota of the plan is used up`); `Retry-After` gives the seconds until the period resets (UTC midnight, or the first of the month). Never cached. */
      429: {
        headers: {
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayAnswer'];
        };
      };
      /** @description A bearer token could not be checked now (its type cannot reach the identity provider's keys): `{ allowed: false, reason }`, `Cache-Control: no-store`. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayAnswer'];
        };
      };
    };
  };
  authorizeGatewayCallPost: {
    parameters: {
      query?: never;
      header: {
        /** @description The protected API's entity ref (`api:default/petstore`, or just `petstore`). */
        'X-Api-Access-Api': string;
        /** @description The presented API key (401 without one or a token). */
        'X-Api-Access-Key'?: string;
        /** @description A presented bearer token (`Authorization: Bearer <token>` at the gateway), checked by an installed bearer-token credential type; with X-Api-Access-Key too, 401 `present an API key or a token, not both`. */
        'X-Api-Access-Token'?: string;
        /** @description Space-separated scopes the call needs, all required. */
        'X-Api-Access-Scope'?: string;
        'X-Api-Access-Environment'?: string;
        /** @description `403`: answer a call past the quota with 403 and `X-Api-Access-Refusal: quota` instead of 429 (for nginx auth_request). */
        'X-Api-Access-Refuse-With'?: '403';
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Allowed, with `X-Api-Access-Consumer`, `X-Api-Access-Grant`, `X-Api-Access-Scopes`, `X-Api-Access-Rate-Limit` (e.g. `600;w=60`: the grant's plan's limit, or the platform's for a grant without a plan) and `X-Api-Access-Plan` when the grant has a plan. A grant whose plan has a quota is answered with `Cache-Control: no-store`, so that each call is counted. */
      200: {
        headers: {
          'X-Api-Access-Plan'?: string;
          'X-Api-Access-Consumer'?: string;
          'X-Api-Access-Grant'?: string;
          'X-Api-Access-Scopes'?: string;
          'X-Api-Access-Rate-Limit'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayAnswer'];
        };
      };
      400: components['responses']['BadRequest'];
      /** @description No key or an inactive key was presented (`{ allowed: false, reason }`, `WWW-Authenticate: ApiKey realm="api-access"`), or a token that is not valid or whose client has no active grant (`WWW-Authenticate: Bearer realm="api-access", error="invalid_token"`), or the gateway's own credentials are missing (Backstage's error body). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | components['schemas']['GatewayAnswer']
            | components['schemas']['Error'];
        };
      };
      /** @description The key is for another API or environment or lacks a scope, or its grant is suspended (`the grant is suspended`) (`{ allowed: false, reason }`), or the caller is not a listed gateway (Backstage's error body). With the request header `X-Api-Access-Refuse-With: 403` (nginx's auth_request passes on only 2xx, 401 and 403) a call past the quota is a 403 with `X-Api-Access-Refusal: quota` and `Retry-After`, which the gateway answers as 429. */
      403: {
        headers: {
          'X-Api-Access-Refusal'?: 'quota';
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/json':
            | components['schemas']['GatewayAnswer']
            | components['schemas']['Error'];
        };
      };
      /** @description The grant's plan's quota is used up for the period (reason `the quota of the plan is used up`); `Retry-After` gives the seconds until the period resets (UTC midnight, or the first of the month). Never cached. */
      429: {
        headers: {
          'Retry-After'?: number;
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayAnswer'];
        };
      };
      /** @description A bearer token could not be checked now (its type cannot reach the identity provider's keys): `{ allowed: false, reason }`, `Cache-Control: no-store`. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GatewayAnswer'];
        };
      };
    };
  };
  listCatalogRelations: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pairs, and when they were read. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CatalogRelations'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  runLifecycle: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description What each rule did, and how many provisioning tasks ran. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['LifecycleRun'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  getTimeToDecision: {
    parameters: {
      query?: {
        /** @description An ISO 8601 date; default 90 days before `to`. Must be before `to`. */
        from?: string;
        /** @description An ISO 8601 date; default now. */
        to?: string;
        apiRef?: components['schemas']['ApiRef'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The report. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TimeToDecisionReport'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  listAccessReviews: {
    parameters: {
      query?: {
        /** @description One owning group (or user); without it, every group of the caller. */
        ownerRef?: components['schemas']['GroupOrUserRef'];
        /** @description `all` adds the most recently closed campaigns after the open ones. */
        status?: 'open' | 'all';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The caller's campaigns, open ones first. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessReviewList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
    };
  };
  startAccessReview: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['StartAccessReview'];
      };
    };
    responses: {
      /** @description Every campaign in `items` was already open. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessReviewList'];
        };
      };
      /** @description This call opened a campaign (or `items` is empty). */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessReviewList'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
  getAccessReview: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access review campaign's id. */
        id: components['parameters']['AccessReviewId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One campaign. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessReview'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  getAccessReviewHistory: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access review campaign's id. */
        id: components['parameters']['AccessReviewId'];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The campaign's events, its answers and revocations of its grants. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditEventList'];
        };
      };
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
    };
  };
  answerAccessReviewItem: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The access review campaign's id. */
        id: components['parameters']['AccessReviewId'];
        grantId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AccessReviewItemDecision'];
      };
    };
    responses: {
      /** @description The campaign after the answer. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessReview'];
        };
      };
      400: components['responses']['BadRequest'];
      401: components['responses']['Unauthorized'];
      403: components['responses']['Forbidden'];
      404: components['responses']['NotFound'];
      409: components['responses']['Conflict'];
      413: components['responses']['PayloadTooLarge'];
    };
  };
}
