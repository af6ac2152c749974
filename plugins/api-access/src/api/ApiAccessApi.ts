import { createApiRef } from '@backstage/core-plugin-api';
import type {
  IncidentRevocationInput,
  IncidentRevocationResult,
  RevocationBatch,
} from '@api-access/backstage-plugin-api-access-common';
import {
  AccessRequest,
  AccessRequestStatus,
  CredentialTypeInfo,
  ApiAccessProfile,
  AssessmentDraft,
  AssessmentResult,
  AuditEvent,
  ResubmitInput,
  CreateAccessRequest,
  BulkDecisionInput,
  BulkDecisionResults,
  DecisionInput,
  Grant,
  GrantUsage,
  IssuedCertificate,
  IssuedCredential,
  Page,
  PlanDraft,
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

/**
 * Body of `POST /assessments`: a request as far as the form has it. Only
 * `apiRef` is required; empty strings count as missing. `requestId` names
 * the request being resubmitted, so it is not its own duplicate.
 */
export type DraftToAssess = AssessmentDraft & {
  credentialType?: string;
  requestId?: string;
};

/**
 * The answer of `POST /grants/:id/credentials` for an `oauth2-client` grant:
 * the client registered for the grant at the identity provider, with its
 * secret (shown once; api-access does not keep it).
 */
export interface IssuedOAuth2Client {
  /** The credential's id. */
  id: string;
  /** The grant it belongs to. */
  grantId: string;
  /** Always `oauth2-client`. */
  credentialType: 'oauth2-client';
  /** The usage terms version the holder accepted. */
  termsVersion: string;
  /** When it was issued (ISO 8601). */
  createdAt: string;
  /** When the client this one replaced stops working, on rotation. */
  previousValidUntil?: string;
  /** The client's id at the identity provider. */
  clientId: string;
  /** The client's secret: shown this once, never stored by api-access. */
  clientSecret: string;
  /** Where the client fetches tokens (client credentials grant). */
  tokenEndpoint: string;
  /** The scopes the client may ask for. */
  scopes: string[];
  /** The token's audience (the API), when the provider sets one. */
  audience?: string;
  /** The identity provider's issuer (the tokens' `iss`). */
  issuer: string;
}

/** An API key, or an OAuth2 client: what issuing a credential answers. */
export type IssuedGrantCredential =
  | (IssuedCredential & { credentialType?: 'api-key' })
  | IssuedOAuth2Client;

/** Whether an issued credential is an OAuth2 client (else it is an API key). */
export function isIssuedOAuth2Client(
  issued: IssuedGrantCredential,
): issued is IssuedOAuth2Client {
  return issued.credentialType === 'oauth2-client';
}

/** The api-access backend, as the frontend sees it. */
export interface ApiAccessApi {
  getProfile(apiRef: string): Promise<ApiAccessProfile>;
  previewPlan(draft: PlanDraft): Promise<ReviewPlan>;
  createRequest(request: CreateAccessRequest): Promise<AccessRequest>;
  /**
   * The request assistant's findings and risk score for a draft (only
   * `apiRef` required). Built-in assessors answer in milliseconds; `modules`
   * also runs module assessors such as the LLM one, which take seconds.
   */
  assess(
    draft: DraftToAssess,
    options?: { modules?: boolean },
  ): Promise<AssessmentResult>;
  listRequests(query: {
    view: 'mine' | 'reviewable';
    reviewerRef?: string;
    status?: AccessRequestStatus;
    cursor?: string;
  }): Promise<Page<AccessRequest>>;
  getRequest(id: string): Promise<AccessRequest>;
  decide(id: string, decision: DecisionInput): Promise<AccessRequest>;
  /**
   * One decision and comment on many requests (at most 200), each decided on
   * its own; the answer says per request whether it was decided and why not.
   */
  decideMany(input: BulkDecisionInput): Promise<BulkDecisionResults>;
  withdraw(id: string): Promise<AccessRequest>;
  resubmit(id: string, body: ResubmitInput): Promise<AccessRequest>;
  getHistory(subjectId: string): Promise<AuditEvent[]>;
  getCredentialTerms(): Promise<{ version: string; text: string }>;
  /**
   * The credential types the backend knows (the built-in ones and those
   * backend modules add), each with whether it can be requested now and, if
   * not, why.
   */
  getCredentialTypes(): Promise<CredentialTypeInfo[]>;
  /**
   * Issues (or rotates) the credential of a grant whose type needs no input
   * besides the accepted terms: an API key, or an OAuth2 client's secret.
   * The answer is shown once and never again.
   */
  issueCredential(
    grantId: string,
    acceptTerms: string,
  ): Promise<IssuedGrantCredential>;
  /**
   * Issues (or rotates) the client certificate of an `mtls-certificate`
   * grant from a PEM CSR; the private key never leaves the requester.
   */
  issueCertificate(
    grantId: string,
    csr: string,
    acceptTerms: string,
  ): Promise<IssuedCertificate>;
  listGrants(query: {
    consumerRef?: string;
    apiRef?: string;
    ownerRef?: string;
    requesterRef?: string;
  }): Promise<Grant[]>;
  /** Ends a grant: its credentials stop working and provisioners are told. */
  revokeGrant(grantId: string, reason: string): Promise<Grant>;
  /**
   * Incident revocation: every active grant of one API, consumer or
   * requester the caller may revoke; `dryRun` only lists them.
   */
  revokeGrantsInBulk(
    input: IncidentRevocationInput,
  ): Promise<IncidentRevocationResult>;
  /** An incident revocation batch and each grant's provisioning state. */
  getRevocationBatch(batchId: string): Promise<RevocationBatch>;
  /**
   * Moves a live grant to another of its API's plans, same credential (the
   * API's owners and admins). A downgrade takes effect at once; an upgrade
   * that policy wants reviewed beyond the owner is refused (409, naming the
   * stages).
   */
  changeGrantPlan(
    grantId: string,
    body: { plan: string; comment?: string },
  ): Promise<Grant>;
  /** Pauses a grant: its credential is refused at once, the grant and its history stay. */
  suspendGrant(grantId: string, reason: string): Promise<Grant>;
  /** Lifts a suspension: the same credential works again. */
  resumeGrant(grantId: string, comment?: string): Promise<Grant>;
  /** Calls and refusals per UTC day, oldest first, and the quota's state (default 30 days). */
  getGrantUsage(grantId: string, days?: number): Promise<GrantUsage>;
  /** Asks to extend a grant; the answer is the renewal request. */
  renewGrant(
    grantId: string,
    body: { durationDays: number; justification?: string },
  ): Promise<AccessRequest>;
  /** Gives a grant's failed provisioning tasks fresh attempts. */
  retryProvisioning(grantId: string): Promise<Grant>;
  /**
   * Periodic access reviews of an owner (or of all the caller's groups):
   * open campaigns, and with `status: 'all'` the last closed ones too.
   */
  listAccessReviews(query: {
    ownerRef?: string;
    status?: 'open' | 'all';
  }): Promise<AccessReview[]>;
  /** Keep (with a comment) or revoke (at once, the comment as the reason) one grant of a review. */
  answerAccessReview(
    reviewId: string,
    grantId: string,
    answer: AccessReviewItemDecisionInput,
  ): Promise<AccessReview>;
  /** Hands a pending step to another member of its reviewer group; answers the request. */
  delegateStep(
    requestId: string,
    stepId: string,
    body: DelegateStepInput,
  ): Promise<AccessRequest>;
  /**
   * p50 and p90 hours from a step's opening to its decision, per API and
   * stage, for steps decided in [from, to) (ISO dates; default the last 90 days).
   */
  getTimeToDecision(query: {
    from?: string;
    to?: string;
    apiRef?: string;
  }): Promise<TimeToDecisionReport>;
}

export const apiAccessApiRef = createApiRef<ApiAccessApi>({
  id: 'plugin.api-access.service',
});
