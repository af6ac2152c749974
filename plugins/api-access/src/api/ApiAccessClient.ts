// The frontend's face of the api-access backend: the generated
// ApiAccessHttpClient (from the backend's OpenAPI document, so URLs, methods
// and bodies are never written by hand here) plus what a Backstage frontend
// client adds: Backstage's fetch and discovery, ResponseError on a non-2xx
// answer, and following GET /grants' pages for the cards.
import { parseEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  AccessRequest,
  ApiAccessHttpClient,
  ApiAccessProfile,
  AssessmentResult,
  AuditEvent,
  BulkDecisionInput,
  BulkDecisionResults,
  CreateAccessRequest,
  CredentialTypeInfo,
  DecisionInput,
  Grant,
  GrantUsage,
  IssuedCertificate,
  Page,
  PlanDraft,
  ResubmitInput,
  ReviewPlan,
  TypedResponse,
} from '@api-access/backstage-plugin-api-access-common';
import type {
  AccessReview,
  AccessReviewItemDecisionInput,
  AccessRequestStatus,
  DelegateStepInput,
  TimeToDecisionReport,
} from '@api-access/backstage-plugin-api-access-common';
import type {
  IncidentRevocationInput,
  IncidentRevocationResult,
  RevocationBatch,
} from '@api-access/backstage-plugin-api-access-common';
import {
  ApiAccessApi,
  DraftToAssess,
  IssuedGrantCredential,
} from './ApiAccessApi';

/** Pages of 200 grants the client follows at most (2,000 grants on one card). */
const MAX_GRANT_PAGES = 10;

