import { matchesCondition, parseReviewPolicy } from '../policy';
import { computeReviewPlan } from '../reviewPlan';

const facts = {
  environment: 'development',
  scopes: [],
  consumerKind: 'internal' as const,
  classification: 'internal',
  regulated: false,
};

describe('minRiskScore in policy conditions', () => {
  it.each([
    [60, 59, false],
    [60, 60, true],
    [60, 80, true],
    [60, undefined, false],
    [0, undefined, false],
  ])(
    'minRiskScore %p with score %p matches: %p',
    (min, riskScore, expected) => {
      expect(
        matchesCondition({ minRiskScore: min }, { ...facts, riskScore }, []),
      ).toBe(expected);
    },
  );

  const policy = parseReviewPolicy({
    routing: [
      { name: 'high-risk', when: { minRiskScore: 50 }, addSteps: ['security'] },
    ],
  });
  const profile = {
    ownerRef: 'group:default/team-c',
    classification: { level: 'internal' },
  };

  it('adds steps to a plan when the score reaches the minimum', () => {
    const plan = computeReviewPlan(
      {
        environment: 'development',
        scopes: [],
        consumerKind: 'internal',
        riskScore: 55,
      },
      profile,
      policy,
    );
    expect(plan.stages.map(s => s.name)).toEqual(['owner', 'security']);
    expect(plan.stages[1].steps[0].rules).toEqual(['high-risk']);
  });

  it('keeps existing callers, which pass no score, unchanged', () => {
    const plan = computeReviewPlan(
      { environment: 'development', scopes: [], consumerKind: 'internal' },
      profile,
      policy,
    );
    expect(plan.stages.map(s => s.name)).toEqual(['owner']);
  });

  it('rejects a score outside 0-100 in config', () => {
    expect(() =>
      parseReviewPolicy({
        routing: [
          { name: 'x', when: { minRiskScore: 101 }, addSteps: ['security'] },
        ],
      }),
    ).toThrow();
  });
});
