import {
  ApiAccessPlan,
  PlanTier,
  formatRateLimit,
  grantPlanOf,
  planProblems,
  planRank,
  planTierSchema,
  quotaPeriodStart,
  quotaResetsAt,
  resolvePlans,
  usageDay,
} from './plans';
import { ZodError } from 'zod';
import { parseReviewPolicy } from './policy';
import { describeZodError } from './schemas';

/** The sentence a bad apiAccess config is refused with, or 'valid'. */
function policyProblem(input: unknown): string {
  try {
    parseReviewPolicy(input);
    return 'valid';
  } catch (error) {
    return describeZodError(error as ZodError);
  }
}

const tiers: PlanTier[] = [
  {
    name: 'starter',
    title: 'Starter',
    scopes: 'read',
    rateLimit: { requests: 2, perSeconds: 1 },
    quota: { requests: 1000, period: 'day' },
    maxDurationDays: 90,
    approval: 'automatic',
  },
  {
    name: 'standard',
    title: 'Standard',
    description: 'For production use',
    scopes: 'all',
    rateLimit: { requests: 20, perSeconds: 1 },
    quota: { requests: 100000, period: 'month' },
    maxDurationDays: 365,
    environments: ['production'],
    approval: 'owner',
  },
].map(tier => planTierSchema.parse(tier));

const api = {
  scopes: ['pets:read', 'pets:write', 'pets:admin'],
  environments: ['sandbox', 'production'],
};

const names = (annotation: string | undefined) =>
  resolvePlans(annotation, tiers, api).plans.map(plan => plan.name);
const errors = (annotation: string) =>
  resolvePlans(annotation, tiers, api).errors;