/** Talks to the api-access backend through Backstage's discovery and fetch APIs. */
export class ApiAccessClient implements ApiAccessApi {
  private readonly http: ApiAccessHttpClient;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.http = new ApiAccessHttpClient(options);
  }

  getProfile(apiRef: string): Promise<ApiAccessProfile> {
    const { namespace, name } = parseEntityRef(apiRef, { defaultKind: 'api' });
    return ok(this.http.getApiProfile({ path: { namespace, name } }));
  }

  previewPlan(draft: PlanDraft): Promise<ReviewPlan> {
    return ok(this.http.previewPlan({ body: draft }));
  }

  createRequest(request: CreateAccessRequest): Promise<AccessRequest> {
    return ok(this.http.createRequest({ body: request }));
  }

  assess(
    draft: DraftToAssess,
    options?: { modules?: boolean },
  ): Promise<AssessmentResult> {
    return ok(
      this.http.assessDraft({
        query: options?.modules ? { modules: 'true' } : undefined,
        body: draft,
      }),
    );
  }

  listRequests(query: {
    view: 'mine' | 'reviewable';
    reviewerRef?: string;
    status?: AccessRequestStatus;
    cursor?: string;
  }): Promise<Page<AccessRequest>> {
    return ok(this.http.listRequests({ query }));
  }

  getRequest(id: string): Promise<AccessRequest> {
    return ok(this.http.getRequest({ path: { id } }));
  }

  decide(id: string, decision: DecisionInput): Promise<AccessRequest> {
    return ok(this.http.decideRequest({ path: { id }, body: decision }));
  }

  decideMany(input: BulkDecisionInput): Promise<BulkDecisionResults> {
    return ok(this.http.decideRequests({ body: input }));
  }

  withdraw(id: string): Promise<AccessRequest> {
    return ok(this.http.withdrawRequest({ path: { id } }));
  }

  resubmit(id: string, body: ResubmitInput): Promise<AccessRequest> {
    return ok(this.http.resubmitRequest({ path: { id }, body }));
  }

  async getHistory(subjectId: string): Promise<AuditEvent[]> {
    const page = await ok(this.http.getAudit({ query: { subjectId } }));
    return page.items;
  }

  getCredentialTerms(): Promise<{ version: string; text: string }> {
    return ok(this.http.getCredentialTerms());
  }

  getCredentialTypes(): Promise<CredentialTypeInfo[]> {
    return ok(this.http.listCredentialTypes());
  }

  issueCredential(
    grantId: string,
    acceptTerms: string,
  ): Promise<IssuedGrantCredential> {
    // The document answers an API key or a module type's credential (common
    // fields plus the type's own); the frontend knows the oauth2-client's.
    return ok(
      this.http.issueCredential({
        path: { id: grantId },
        body: { acceptTerms },
      }) as Promise<TypedResponse<IssuedGrantCredential>>,
    );
  }

  issueCertificate(
    grantId: string,
    csr: string,
    acceptTerms: string,
  ): Promise<IssuedCertificate> {
    return ok(
      this.http.issueCertificate({
        path: { id: grantId },
        body: { csr, acceptTerms },
      }),
    );
  }

  async listGrants(query: {
    consumerRef?: string;
    apiRef?: string;
    ownerRef?: string;
    requesterRef?: string;
  }): Promise<Grant[]> {
    // GET /grants is paged (at most 200 a page): follow the cursor, up to
    // MAX_GRANT_PAGES pages, so the cards show every grant the caller may see.
    const items: Grant[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_GRANT_PAGES; page += 1) {
      const result = await ok(
        this.http.listGrants({ query: { ...query, limit: 200, cursor } }),
      );
      items.push(...result.items);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  revokeGrant(grantId: string, reason: string): Promise<Grant> {
    return ok(
      this.http.revokeGrant({ path: { id: grantId }, body: { reason } }),
    );
  }

  revokeGrantsInBulk(
    input: IncidentRevocationInput,
  ): Promise<IncidentRevocationResult> {
    return ok(this.http.revokeGrantsInBulk({ body: input }));
  }

  getRevocationBatch(batchId: string): Promise<RevocationBatch> {
    return ok(this.http.getRevocationBatch({ path: { batchId } }));
  }

  changeGrantPlan(
    grantId: string,
    body: { plan: string; comment?: string },
  ): Promise<Grant> {
    return ok(this.http.changeGrantPlan({ path: { id: grantId }, body }));
  }

  suspendGrant(grantId: string, reason: string): Promise<Grant> {
    return ok(
      this.http.suspendGrant({ path: { id: grantId }, body: { reason } }),
    );
  }

  resumeGrant(grantId: string, comment?: string): Promise<Grant> {
    return ok(
      this.http.resumeGrant({
        path: { id: grantId },
        body: comment ? { comment } : {},
      }),
    );
  }

  getGrantUsage(grantId: string, days?: number): Promise<GrantUsage> {
    return ok(
      this.http.getGrantUsage({
        path: { id: grantId },
        query: days ? { days } : undefined,
      }),
    );
  }

  renewGrant(
    grantId: string,
    body: { durationDays: number; justification?: string },
  ): Promise<AccessRequest> {
    return ok(this.http.renewGrant({ path: { id: grantId }, body }));
  }

  retryProvisioning(grantId: string): Promise<Grant> {
    return ok(this.http.retryGrantProvisioning({ path: { id: grantId } }));
  }

  async listAccessReviews(query: {
    ownerRef?: string;
    status?: 'open' | 'all';
  }): Promise<AccessReview[]> {
    const page = await ok(this.http.listAccessReviews({ query }));
    return page.items;
  }

  answerAccessReview(
    reviewId: string,
    grantId: string,
    answer: AccessReviewItemDecisionInput,
  ): Promise<AccessReview> {
    return ok(
      this.http.answerAccessReviewItem({
        path: { id: reviewId, grantId },
        body: answer,
      }),
    );
  }

  delegateStep(
    requestId: string,
    stepId: string,
    body: DelegateStepInput,
  ): Promise<AccessRequest> {
    return ok(
      this.http.delegateStep({ path: { id: requestId, stepId }, body }),
    );
  }

  getTimeToDecision(query: {
    from?: string;
    to?: string;
    apiRef?: string;
  }): Promise<TimeToDecisionReport> {
    return ok(this.http.getTimeToDecision({ query }));
  }
}

/** The answer's body, or a ResponseError naming what the backend refused. */
async function ok<T>(pending: Promise<TypedResponse<T>>): Promise<T> {
  const response = await pending;
  if (!response.ok) {
    throw await ResponseError.fromResponse(response as Response);
  }
  return response.json();
}
