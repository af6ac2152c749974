/*
 * Shapes returned by the api-access HTTP API. Inputs are declared as zod
 * schemas in schemas.ts; outputs are plain interfaces here.
 */
import { ResolvedClassification } from './classification';

export type AccessRequestStatus =
  | 'in_review'
  | 'changes_requested'
  | 'approved'
  | 'rejected'
  | 'withdrawn';

export type ReviewStepStatus = 'waiting' | 'pending' | 'approved' | 'rejected';

export type GrantStatus =
  | 'active'
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
}

export interface ReviewStepPlan {
  /** Group or User whose members decide this step. */
  reviewerRef: string;
  /** Approvals from distinct members needed to complete the step. */
  quorum: number;
  /** Why the step is in the plan (e.g. the routing rule). */
  reason: string;
}

export interface ReviewStagePlan {
  name: string;
  steps: ReviewStepPlan[];
}

export interface ReviewPlan {
  stages: ReviewStagePlan[];
  autoApproved: boolean;
}

export interface ReviewDecision {
  id: string;
  stepId: string;
  deciderRef: string;
  decision: 'approve' | 'reject' | 'request_changes';
  comment?: string;
  createdAt: string;
}

export interface ReviewStep {
  id: string;
  stageIndex: number;
  stageName: string;
  reviewerRef: string;
  quorum: number;
  status: ReviewStepStatus;
  reason: string;
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
  classification: ResolvedClassification;
  status: AccessRequestStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Present on single-request reads. */
  steps?: ReviewStep[];
  decisions?: ReviewDecision[];
  grantId?: string;
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
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