describe('resolvePlans', () => {
  it('offers no plans without the annotation, or with an empty one', () => {
    expect(resolvePlans(undefined, tiers, api)).toEqual({
      plans: [],
      errors: [],
    });
    expect(resolvePlans('  ', tiers, api)).toEqual({ plans: [], errors: [] });
  });

  it('resolves a comma list of tiers against the API', () => {
    const { plans, errors: problems } = resolvePlans(
      'starter, standard',
      tiers,
      api,
    );
    expect(problems).toEqual([]);
    expect(plans).toEqual([
      {
        name: 'starter',
        title: 'Starter',
        description: undefined,
        scopes: ['pets:read'],
        rateLimit: { requests: 2, perSeconds: 1 },
        quota: { requests: 1000, period: 'day' },
        maxDurationDays: 90,
        environments: ['sandbox', 'production'],
        approval: 'automatic',
      },
      {
        name: 'standard',
        title: 'Standard',
        description: 'For production use',
        scopes: ['pets:read', 'pets:write', 'pets:admin'],
        rateLimit: { requests: 20, perSeconds: 1 },
        quota: { requests: 100000, period: 'month' },
        maxDurationDays: 365,
        environments: ['production'],
        approval: 'owner',
      },
    ]);
  });

  it("orders the plans as the platform does, smallest first, whatever the annotation's order", () => {
    expect(names('standard, starter')).toEqual(['starter', 'standard']);
    expect(names('standard\nstarter')).toEqual(['starter', 'standard']);
    expect(names('- standard\n- starter')).toEqual(['starter', 'standard']);
  });

  it('tailors a tier: every field but the name', () => {
    const { plans, errors: problems } = resolvePlans(
      `- starter
- name: standard
  title: Standard plus
  description: More
  rateLimit: { requests: 100, perSeconds: 10 }
  quota: { requests: 5, period: day }
  scopes: [pets:read, pets:write, pets:read]
  maxDurationDays: 30
  environments: [sandbox]
  approval: policy
`,
      tiers,
      api,
    );
    expect(problems).toEqual([]);
    expect(plans[1]).toEqual({
      name: 'standard',
      title: 'Standard plus',
      description: 'More',
      scopes: ['pets:read', 'pets:write'],
      rateLimit: { requests: 100, perSeconds: 10 },
      quota: { requests: 5, period: 'day' },
      maxDurationDays: 30,
      environments: ['sandbox'],
      approval: 'policy',
    });
  });

  it("removes the tier's quota with quota: null, and keeps it when not named", () => {
    const { plans } = resolvePlans(
      '- name: starter\n  quota: null\n- name: standard\n  title: S',
      tiers,
      api,
    );
    expect(plans[0]).not.toHaveProperty('quota');
    expect(plans[1].quota).toEqual({ requests: 100000, period: 'month' });
  });

  it('reads the flow form of a YAML list', () => {
    expect(names('[starter, {name: standard}]')).toEqual([
      'starter',
      'standard',
    ]);
  });

  it.each([
    ['bad YAML', '- name: [starter', /is not valid YAML/],
    ['not a list', '[starter', /is not valid YAML/],
    ['a YAML list of nothing', '[]', /lists no plans/],
    [
      'an unknown tier',
      'starter, gold',
      /plan 2: 'gold' is not a plan the platform defines \(apiAccess.plans has 'starter', 'standard'\)/,
    ],
    [
      'a duplicate',
      'starter, standard, starter',
      /plan 3: 'starter' is listed twice/,
    ],
    [
      'a bad field type',
      '- name: starter\n  maxDurationDays: ninety',
      /plan 1: maxDurationDays: Expected number, received string/,
    ],
    [
      'a bad rate limit',
      '- name: starter\n  rateLimit: { requests: 0, perSeconds: 1 }',
      /plan 1: rateLimit.requests/,
    ],
    [
      'an unknown field',
      '- name: starter\n  price: 10',
      /plan 1: Unrecognized key\(s\) in object: 'price'/,
    ],
    ['a bad name', 'Starter!', /plan 1: name: must be 1-32 lowercase letters/],
    [
      'an unknown scope',
      '- name: starter\n  scopes: [pets:read, pets:delete]',
      /\('starter'\): scopes 'pets:delete' are not scopes of this API \(pets:read, pets:write, pets:admin\)/,
    ],
    [
      'an unknown environment',
      '- name: starter\n  environments: [staging]',
      /\('starter'\): environments 'staging' are not environments of this API \(sandbox, production\)/,
    ],
  ])('names %s', (_name, annotation, message) => {
    const problems = errors(annotation);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toMatch(/^Annotation api-access\/plans/);
  });

  it('names a YAML value that is not a list', () => {
    // A YAML mapping whose text starts like a list is not valid; a flow list
    // of mappings is a list. Only list-shaped text is read as YAML.
    expect(errors('- a: 1\nb: 2')[0]).toMatch(
      /is not valid YAML|must be a list/,
    );
  });

  it('names a plan whose scope words match none of the scopes of the API', () => {
    const writeOnly = { scopes: ['pets:write'], environments: ['sandbox'] };
    const { plans, errors: problems } = resolvePlans(
      'starter',
      tiers,
      writeOnly,
    );
    expect(plans).toEqual([]);
    expect(problems[0]).toMatch(
      /\('starter'\): the plan grants no scope of this API \(scopes 'read' matched none of pets:write\)/,
    );
  });

  it('names an environment of a tier that the API does not have', () => {
    const sandboxOnly = { ...api, environments: ['sandbox'] };
    const { plans, errors: problems } = resolvePlans(
      'starter, standard',
      tiers,
      sandboxOnly,
    );
    expect(plans.map(p => p.name)).toEqual(['starter']);
    expect(problems).toEqual([
      expect.stringMatching(
        /\('standard'\): environments 'production' are not environments of this API \(sandbox\)/,
      ),
    ]);
  });

  it('keeps the plans without problems beside those with problems', () => {
    const result = resolvePlans('starter, gold', tiers, api);
    expect(result.plans.map(p => p.name)).toEqual(['starter']);
    expect(result.errors).toHaveLength(1);
  });

  it('names a declaration when the platform defines no plans', () => {
    expect(resolvePlans('starter', [], api).errors[0]).toMatch(
      /apiAccess.plans has no plans/,
    );
  });
});

