/*
 * The review plan a request gets: ordered stages, each a set of parallel steps.
 * Pure, so the request form can preview it before the request is submitted.
 */
import { ApiAccessProfile, ReviewPlan } from './types';

export interface ReviewPlanDraft {
  apiRef: string;
  consumerRef: string;
  environment: string;
  scopes: string[];
}

/**
 * The owner stage: the API's owning Group (or User) decides, one approval.
 * Further stages (security, compliance, legal) are added by routing policy.
 */
export function computeReviewPlan(
  _draft: ReviewPlanDraft,
  profile: Pick<ApiAccessProfile, 'ownerRef'>,
): ReviewPlan {
  if (!profile.ownerRef) {
    throw new Error(
      'The API has no owner in the catalog, so nobody can review access to it',
    );
  }
  return {
    autoApproved: false,
    stages: [
      {
        name: 'owner',
        steps: [
          {
            reviewerRef: profile.ownerRef,
            quorum: 1,
            reason: 'The API owner reviews every request',
          },
        ],
      },
    ],
  };
}
