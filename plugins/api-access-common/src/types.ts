/*
 * Shapes returned by the api-access HTTP API. Inputs are declared as zod
 * schemas in schemas.ts; outputs are plain interfaces here.
 */
import type { Conflict } from './conflictOfInterest';
import type { RequestAssessment } from './assessment/findings';
import { ResolvedClassification } from './classification';
import type { ApiAccessPlan, GrantPlan, QuotaPeriod } from './plans';

export type AccessRequestStatus =
  | 'in_review'
  | 'changes_requested'
  | 'approved'
  | 'rejected'
  | 'withdrawn';

export type ReviewStepStatus = 'waiting' | 'pending' | 'approved' | 'rejected';

export type GrantStatus =
  | 'active'
  | 'suspended'
  | 'expired'
  | 'revoked'
  | 'revocation_failed';

export type ConsumerKind = 'internal' | 'external';

/** What the catalog says about an API, for access purposes. */
export interface ApiAccessProfile {
  apiRef: string;
  title: string;
  description?: string;
  /** From the API's ownedBy relation. */
  ownerRef?: string;
  classification: ResolvedClassification;
  scopes: string[];
  /** Where the scopes came from: the annotation, the OpenAPI definition, or none. */
  scopesSource: 'annotation' | 'definition' | 'none';
  environments: string[];
  lifecycle?: string;
  type?: string;
  /** The regulated-data label is set on the API, its System or its Domain. */
  regulated: boolean;
  /** The plans the API offers, smallest first; empty when it offers none (requests then name raw scopes). */
  plans: ApiAccessPlan[];
  /** Problems with the API's plans declaration (the plans with problems are left out). */
  planErrors?: string[];
}

export interface ReviewStepPlan {
  /** `owner`, or the policy's name for the step (e.g. `security`). */
  name: string;
  /** Group or User whose members decide this step. */
  reviewerRef: string;
  /** Approvals from distinct members needed to complete the step. */
  quorum: number;
  /** Why the step is in the plan, for people. */
  reason: string;
  /** The routing rules that added the step (none for the owner step). */
  rules: string[];
}

export interface ReviewStagePlan {
  name: string;
  steps: ReviewStepPlan[];
}

export interface ReviewPlan {
  stages: ReviewStagePlan[];
  autoApproved: boolean;
  /** The auto-approve rule that matched, when autoApproved. */
  autoApproveRule?: string;
  /** On a renewal: which rule planned it, and why. */
  renewal?: RenewalPlanning;
}

/**
 * How a renewal was planned. A renewal is planned by the same policy as a new
 * request with the same terms; it skips review only where such a request
 * would be auto-approved, or where policy allows renewing unchanged terms
 * whose last review is recent.
 */
export interface RenewalPlanning {
  /** The grant a renewal extends. */
  grantId: string;
  /**
   * `policy-plan`: reviewed as a new request with these terms would be;
   * `policy-auto-approve`: a new request with these terms is auto-approved;
   * `unchanged-recently-reviewed`: apiAccess.lifecycle.renewal allows
   * renewing unchanged terms whose last review is recent.
   */
  rule: 'policy-plan' | 'policy-auto-approve' | 'unchanged-recently-reviewed';
  /** The decision in words, for the history and the request page. */
  reason: string;
  /** What goes beyond the terms last reviewed (e.g. a longer duration, a higher classification). */
  beyondLastReview: string[];
  /** When people last reviewed the grant's terms (its request or a reviewed renewal). */
  lastReviewedAt?: string;
}

export interface ReviewDecision {
  id: string;
  stepId: string;
  /** Resubmitting after changes were requested starts a new round. */
  round: number;
  deciderRef: string;
  decision: 'approve' | 'reject' | 'request_changes';
  comment?: string;
  /** Terms the reviewer narrowed the request to, if any. */
  narrowedScopes?: string[];
  narrowedDurationDays?: number;
  /** The lower plan the approver approved instead of the one asked for. */
  narrowedPlan?: string;
  createdAt: string;
}

export interface ReviewStep {
  id: string;
  round: number;
  stageIndex: number;
  stageName: string;
  /** `owner`, or the policy's name for the step. */
  name: string;
  reviewerRef: string;
  quorum: number;
  status: ReviewStepStatus;
  reason: string;
  rules: string[];
  /** When the step opened (became pending) in its round; deadlines count from here. */
  pendingSince?: string;
  /** A member of the reviewer group the step was delegated to (the group may still decide it). */
  delegateRef?: string;
  /** The group the step was escalated to after its deadline; its members may decide it too. */
  escalatedTo?: string;
}

