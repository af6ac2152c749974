/*
 * Plans in words, the same on every view: a rate limit as "N requests per S
 * s", a quota as "N per day/month" or "no quota", the approval mode as what
 * happens to the request.
 */
import { useTranslationRef } from '@backstage/core-plugin-api/alpha';
import type {
  ApiAccessPlan,
  GrantPlan,
  PlanApproval,
  PlanQuota,
  PlanRateLimit,
} from '@api-access/backstage-plugin-api-access-common';
import { apiAccessTranslationRef } from '../../translation';

const number = (n: number) => n.toLocaleString('en-US');

export interface PlanText {
  rateLimit(limit: PlanRateLimit): string;
  quota(quota: PlanQuota | undefined): string;
  approval(mode: PlanApproval): string;
  /** "2 requests per 1 s, 40 per day". */
  limits(plan: GrantPlan | ApiAccessPlan): string;
  maxDuration(days: number): string;
}

export function usePlanText(): PlanText {
  const { t } = useTranslationRef(apiAccessTranslationRef);
  const rateLimit = (limit: PlanRateLimit): string =>
    t('plans.rateLimit', {
      requests: number(limit.requests),
      seconds: String(limit.perSeconds),
    });
  const quota = (q: PlanQuota | undefined): string => {
    if (!q) return t('plans.noQuota');
    return q.period === 'day'
      ? t('plans.quotaDay', { requests: number(q.requests) })
      : t('plans.quotaMonth', { requests: number(q.requests) });
  };
  const approval = (mode: PlanApproval): string => {
    if (mode === 'automatic') return t('plans.approvalAutomatic');
    if (mode === 'owner') return t('plans.approvalOwner');
    return t('plans.approvalPolicy');
  };
  const limits = (plan: GrantPlan | ApiAccessPlan): string =>
    `${rateLimit(plan.rateLimit)}, ${quota(plan.quota)}`;
  const maxDuration = (days: number): string =>
    t('plans.maxDuration', { days: String(days) });
  return { rateLimit, quota, approval, limits, maxDuration };
}
