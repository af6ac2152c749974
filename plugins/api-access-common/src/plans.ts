/*
 * Plans: a few tiers per API, each a bundle of scopes, rate limit, quota,
 * maximum duration, environments and approval mode. The platform defines the
 * tiers in app-config (`apiAccess.plans`); an API's owner chooses which ones
 * the API offers, and may tailor them, in the API's catalog-info.yaml with
 * the annotation `api-access/plans`:
 *
 *   api-access/plans: bronze, gold            # offer two platform tiers as defined
 *
 *   api-access/plans: |                       # or tailor them (a YAML list)
 *     - bronze
 *     - name: gold
 *       rateLimit: { requests: 100, perSeconds: 1 }
 *       quota: { requests: 100000, period: month }
 *       scopes: [pets:read, pets:write]
 *
 * Pure: the backend resolves a profile's plans with it, the catalog module
 * reports a bad declaration as a processing error on the entity, and the
 * request form shows the same plans.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isReadScope } from './assessment/text';

/** Annotation on an API: the plans it offers (comma list of tier names, or a YAML list tailoring them). */
export const API_ACCESS_PLANS_ANNOTATION = 'api-access/plans';

/** `automatic`: no owner review (policy's risk stages still apply); `owner`: always the owner, even when an auto-approve rule matches; `policy`: as the review policy says. */
export type PlanApproval = 'automatic' | 'owner' | 'policy';

export interface PlanRateLimit {
  requests: number;
  perSeconds: number;
}

export type QuotaPeriod = 'day' | 'month';

export interface PlanQuota {
  requests: number;
  period: QuotaPeriod;
}

/** One plan an API offers, resolved against the API's scopes and environments. */
export interface ApiAccessPlan {
  name: string;
  title: string;
  description?: string;
  /** What a grant on this plan may hold. */
  scopes: string[];
  rateLimit: PlanRateLimit;
  quota?: PlanQuota;
  maxDurationDays: number;
  /** Environments the plan can be requested for. */
  environments: string[];
  approval: PlanApproval;
}

const planName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,31}$/,
    'must be 1-32 lowercase letters, digits and dashes',
  );

const rateLimitSchema = z
  .object({
    requests: z.number().int().min(1).max(1_000_000),
    perSeconds: z.number().int().min(1).max(86_400),
  })
  .strict();

const quotaSchema = z
  .object({
    requests: z.number().int().min(1).max(1_000_000_000_000),
    period: z.enum(['day', 'month']),
  })
  .strict();

/** `read`: every read scope of the API; `all`: every scope; or a list. */
const planScopes = z.union([
  z.literal('read'),
  z.literal('all'),
  z.array(z.string().min(1)).min(1),
]);

const tierFields = {
  title: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
  scopes: planScopes,
  rateLimit: rateLimitSchema,
  quota: quotaSchema.nullable().optional(),
  maxDurationDays: z.number().int().min(1).max(3650),
  environments: z.array(z.string().min(1)).min(1).optional(),
  approval: z.enum(['automatic', 'owner', 'policy']),
};

/** A tier in `apiAccess.plans`. */
export const planTierSchema = z
  .object({
    name: planName,
    ...tierFields,
    scopes: planScopes.default('all'),
    approval: tierFields.approval.default('policy'),
  })
  .strict();
export type PlanTier = z.output<typeof planTierSchema>;

/** What an owner may tailor in the annotation: every field but the name, all optional. */
const tailoredPlanSchema = z
  .object({
    name: planName,
    title: tierFields.title.optional(),
    description: tierFields.description,
    scopes: planScopes.optional(),
    rateLimit: rateLimitSchema.optional(),
    quota: quotaSchema.nullable().optional(),
    maxDurationDays: tierFields.maxDurationDays.optional(),
    environments: tierFields.environments,
    approval: tierFields.approval.optional(),
  })
  .strict();


function describeZod(error: z.ZodError): string {
  return error.issues
    .map(issue =>
      issue.path.length > 0
        ? `${issue.path.join('.')}: ${issue.message}`
        : issue.message,
    )
    .join('; ');
}

export interface ResolvedPlans {
  plans: ApiAccessPlan[];
  /** Each problem with the declaration, naming it; the plans with problems are left out. */
  errors: string[];
}

/**
 * The plans an API offers: the annotation's value resolved against the
 * platform's tiers and the API's scopes and environments. An API without the
 * annotation offers no plans (and works as before plans existed).
 */
