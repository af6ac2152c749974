import { parseReviewPolicy } from '../policy';
import { computeRiskScore } from './risk';
import type { ApiAccessPlan } from '../plans';

const policy = parseReviewPolicy({});
const offered = ['pets:read', 'pets:write', 'pets:admin'];

describe('computeRiskScore', () => {
  it.each([
    // [name, terms, level, regulated, score, points by factor]
    [
      'sandbox read of public data',
      { environment: 'sandbox', scopes: ['pets:read'], durationDays: 30 },
      'public',
      false,
      0,
      {
        classification: 0,
        environment: 0,
        scopes: 0,
        external: 0,
        duration: 0,
      },
    ],
    [
      'development read of internal data',
      { environment: 'development', scopes: ['pets:read'], durationDays: 30 },
      'internal',
      false,
      15,
      {
        classification: 10,
        environment: 5,
        scopes: 0,
        external: 0,
        duration: 0,
      },
    ],
    [
      'staging write of confidential data for 120 days',
      { environment: 'staging', scopes: ['pets:write'], durationDays: 120 },
      'confidential',
      false,
      45,
      {
        classification: 20,
        environment: 10,
        scopes: 10,
        external: 0,
        duration: 5,
      },
    ],
    [
      'production admin of restricted, regulated data by a partner for a year',
      {
        environment: 'production',
        scopes: offered,
        durationDays: 365,
        consumerKind: 'external' as const,
      },
      'restricted',
      true,
      100,
      {
        classification: 40,
        environment: 25,
        scopes: 15,
        external: 15,
        duration: 10,
      },
    ],
    [
      'every scope, none admin',
      { environment: 'sandbox', scopes: ['pets:read', 'pets:write'] },
      'public',
      false,
      15,
      {
        classification: 0,
        environment: 0,
        scopes: 15,
        external: 0,
        duration: 0,
      },
    ],
    [
      'an unknown environment',
      { environment: 'eu-west', scopes: [] },
      'public',
      false,
      10,
      {
        classification: 0,
        environment: 10,
        scopes: 0,
        external: 0,
        duration: 0,
      },
    ],
    [
      'a draft without environment or duration',
      { scopes: [] },
      'internal',
      false,
      10,
      {
        classification: 10,
        environment: 0,
        scopes: 0,
        external: 0,
        duration: 0,
      },
    ],
  ])('%s', (_name, terms, level, regulated, score, points) => {
    const risk = computeRiskScore(
      terms,
      {
        classification: { level },
        regulated,
        scopes:
          (terms.scopes as string[]).length === 2
            ? ['pets:read', 'pets:write']
            : offered,
      },
      policy,
    );
    expect(risk.score).toBe(score);
    expect(
      Object.fromEntries(risk.reasons.map(r => [r.factor, r.points])),
    ).toEqual(points);
  });

  it('treats an unknown level as the most sensitive', () => {
    const risk = computeRiskScore(
      { scopes: [] },
      { classification: { level: 'top-secret' } },
      policy,
    );
    expect(risk.reasons[0].points).toBe(30);
  });
});

describe('computeRiskScore with a plan', () => {
  const plan = (
    name: string,
    fields: Partial<ApiAccessPlan> = {},
  ): ApiAccessPlan => ({
    name,
    title: name,
    scopes: ['pets:read'],
    rateLimit: { requests: 5, perSeconds: 1 },
    quota: { requests: 1000, period: 'day' },
    maxDurationDays: 90,
    environments: ['development'],
    approval: 'policy',
    ...fields,
  });
  const plans = [
    plan('small'),
    plan('no-quota', { quota: undefined }),
    plan('fast', { rateLimit: { requests: 100, perSeconds: 1 } }),
    plan('big', {
      scopes: offered,
      quota: undefined,
      rateLimit: { requests: 6000, perSeconds: 60 },
    }),
    plan('writer', { scopes: ['pets:read', 'pets:write'] }),
  ];
  const terms = {
    environment: 'development',
    scopes: ['pets:read'],
    durationDays: 30,
  };
  const profile = { classification: { level: 'internal' }, plans };
  const score = (name?: string) =>
    computeRiskScore({ ...terms, plan: name }, profile, policy);

  it.each([
    // [plan, points, detail]
    [
      'small',
      -5,
      "plan 'small': small (read only, 5 requests per second, 1000 a day)",
    ],
    ['no-quota', 5, "plan 'no-quota': no quota"],
    ['fast', 5, "plan 'fast': a high rate limit (100 requests per second)"],
    [
      'big',
      10,
      "plan 'big': no quota, a high rate limit (6000 requests per 60 s)",
    ],
    ['writer', 0, "plan 'writer': 5 requests per second, with a quota"],
  ] as const)('%s plan: %d points', (name, points, detail) => {
    const withPlan = score(name);
    expect(withPlan.reasons.find(r => r.factor === 'plan')).toEqual({
      factor: 'plan',
      points,
      detail,
    });
    // Modest: the terms still decide the score.
    expect(withPlan.score).toBe(score().score + points);
  });

  it('leaves the score as it was without a plan, or with one the API does not offer', () => {
    expect(score().reasons.map(r => r.factor)).not.toContain('plan');
    expect(score('gold')).toEqual(score());
  });

  it('never goes below 0', () => {
    const sandbox = computeRiskScore(
      { environment: 'sandbox', scopes: ['pets:read'], plan: 'small' },
      { classification: { level: 'public' }, plans },
      policy,
    );
    expect(sandbox.score).toBe(0);
  });
});
