/*
 * The review plan a request gets: ordered stages, each a set of parallel
 * steps. Pure, so the request form previews exactly what the backend stores.
 */
import {
  PolicyFacts,
  ReviewPolicy,
  matchesCondition,
  parseReviewPolicy,
} from './policy';
import type { PlanApproval } from './plans';
import {
  ApiAccessProfile,
  ConsumerKind,
  ReviewPlan,
  ReviewStagePlan,
} from './types';

export interface ReviewPlanRequest {
  environment: string;
  scopes: string[];
  consumerKind: ConsumerKind;
  /** From computeRiskScore; routing rules with minRiskScore need it. */
  riskScore?: number;
  /**
   * The plan asked for, when the API offers plans: its approval mode says
   * whether the owner reviews (`automatic`: no, `owner`: always, `policy`:
   * as the review policy says).
   */
  plan?: { name: string; approval: PlanApproval };
}

/** The auto-approve rule of a request on a plan whose approval is `automatic` and that no policy stage needs. */
export function planAutoApproveRule(planName: string): string {
  return `plan:${planName}`;
}

export type ReviewPlanProfile = Pick<
  ApiAccessProfile,
  'ownerRef' | 'lifecycle'
> & {
  classification: { level: string };
  regulated?: boolean;
};

const DEFAULT_POLICY = parseReviewPolicy({});

/**
 * The owner stage always comes first (the API's owning Group or User). Each
 * routing rule that matches adds its steps; steps with the same order share a
 * stage and run in parallel. A matching auto-approve rule wins over all of it.
 *
 * A plan's approval mode adjusts this: `automatic` leaves out the owner stage
 * (the policy's routed stages still apply, and with none the request is
 * approved by the plan, rule `plan:<name>`); `owner` keeps the owner stage
 * even when an auto-approve rule matches; `policy` changes nothing.
 */
export function computeReviewPlan(
  request: ReviewPlanRequest,
  profile: ReviewPlanProfile,
  policy: ReviewPolicy = DEFAULT_POLICY,
): ReviewPlan {
  const facts: PolicyFacts = {
    environment: request.environment,
    scopes: request.scopes,
    consumerKind: request.consumerKind,
    classification: profile.classification.level,
    lifecycle: profile.lifecycle,
    regulated: profile.regulated ?? false,
    riskScore: request.riskScore,
  };
  const levels = policy.classification.levels;
  const approval = request.plan?.approval ?? 'policy';
  const planName = request.plan?.name;

  const autoRule = policy.autoApprove.find(rule =>
    matchesCondition(rule.when, facts, levels),
  );
  if (autoRule && approval !== 'owner') {
    return { autoApproved: true, autoApproveRule: autoRule.name, stages: [] };
  }

  // Step name -> the rules that asked for it, in rule order.
  const added = new Map<string, string[]>();
  for (const rule of policy.routing) {
    if (matchesCondition(rule.when, facts, levels)) {
      for (const step of rule.addSteps) {
        added.set(step, [...(added.get(step) ?? []), rule.name]);
      }
    }
  }

  if (approval === 'automatic' && added.size === 0) {
    return {
      autoApproved: true,
      autoApproveRule: planAutoApproveRule(planName!),
      stages: [],
    };
  }
  if (!profile.ownerRef) {
    throw new Error(
      'The API has no owner in the catalog, so nobody can review access to it',
    );
  }
  const ownerReason =
    approval === 'owner'
      ? `The plan '${planName}' has the API owner review every request${
          autoRule
            ? `, though policy would approve this one (${autoRule.name})`
            : ''
        }`
      : 'The API owner reviews every request';
  const stages: ReviewStagePlan[] =
    approval === 'automatic'
      ? []
      : [
          {
            name: 'owner',
            steps: [
              {
                name: 'owner',
                reviewerRef: profile.ownerRef,
                quorum: policy.ownerQuorum,
                reason: ownerReason,
                rules: [],
              },
            ],
          },
        ];
  const routedSuffix =
    approval === 'automatic'
      ? `; the plan '${planName}' needs no review by the API owner`
      : '';
  const orders = Array.from(
    new Set(
      Array.from(added.keys()).map(step => policy.reviewSteps[step].order),
    ),
  ).sort((a, b) => a - b);
  for (const order of orders) {
    const steps = Array.from(added.entries())
      .filter(([step]) => policy.reviewSteps[step].order === order)
      .map(([step, rules]) => ({
        name: step,
        reviewerRef: policy.reviewSteps[step].reviewer,
        quorum: policy.reviewSteps[step].quorum,
        reason: `Required by ${rules.join(', ')}${routedSuffix}`,
        rules,
      }));
    stages.push({ name: steps.map(step => step.name).join(' + '), steps });
  }
  return { autoApproved: false, stages };
}