export interface AccessRequest {
  id: string;
  apiRef: string;
  consumerRef: string;
  consumerKind: ConsumerKind;
  requesterRef: string;
  ownerRef: string;
  environment: string;
  scopes: string[];
  credentialType: string;
  useCase: string;
  justification: string;
  credentialStorage: string;
  durationDays: number;
  /** The terms a grant will carry: the requested ones, narrowed by reviewers. */
  approvedScopes: string[];
  approvedDurationDays: number;
  /** The plan asked for (`plan` in POST /requests), when the API offers plans. */
  requestedPlan?: string;
  /** The plan a grant will carry: the asked one, or a lower one an approver chose. */
  approvedPlan?: string;
  classification: ResolvedClassification;
  /** Set when policy approved the request without review. */
  autoApproveRule?: string;
  reviewRound: number;
  status: AccessRequestStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Present on single-request reads. */
  steps?: ReviewStep[];
  decisions?: ReviewDecision[];
  grantId?: string;
  /** Set on a renewal: the grant an approval extends (then `grantId` is that grant). */
  renewalOfGrantId?: string;
  /** Present on single-request reads: the request assistant's findings and risk score for the current round. */
  assessment?: RequestAssessment;
  /** On a renewal: which rule planned its review, and why. */
  renewal?: RenewalPlanning;
  /**
   * Present on single-request reads when the caller is among the open step's
   * reviewers and yet may not decide it: why the decision buttons are missing.
   */
  viewerConflict?: Conflict;
}

export interface Grant {
  id: string;
  requestId: string;
  apiRef: string;
  consumerRef: string;
  requesterRef: string;
  environment: string;
  scopes: string[];
  credentialType: string;
  status: GrantStatus;
  createdAt: string;
  expiresAt: string;
  /** The grant's plan and its limits as granted (a snapshot: editing the catalog changes them only through a plan change). */
  plan?: GrantPlan;
  /** Set while the grant is suspended: its credential is refused, the grant and history are kept. */
  suspension?: { at: string; by: string; reason: string };
  /** Last successful introspection of one of its credentials (batched, up to a minute late). */
  lastUsedAt?: string;
  /** The grant's current credential, by its public prefix; never the secret. */
  credential?: { id: string; prefix: string; createdAt: string };
  revokedAt?: string;
  revokedBy?: string;
  revocationReason?: string;
  /** What the provisioners did with the grant; absent when none applies. */
  provisioning?: GrantProvisioning;
  /** Set while the requester, consumer or API is gone from the catalog, or the API changed owner. */
  orphanReason?: string;
  renewedAt?: string;
  /** How many times the grant was renewed. */
  renewals?: number;
  /** Conditions worth a look, computed when read. */
  flags?: GrantFlag[];
  /** An open renewal request for this grant, if any. */
  renewalRequestId?: string;
}

/**
 * expiring: inside the first reminder window; stale: unused for the
 * configured days; orphaned: see orphanReason.
 */
export type GrantFlag = 'expiring' | 'stale' | 'orphaned';

/**
 * pending: tasks not yet run; retrying: an attempt failed and another is
 * scheduled; failed: attempts used up (the grant shows the error); done.
 */
export type ProvisioningState = 'pending' | 'retrying' | 'failed' | 'done';

export interface ProvisioningTaskStatus {
  id: string;
  provisionerId: string;
  action: 'provision' | 'rotate' | 'revoke' | 'retire';
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  lastError?: string;
  nextAttemptAt?: string;
  reference?: string;
  completedAt?: string;
}

export interface GrantProvisioning {
  state: ProvisioningState;
  tasks: ProvisioningTaskStatus[];
}

/** Returned once, when a credential is issued or rotated. */
export interface IssuedCredential {
  id: string;
  grantId: string;
  prefix: string;
  /** The only time the secret exists outside the requester's own storage. */
  secret: string;
  termsVersion: string;
  createdAt: string;
  /** When the key this one replaced stops working, on rotation. */
  previousValidUntil?: string;
}

/** RFC 7662 style answer for gateways. */
export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  aud?: string;
  exp?: number;
  environment?: string;
  grant_id?: string;
  rate_limit?: { requests: number; per_seconds: number };
  /** The grant's plan, when it has one. */
  plan?: string;
  quota?: { requests: number; period: QuotaPeriod };
  /** A bearer token's: the identity provider's client id behind it. */
  oauth_client_id?: string;
}

