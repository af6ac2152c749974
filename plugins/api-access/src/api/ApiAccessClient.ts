import { parseEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  AccessRequest,
  ApiAccessProfile,
  AssessmentResult,
  AuditEvent,
  CreateAccessRequest,
  DecisionInput,
  Grant,
  IssuedCertificate,
  IssuedCredential,
  Page,
  PlanDraft,
  ResubmitInput,
  ReviewPlan,
} from '@api-access/backstage-plugin-api-access-common';
import type {
  AccessReview,
  AccessReviewItemDecisionInput,
} from '@api-access/backstage-plugin-api-access-common';
import type {
  DelegateStepInput,
  TimeToDecisionReport,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, DraftToAssess } from './ApiAccessApi';

/** Pages of 200 grants the client follows at most (2,000 grants on one card). */
const MAX_GRANT_PAGES = 10;

/** Talks to the api-access backend through Backstage's discovery and fetch APIs. */
export class ApiAccessClient implements ApiAccessApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  getProfile(apiRef: string): Promise<ApiAccessProfile> {
    const { namespace, name } = parseEntityRef(apiRef, { defaultKind: 'api' });
    return this.call(
      `/apis/${encodeURIComponent(namespace)}/${encodeURIComponent(
        name,
      )}/profile`,
    );
  }

  previewPlan(draft: PlanDraft): Promise<ReviewPlan> {
    return this.call('/plans', { method: 'POST', body: draft });
  }

  createRequest(request: CreateAccessRequest): Promise<AccessRequest> {
    return this.call('/requests', { method: 'POST', body: request });
  }

  assess(
    draft: DraftToAssess,
    options?: { modules?: boolean },
  ): Promise<AssessmentResult> {
    return this.call(`/assessments${options?.modules ? '?modules=true' : ''}`, {
      method: 'POST',
      body: draft,
    });
  }

  listRequests(
    query: Record<string, string | undefined>,
  ): Promise<Page<AccessRequest>> {
    return this.call(`/requests?${this.query(query)}`);
  }

  getRequest(id: string): Promise<AccessRequest> {
    return this.call(`/requests/${encodeURIComponent(id)}`);
  }

  decide(id: string, decision: DecisionInput): Promise<AccessRequest> {
    return this.call(`/requests/${encodeURIComponent(id)}/decisions`, {
      method: 'POST',
      body: decision,
    });
  }

  withdraw(id: string): Promise<AccessRequest> {
    return this.call(`/requests/${encodeURIComponent(id)}/withdraw`, {
      method: 'POST',
      body: {},
    });
  }

  resubmit(id: string, body: ResubmitInput): Promise<AccessRequest> {
    return this.call(`/requests/${encodeURIComponent(id)}/resubmit`, {
      method: 'POST',
      body,
    });
  }

  async getHistory(subjectId: string): Promise<AuditEvent[]> {
    const page = await this.call<{ items: AuditEvent[] }>(
      `/audit?${this.query({ subjectId })}`,
    );
    return page.items;
  }

  getCredentialTerms(): Promise<{ version: string; text: string }> {
    return this.call('/credentials/terms');
  }

  issueCredential(
    grantId: string,
    acceptTerms: string,
  ): Promise<IssuedCredential> {
    return this.call(`/grants/${encodeURIComponent(grantId)}/credentials`, {
      method: 'POST',
      body: { acceptTerms },
    });
  }

  issueCertificate(
    grantId: string,
    csr: string,
    acceptTerms: string,
  ): Promise<IssuedCertificate> {
    return this.call(`/grants/${encodeURIComponent(grantId)}/certificates`, {
      method: 'POST',
      body: { csr, acceptTerms },
    });
  }

  async listGrants(query: {
    consumerRef?: string;
    apiRef?: string;
    ownerRef?: string;
  }): Promise<Grant[]> {
    // GET /grants is paged (at most 200 a page): follow the cursor, up to
    // MAX_GRANT_PAGES pages, so the cards show every grant the caller may see.
    const items: Grant[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_GRANT_PAGES; page += 1) {
      const result = await this.call<{ items: Grant[]; nextCursor?: string }>(
        `/grants?${this.query({ ...query, limit: '200', cursor })}`,
      );
      items.push(...result.items);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  async revokeGrant(grantId: string, reason: string): Promise<Grant> {
    return this.call(`/grants/${encodeURIComponent(grantId)}/revoke`, {
      method: 'POST',
      body: { reason },
    });
  }

  async renewGrant(
    grantId: string,
    body: { durationDays: number; justification?: string },
  ): Promise<AccessRequest> {
    return this.call(`/grants/${encodeURIComponent(grantId)}/renew`, {
      method: 'POST',
      body,
    });
  }

  async retryProvisioning(grantId: string): Promise<Grant> {
    return this.call(
      `/grants/${encodeURIComponent(grantId)}/provisioning/retry`,
      { method: 'POST', body: {} },
    );
  }

  async listAccessReviews(query: {
    ownerRef?: string;
    status?: 'open' | 'all';
  }): Promise<AccessReview[]> {
    const page = await this.call<{ items: AccessReview[] }>(
      `/access-reviews?${this.query(query)}`,
    );
    return page.items;
  }

  answerAccessReview(
    reviewId: string,
    grantId: string,
    answer: AccessReviewItemDecisionInput,
  ): Promise<AccessReview> {
    return this.call(
      `/access-reviews/${encodeURIComponent(
        reviewId,
      )}/items/${encodeURIComponent(grantId)}`,
      { method: 'POST', body: answer },
    );
  }

  delegateStep(
    requestId: string,
    stepId: string,
    body: DelegateStepInput,
  ): Promise<AccessRequest> {
    return this.call(
      `/requests/${encodeURIComponent(requestId)}/steps/${encodeURIComponent(
        stepId,
      )}/delegate`,
      { method: 'POST', body },
    );
  }

  getTimeToDecision(query: {
    from?: string;
    to?: string;
    apiRef?: string;
  }): Promise<TimeToDecisionReport> {
    return this.call(`/metrics/time-to-decision?${this.query(query)}`);
  }

  private query(values: Record<string, string | undefined>) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined) params.set(key, value);
    }
    return params.toString();
  }

  private async call<T>(
    path: string,
    init?: { method: string; body: unknown },
  ): Promise<T> {
    const baseUrl = await this.options.discoveryApi.getBaseUrl('api-access');
    const response = await this.options.fetchApi.fetch(`${baseUrl}${path}`, {
      method: init?.method ?? 'GET',
      headers: init ? { 'Content-Type': 'application/json' } : undefined,
      body: init ? JSON.stringify(init.body) : undefined,
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