export function resolvePlans(
  annotation: string | undefined,
  tiers: readonly PlanTier[],
  api: { scopes: readonly string[]; environments: readonly string[] },
): ResolvedPlans {
  const errors: string[] = [];
  if (annotation === undefined || annotation.trim() === '') {
    return { plans: [], errors };
  }
  const prefix = `Annotation ${API_ACCESS_PLANS_ANNOTATION}`;
  let entries: unknown[];
  const text = annotation.trim();
  if (text.startsWith('-') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      return {
        plans: [],
        errors: [
          `${prefix} is not valid YAML: ${
            (error as Error).message.split('\n')[0]
          }`,
        ],
      };
    }
    if (!Array.isArray(parsed)) {
      return {
        plans: [],
        errors: [`${prefix} must be a list of plan names or plans`],
      };
    }
    entries = parsed;
  } else {
    entries = text
      .split(/[,\n]/)
      .map(item => item.trim())
      .filter(Boolean);
  }
  if (entries.length === 0) {
    return { plans: [], errors: [`${prefix} lists no plans`] };
  }

  const tierByName = new Map(tiers.map(tier => [tier.name, tier]));
  const seen = new Set<string>();
  const plans: ApiAccessPlan[] = [];
  entries.forEach((entry, index) => {
    const where = `${prefix}, plan ${index + 1}`;
    const candidate = typeof entry === 'string' ? { name: entry } : entry;
    const parsed = tailoredPlanSchema.safeParse(candidate);
    if (!parsed.success) {
      errors.push(`${where}: ${describeZod(parsed.error)}`);
      return;
    }
    const declared = parsed.data;
    const tier = tierByName.get(declared.name);
    if (!tier) {
      errors.push(
        `${where}: '${declared.name}' is not a plan the platform defines (apiAccess.plans has ${
          tiers.length > 0
            ? tiers.map(t => `'${t.name}'`).join(', ')
            : 'no plans'
        })`,
      );
      return;
    }
    if (seen.has(declared.name)) {
      errors.push(`${where}: '${declared.name}' is listed twice`);
      return;
    }
    seen.add(declared.name);

    const scopesDeclared = declared.scopes ?? tier.scopes;
    let scopes: string[];
    if (scopesDeclared === 'all') scopes = [...api.scopes];
    else if (scopesDeclared === 'read') scopes = api.scopes.filter(isReadScope);
    else {
      const unknown = scopesDeclared.filter(s => !api.scopes.includes(s));
      if (unknown.length > 0) {
        errors.push(
          `${where} ('${declared.name}'): scopes ${unknown
            .map(s => `'${s}'`)
            .join(', ')} are not scopes of this API (${
            api.scopes.join(', ') || 'it declares none'
          })`,
        );
        return;
      }
      scopes = Array.from(new Set(scopesDeclared));
    }
    if (scopes.length === 0) {
      errors.push(
        `${where} ('${declared.name}'): the plan grants no scope of this API (scopes '${
          typeof scopesDeclared === 'string' ? scopesDeclared : ''
        }' matched none of ${api.scopes.join(', ') || 'none'})`,
      );
      return;
    }

    const environmentsDeclared =
      declared.environments ?? tier.environments ?? [...api.environments];
    const strange = environmentsDeclared.filter(
      env => !api.environments.includes(env),
    );
    if (strange.length > 0) {
      errors.push(
        `${where} ('${declared.name}'): environments ${strange
          .map(e => `'${e}'`)
          .join(', ')} are not environments of this API (${api.environments.join(
          ', ',
        )})`,
      );
      return;
    }

    const quota =
      declared.quota === null
        ? undefined
        : declared.quota ?? tier.quota ?? undefined;
    plans.push({
      name: declared.name,
      title: declared.title ?? tier.title,
      description: declared.description ?? tier.description,
      scopes,
      rateLimit: declared.rateLimit ?? tier.rateLimit,
      ...(quota ? { quota } : {}),
      maxDurationDays: declared.maxDurationDays ?? tier.maxDurationDays,
      environments: Array.from(new Set(environmentsDeclared)),
      approval: declared.approval ?? tier.approval,
    });
  });
  // The platform's order is the plans' order, smallest first.
  const order = new Map(tiers.map((tier, i) => [tier.name, i]));
  plans.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return { plans, errors };
}

/** Position of a plan among the API's plans, smallest first (-1 when unknown). */
export function planRank(plans: readonly ApiAccessPlan[], name: string) {
  return plans.findIndex(plan => plan.name === name);
}

/** What in a request's terms the plan does not allow; empty when it fits. */
export function planProblems(
  plan: ApiAccessPlan,
  terms: { scopes: readonly string[]; environment: string; durationDays: number },
): string[] {
  const problems: string[] = [];
  const outside = terms.scopes.filter(scope => !plan.scopes.includes(scope));
  if (outside.length > 0) {
    problems.push(
      `the plan '${plan.name}' does not include the scopes ${outside.join(
        ', ',
      )} (it allows ${plan.scopes.join(', ')})`,
    );
  }
  if (!plan.environments.includes(terms.environment)) {
    problems.push(
      `the plan '${plan.name}' is not offered for '${
        terms.environment
      }' (only ${plan.environments.join(', ')})`,
    );
  }
  if (terms.durationDays > plan.maxDurationDays) {
    problems.push(
      `the plan '${plan.name}' allows at most ${plan.maxDurationDays} days, not ${terms.durationDays}`,
    );
  }
  return problems;
}

/** The start of the quota period `at` falls in (UTC). */
export function quotaPeriodStart(at: Date, period: QuotaPeriod): Date {
  return period === 'day'
    ? new Date(
        Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()),
      )
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** When the quota period `at` falls in ends and the count starts again (UTC). */
export function quotaResetsAt(at: Date, period: QuotaPeriod): Date {
  return period === 'day'
    ? new Date(
        Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1),
      )
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** The UTC calendar day of an instant, `YYYY-MM-DD`: how usage is counted. */
export function usageDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The limits a grant holds from its plan, as gateways read them in X-Api-Access-Rate-Limit (`<requests>;w=<seconds>`). */
export function formatRateLimit(rateLimit: PlanRateLimit): string {
  return `${rateLimit.requests};w=${rateLimit.perSeconds}`;
}

/** The snapshot of a plan a grant keeps: its name, title and limits as approved. */
export function grantPlanOf(plan: ApiAccessPlan): GrantPlan {
  return {
    name: plan.name,
    title: plan.title,
    rateLimit: { ...plan.rateLimit },
    ...(plan.quota ? { quota: { ...plan.quota } } : {}),
  };
}

/** The plan a grant holds and the limits that come with it. */
export interface GrantPlan {
  name: string;
  title: string;
  rateLimit: PlanRateLimit;
  quota?: PlanQuota;
}
