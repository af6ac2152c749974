/*
 * The request assistant's vocabulary: findings about a draft request and the
 * risk score reviewers and routing rules see. Built-in assessors are pure
 * functions over a draft, the API's profile and a context the backend fills
 * in; modules add more findings through the -node extension point.
 */
import { ReviewPolicy } from '../policy';
import { ApiAccessProfile, ConsumerKind } from '../types';
import type { Finding } from './findings';

export * from './findings';

/**
 * A request as the assistant sees it: any field may still be missing while
 * the requester types. Text fields are assessed, never stored by the assistant.
 */
export interface AssessmentDraft {
  apiRef: string;
  consumerRef?: string;
  environment?: string;
  scopes: string[];
  durationDays?: number;
  /** The plan asked for, when the API offers plans. */
  plan?: string;
  useCase?: string;
  justification?: string;
  credentialStorage?: string;
  /** The requester's note when resubmitting. */
  comment?: string;
}

/** The API, as far as the assistant needs it. */
export type AssessmentProfile = Pick<
  ApiAccessProfile,
  | 'apiRef'
  | 'title'
  | 'description'
  | 'ownerRef'
  | 'classification'
  | 'scopes'
  | 'environments'
  | 'lifecycle'
  | 'regulated'
> &
  Partial<Pick<ApiAccessProfile, 'plans'>>;

/** The consumer as the catalog knows it, from the requester's point of view. */
export interface AssessmentConsumer {
  ref: string;
  /** False when the catalog has no such entity. */
  found: boolean;
  /** Internal (a Component) or external (a partner or vendor Group); unset when not found or not a valid consumer. */
  kind?: ConsumerKind;
  /** True when one of the requester's groups owns the Component, or the requester is a member of the external Group. */
  owned: boolean;
  /** Who owns the Component, or why the Group is not a valid consumer, for the message. */
  detail?: string;
}

/** A grant or open request that may duplicate the draft. */
export interface ExistingAccess {
  id: string;
  apiRef: string;
  consumerRef: string;
  environment: string;
  /** Grant status, or request status (`in_review`, `changes_requested`). */
  status: string;
  requesterRef: string;
  scopes: string[];
  createdAt: string;
  /** Grants only. */
  expiresAt?: string;
}

export interface AssessmentContext {
  policy: ReviewPolicy;
  /** The requester's user ref. */
  requesterRef?: string;
  /** The requester's user ref and the groups they belong to. */
  ownershipRefs: string[];
  /** Resolved when the draft names a consumer. */
  consumer?: AssessmentConsumer;
  /** Active grants for the same API, consumer and environment. */
  activeGrants?: ExistingAccess[];
  /** Open (in review or changes requested) requests for the same API, consumer and environment. */
  openRequests?: ExistingAccess[];
  /** The request being resubmitted, which is not its own duplicate. */
  requestId?: string;
}

/** A built-in assessor: deterministic, no network, always on. */
export interface BuiltInAssessor {
  id: string;
  assess(
    draft: AssessmentDraft,
    profile: AssessmentProfile,
    context: AssessmentContext,
  ): Finding[];
}