/** GET /grants/:id/usage: calls per UTC day and the quota's state. */
export interface GrantUsage {
  days: Array<{ date: string; calls: number; refused: number }>;
  quota?: {
    used: number;
    limit: number;
    period: QuotaPeriod;
    resetsAt: string;
  };
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** One entry of the hash-chained history. */
export interface AuditEvent {
  id: string;
  seq: number;
  /**
   * `review`: a periodic access review campaign (its start, escalation and
   * close); `revocation_batch`: an incident revocation's batch.
   */
  subjectType: 'request' | 'grant' | 'review' | 'revocation_batch';
  subjectId: string;
  requestId?: string;
  /** e.g. request.submitted, step.approved, request.approved, grant.created */
  action: string;
  actorRef: string;
  occurredAt: string;
  fromStatus?: string;
  toStatus?: string;
  details: Record<string, unknown>;
  hash: string;
}

/**
 * Returned when a client certificate (credential type `mtls-certificate`) is
 * issued or rotated. Nothing in it is secret: the private key stayed with
 * the requester, who sent only a CSR.
 */
export interface IssuedCertificate {
  id: string;
  grantId: string;
  /** Hex serial number, as listed on the CRL. */
  serial: string;
  /** SHA-256 of the certificate's DER, hex. */
  fingerprint: string;
  /** The certificate, PEM. Subject CN is the consumer's entity ref. */
  certificate: string;
  /** The issuing CA's certificate, PEM. */
  caCertificate: string;
  notBefore: string;
  /** At most the grant's expiry. */
  notAfter: string;
  termsVersion: string;
  createdAt: string;
  /** When the certificate this one replaced is put on the CRL, on rotation. */
  previousValidUntil?: string;
}

export type AccessReviewDecision = 'keep' | 'revoke';

/** One grant in a periodic access review, with the owners' answer once given. */
export interface AccessReviewItem {
  grantId: string;
  /** Absent until someone answers (or the unanswered outcome revokes it). */
  decision?: AccessReviewDecision;
  comment?: string;
  /** The member who decided, or `api-access` for the unanswered outcome. */
  decidedBy?: string;
  decidedAt?: string;
  /** The grant as it is now: consumer, API, environment, scopes, last use, expiry, status. */
  grant: Grant;
}

/**
 * A periodic access review campaign: one owner's grants to keep or revoke
 * by the due date. It closes when every item is answered or its grant ended.
 */
export interface AccessReview {
  id: string;
  /** The group (or user) owning the APIs, from the grants' requests. */
  ownerRef: string;
  /** The period's first day (YYYY-MM-DD), or `manual:<time>` for one started by hand. */
  period: string;
  trigger: 'scheduled' | 'manual';
  /** Who started it: `api-access` for the schedule, else the person. */
  startedBy: string;
  createdAt: string;
  dueAt: string;
  status: 'open' | 'closed';
  closedAt?: string;
  /** Set when unanswered items were escalated at the due date. */
  escalatedTo?: string;
  escalatedAt?: string;
  items: AccessReviewItem[];
}

/** p50 and p90 time to decision of one group of decided steps, in hours. */
export interface DecisionTimeStats {
  /** Decided steps counted. */
  count: number;
  p50Hours: number;
  p90Hours: number;
}

/** Answer of GET /metrics/time-to-decision. */
export interface TimeToDecisionReport {
  /** The period: steps decided at or after `from` and before `to`. */
  from: string;
  to: string;
  apiRef?: string;
  /** Every decided step of the period. */
  overall: DecisionTimeStats;
  /** Per API, all stages together, by apiRef. */
  byApi: Array<DecisionTimeStats & { apiRef: string }>;
  /** Per API and stage name. */
  byApiAndStage: Array<DecisionTimeStats & { apiRef: string; stage: string }>;
  /** Per stage name, all APIs together. */
  byStage: Array<DecisionTimeStats & { stage: string }>;
  /** True when the period held more decided steps than are read (the oldest were left out). */
  truncated: boolean;
}

/** One request's outcome in a bulk decision (POST /requests/decisions). */
export interface BulkDecisionResult {
  id: string;
  /** What a single decision would have answered: 201 decided, or 400/403/404/409 (500 unexpected). */
  status: number;
  /** The request's status after the decision, when decided. */
  requestStatus?: AccessRequestStatus;
  /** The grant the decision created, when it approved the last step. */
  grantId?: string;
  /** Why this request was not decided. */
  error?: { name: string; message: string };
}

/** The answer of a bulk decision: one result per id, in the order asked. */
export interface BulkDecisionResults {
  /** Carried by every history event of the batch's decisions. */
  batchId: string;
  results: BulkDecisionResult[];
}
