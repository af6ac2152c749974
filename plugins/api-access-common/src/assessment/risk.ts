/*
 * The risk score: how much could go wrong with a grant on these terms, 0 to
 * 100, with each factor's share. It depends only on the terms and the API's
 * profile, never on free text, so the plan preview, the stored request and
 * routing rules (`minRiskScore`) all see the same number.
 */
import { ReviewPolicy } from '../policy';
import { ConsumerKind } from '../types';
import type { ApiAccessPlan } from '../plans';
import {
  isAdminScope,
  isProductionLike,
  isReadScope,
  isWriteScope,
} from './text';
import { RiskReason, RiskScore } from './types';

/** Points for the most sensitive classification level; the others are spread evenly below. */
export const RISK_POINTS = {
  classificationMax: 30,
  regulated: 10,
  production: 25,
  staging: 10,
  development: 5,
  otherEnvironment: 10,
  adminScope: 15,
  writeScope: 10,
  allScopes: 5,
  scopesMax: 15,
  external: 15,
  durationOver180: 10,
  durationOver90: 5,
  /** A plan with no quota: nothing caps how much the credential can take. */
  planNoQuota: 5,
  /** A plan whose rate limit is high (at least PLAN_HIGH_RATE requests a second). */
  planHighRate: 5,
  /** A small plan (read only, a quota, a low rate limit) takes points off. */
  planSmall: -5,
} as const;

/** Requests a second from which a plan's rate limit counts as high. */
export const PLAN_HIGH_RATE = 50;
/** Requests a second up to which a read-only plan with a quota counts as small. */
export const PLAN_SMALL_RATE = 5;

export interface RiskTerms {
  environment?: string;
  scopes: string[];
  consumerKind?: ConsumerKind;
  durationDays?: number;
  /** The plan asked for (a name among the profile's plans): its limits bound what can go wrong. */
  plan?: string;
}

export interface RiskProfile {
  classification: { level: string };
  regulated?: boolean;
  /** Scopes the API offers, to notice "all of them". */
  scopes?: string[];
  /** The plans the API offers, to read the limits of the plan asked for. */
  plans?: readonly ApiAccessPlan[];
}

function environmentPoints(environment: string | undefined): RiskReason {
  if (!environment) {
    return {
      factor: 'environment',
      points: 0,
      detail: 'no environment chosen yet',
    };
  }
  if (isProductionLike(environment)) {
    return {
      factor: 'environment',
      points: RISK_POINTS.production,
      detail: `${environment}: live data and users`,
    };
  }
  if (/stag|pre-?prod|uat/i.test(environment)) {
    return {
      factor: 'environment',
      points: RISK_POINTS.staging,
      detail: `${environment}: close to production`,
    };
  }
  if (/^dev|development|test|qa|^int/i.test(environment)) {
    return {
      factor: 'environment',
      points: RISK_POINTS.development,
      detail: `${environment}: shared development`,
    };
  }
  if (/sandbox|local|play/i.test(environment)) {
    return {
      factor: 'environment',
      points: 0,
      detail: `${environment}: isolated`,
    };
  }
  return {
    factor: 'environment',
    points: RISK_POINTS.otherEnvironment,
    detail: `${environment}: not a known environment kind`,
  };
}

export function computeRiskScore(
  terms: RiskTerms,
  profile: RiskProfile,
  policy: Pick<ReviewPolicy, 'classification'>,
): RiskScore {
  const reasons: RiskReason[] = [];

  const levels = policy.classification.levels;
  const index = levels.indexOf(profile.classification.level);
  const rank = index === -1 ? levels.length - 1 : index;
  const classificationPoints =
    levels.length > 1
      ? Math.round((RISK_POINTS.classificationMax * rank) / (levels.length - 1))
      : 0;
  reasons.push({
    factor: 'classification',
    points:
      classificationPoints + (profile.regulated ? RISK_POINTS.regulated : 0),
    detail: `${profile.classification.level} data${
      profile.regulated ? ', regulated' : ''
    }`,
  });

  reasons.push(environmentPoints(terms.environment));

  const admin = terms.scopes.filter(isAdminScope);
  const write = terms.scopes.filter(
    scope => isWriteScope(scope) && !isAdminScope(scope),
  );
  const offered = profile.scopes ?? [];
  const all =
    offered.length >= 2 && offered.every(scope => terms.scopes.includes(scope));
  let scopePoints = 0;
  const details: string[] = [];
  if (admin.length > 0) {
    scopePoints += RISK_POINTS.adminScope;
    details.push(`administrative: ${admin.join(', ')}`);
  } else if (write.length > 0) {
    scopePoints += RISK_POINTS.writeScope;
    details.push(`writes: ${write.join(', ')}`);
  }
  if (all) {
    scopePoints += RISK_POINTS.allScopes;
    details.push('every scope the API offers');
  }
  reasons.push({
    factor: 'scopes',
    points: Math.min(scopePoints, RISK_POINTS.scopesMax),
    detail: details.length > 0 ? details.join('; ') : 'read only',
  });

  reasons.push(
    terms.consumerKind === 'external'
      ? {
          factor: 'external',
          points: RISK_POINTS.external,
          detail: 'an external party (partner or vendor) gets the credential',
        }
      : { factor: 'external', points: 0, detail: 'an internal component' },
  );

  const days = terms.durationDays ?? 0;
  let durationPoints = 0;
  if (days > 180) durationPoints = RISK_POINTS.durationOver180;
  else if (days > 90) durationPoints = RISK_POINTS.durationOver90;
  reasons.push({
    factor: 'duration',
    points: durationPoints,
    detail: days > 0 ? `${days} days` : 'no duration chosen yet',
  });

  const plan = terms.plan
    ? profile.plans?.find(p => p.name === terms.plan)
    : undefined;
  if (plan) reasons.push(planPoints(plan));

  const score = Math.max(
    0,
    Math.min(
      100,
      reasons.reduce((sum, reason) => sum + reason.points, 0),
    ),
  );
  return { score, reasons };
}

/**
 * What the plan's limits add: modest, so that the terms (data, environment,
 * scopes) still decide the score. No quota or a high rate limit adds a
 * little; a small read-only plan with a quota takes a little off.
 */
function planPoints(plan: ApiAccessPlan): RiskReason {
  const perSecond = plan.rateLimit.requests / plan.rateLimit.perSeconds;
  const rate = `${plan.rateLimit.requests} requests per ${
    plan.rateLimit.perSeconds === 1
      ? 'second'
      : `${plan.rateLimit.perSeconds} s`
  }`;
  const readOnly =
    plan.scopes.length > 0 && plan.scopes.every(scope => isReadScope(scope));
  if (plan.quota && readOnly && perSecond <= PLAN_SMALL_RATE) {
    return {
      factor: 'plan',
      points: RISK_POINTS.planSmall,
      detail: `plan '${plan.name}': small (read only, ${rate}, ${plan.quota.requests} a ${plan.quota.period})`,
    };
  }
  let points = 0;
  const details: string[] = [];
  if (!plan.quota) {
    points += RISK_POINTS.planNoQuota;
    details.push('no quota');
  }
  if (perSecond >= PLAN_HIGH_RATE) {
    points += RISK_POINTS.planHighRate;
    details.push(`a high rate limit (${rate})`);
  }
  return {
    factor: 'plan',
    points,
    detail: `plan '${plan.name}': ${
      details.length > 0 ? details.join(', ') : `${rate}, with a quota`
    }`,
  };
}
