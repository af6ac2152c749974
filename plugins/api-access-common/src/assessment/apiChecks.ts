/*
 * The API and the consumer: a deprecated or experimental API, an API nobody
 * owns (so nobody can review the request), a consumer the requester may not
 * request for.
 */
import { computeReviewPlan } from '../reviewPlan';
import { isProductionLike } from './text';
import { computeRiskScore } from './risk';
import {
  AssessmentContext,
  AssessmentDraft,
  AssessmentProfile,
  BuiltInAssessor,
  Finding,
} from './types';

const ASSESSOR = 'api';

/** True when policy would approve the draft without review (so no owner is needed). */
function autoApproved(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
  context: AssessmentContext,
): boolean {
  if (!draft.environment) return false;
  const consumerKind = context.consumer?.kind ?? 'internal';
  try {
    const riskScore = computeRiskScore(
      { ...draft, consumerKind },
      profile,
      context.policy,
    ).score;
    const plan = draft.plan
      ? profile.plans?.find(p => p.name === draft.plan)
      : undefined;
    return computeReviewPlan(
      {
        environment: draft.environment,
        scopes: draft.scopes,
        consumerKind,
        riskScore,
        ...(plan ? { plan: { name: plan.name, approval: plan.approval } } : {}),
      },
      profile,
      context.policy,
    ).autoApproved;
  } catch {
    return false;
  }
}

export function assessApi(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
  context: AssessmentContext,
): Finding[] {
  const findings: Finding[] = [];
  const add = (
    id: string,
    severity: Finding['severity'],
    field: Finding['field'],
    message: string,
  ) =>
    findings.push({
      id: `${ASSESSOR}.${id}`,
      severity,
      field,
      message,
      assessor: ASSESSOR,
    });

  const lifecycle = profile.lifecycle?.toLocaleLowerCase('en-US');
  if (lifecycle === 'deprecated') {
    add(
      'deprecated',
      'warning',
      'apiRef',
      `${
        profile.title
      } is deprecated: it may go away while you depend on it. Ask its owner${
        profile.ownerRef ? ` (${profile.ownerRef})` : ''
      } for its replacement, or say in the use case why you still need this one.`,
    );
  } else if (lifecycle === 'experimental') {
    const production = isProductionLike(draft.environment);
    add(
      'experimental',
      production ? 'warning' : 'info',
      'apiRef',
      production
        ? `${profile.title} is experimental: it can change or break without notice, which is a risk for ${draft.environment}. Agree on stability with its owner first.`
        : `${profile.title} is experimental: expect changes without notice.`,
    );
  }

  if (!profile.ownerRef) {
    const auto = autoApproved(draft, profile, context);
    add(
      'no-owner',
      auto ? 'info' : 'blocker',
      'apiRef',
      auto
        ? `${profile.title} has no owner in the catalog. Policy approves this request without review, but nobody is on hand to support the API.`
        : `${profile.title} has no owner in the catalog, so nobody can review access to it. Ask the catalog maintainers to set its owner.`,
    );
  }

  const consumer = context.consumer;
  if (consumer && !consumer.found) {
    add(
      'consumer-not-found',
      'blocker',
      'consumerRef',
      `${consumer.ref} is not in the catalog. Choose a component your team owns, or register it first.`,
    );
  } else if (consumer && !consumer.owned) {
    add(
      'consumer-not-owned',
      'blocker',
      'consumerRef',
      `You cannot request access for ${consumer.ref}: ${
        consumer.detail ?? 'none of your groups owns it'
      }. Choose a component one of your groups owns, or ask its owners to request access.`,
    );
  }
  return findings;
}

export const apiAssessor: BuiltInAssessor = {
  id: ASSESSOR,
  assess: assessApi,
};