describe('planRank and planProblems', () => {
  const { plans } = resolvePlans('starter, standard', tiers, api);
  const [starter, standard] = plans as [ApiAccessPlan, ApiAccessPlan];

  it('ranks plans smallest first, -1 for one not offered', () => {
    expect(planRank(plans, 'starter')).toBe(0);
    expect(planRank(plans, 'standard')).toBe(1);
    expect(planRank(plans, 'gold')).toBe(-1);
  });

  it('finds nothing wrong with terms inside the plan', () => {
    expect(
      planProblems(starter, {
        scopes: ['pets:read'],
        environment: 'sandbox',
        durationDays: 90,
      }),
    ).toEqual([]);
    expect(
      planProblems(standard, {
        scopes: [],
        environment: 'production',
        durationDays: 365,
      }),
    ).toEqual([]);
  });

  it('names every term outside the plan', () => {
    expect(
      planProblems(starter, {
        scopes: ['pets:read', 'pets:write', 'pets:admin'],
        environment: 'staging',
        durationDays: 91,
      }),
    ).toEqual([
      "the plan 'starter' does not include the scopes pets:write, pets:admin (it allows pets:read)",
      "the plan 'starter' is not offered for 'staging' (only sandbox, production)",
      "the plan 'starter' allows at most 90 days, not 91",
    ]);
    expect(
      planProblems(standard, {
        scopes: ['pets:read'],
        environment: 'sandbox',
        durationDays: 1,
      }),
    ).toEqual([
      "the plan 'standard' is not offered for 'sandbox' (only production)",
    ]);
  });

  it("snapshots a plan's name, title and limits for a grant", () => {
    expect(grantPlanOf(starter)).toEqual({
      name: 'starter',
      title: 'Starter',
      rateLimit: { requests: 2, perSeconds: 1 },
      quota: { requests: 1000, period: 'day' },
    });
    const noQuota = { ...standard, quota: undefined };
    expect(grantPlanOf(noQuota)).not.toHaveProperty('quota');
    // A copy: changing the plan later does not change the snapshot.
    const snapshot = grantPlanOf(starter);
    snapshot.rateLimit.requests = 99;
    expect(starter.rateLimit.requests).toBe(2);
  });

  it('formats a rate limit as gateways read it', () => {
    expect(formatRateLimit({ requests: 20, perSeconds: 1 })).toBe('20;w=1');
    expect(formatRateLimit({ requests: 100, perSeconds: 60 })).toBe('100;w=60');
  });
});

describe('quota periods (UTC)', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    // [instant, period, start, resets]
    [
      '2026-12-31T23:59:59.999Z',
      'day',
      '2026-12-31T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ],
    [
      '2026-12-31T23:59:59.999Z',
      'month',
      '2026-12-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ],
    [
      '2027-01-01T00:00:00.000Z',
      'day',
      '2027-01-01T00:00:00.000Z',
      '2027-01-02T00:00:00.000Z',
    ],
    [
      '2027-01-01T00:00:00.000Z',
      'month',
      '2027-01-01T00:00:00.000Z',
      '2027-02-01T00:00:00.000Z',
    ],
    [
      '2027-02-28T12:00:00.000Z',
      'day',
      '2027-02-28T00:00:00.000Z',
      '2027-03-01T00:00:00.000Z',
    ],
    [
      '2027-02-28T12:00:00.000Z',
      'month',
      '2027-02-01T00:00:00.000Z',
      '2027-03-01T00:00:00.000Z',
    ],
    [
      '2028-02-28T12:00:00.000Z',
      'day',
      '2028-02-28T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
    ],
    [
      '2028-02-29T23:00:00.000Z',
      'day',
      '2028-02-29T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ],
    [
      '2028-02-29T23:00:00.000Z',
      'month',
      '2028-02-01T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ],
    [
      '2026-01-31T08:00:00.000Z',
      'month',
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ],
  ] as const)('%s in its %s', (instant, period, start, resets) => {
    expect(quotaPeriodStart(at(instant), period).toISOString()).toBe(start);
    expect(quotaResetsAt(at(instant), period).toISOString()).toBe(resets);
  });

  it('counts usage by UTC day, whatever the local offset of the instant', () => {
    expect(usageDay(at('2026-12-31T23:30:00-02:00'))).toBe('2027-01-01');
    expect(usageDay(at('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31');
  });
});

describe('apiAccess.plans in the policy', () => {
  const tier = {
    name: 'starter',
    title: 'Starter',
    rateLimit: { requests: 2, perSeconds: 1 },
    maxDurationDays: 90,
  };

  it('defaults a tier to every scope and the policy approval', () => {
    const policy = parseReviewPolicy({ plans: [tier] });
    expect(policy.plans[0]).toMatchObject({
      scopes: 'all',
      approval: 'policy',
    });
    expect(parseReviewPolicy({}).plans).toEqual([]);
  });

  it('refuses a plan defined twice', () => {
    expect(policyProblem({ plans: [tier, tier] })).toMatch(
      /plans\.1\.name.*'starter' is defined twice/,
    );
  });

  it('refuses an environment the policy does not know', () => {
    expect(
      policyProblem({ plans: [{ ...tier, environments: ['moon'] }] }),
    ).toMatch(/plans\.0\.environments\.0.*'moon' is not one of environments/);
  });

  it('refuses a tier with a bad field', () => {
    expect(policyProblem({ plans: [{ ...tier, approval: 'never' }] })).toMatch(
      /plans\.0\.approval/,
    );
    expect(
      policyProblem({ plans: [{ ...tier, rateLimit: undefined }] }),
    ).toMatch(/plans\.0\.rateLimit/);
    expect(policyProblem({ plans: [tier] })).toBe('valid');
  });
});
