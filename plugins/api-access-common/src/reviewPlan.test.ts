import { parseReviewPolicy } from './policy';
import { computeReviewPlan } from './reviewPlan';
import { describeZodError } from './schemas';
import { ZodError } from 'zod';

const owner = 'group:default/team-c';

/** The plan as "stage: reviewer+reviewer" strings, easy to read in a table. */
function shape(plan: ReturnType<typeof computeReviewPlan>) {
  if (plan.autoApproved) return [`auto-approved by ${plan.autoApproveRule}`];
  return plan.stages.map(stage =>
    stage.steps.map(step => step.reviewerRef.split('/')[1]).join('+'),
  );
}

describe('computeReviewPlan with the default policy', () => {
  it.each([
    [
      'sandbox + public, internal consumer',
      'sandbox',
      'public',
      'internal',
      false,
      ['auto-approved by sandbox-public'],
    ],
    [
      'sandbox + public, external consumer',
      'sandbox',
      'public',
      'external',
      false,
      ['team-c', 'security', 'legal'],
    ],
    [
      'development + internal',
      'development',
      'internal',
      'internal',
      false,
      ['team-c'],
    ],
    [
      'sandbox + internal',
      'sandbox',
      'internal',
      'internal',
      false,
      ['team-c'],
    ],
    [
      'production + public',
      'production',
      'public',
      'internal',
      false,
      ['team-c', 'security'],
    ],
    [
      'development + confidential',
      'development',
      'confidential',
      'internal',
      false,
      ['team-c', 'security'],
    ],
    [
      'development + restricted',
      'development',
      'restricted',
      'internal',
      false,
      ['team-c', 'security+compliance'],
    ],
    [
      'development + internal, regulated',
      'development',
      'internal',
      'internal',
      true,
      ['team-c', 'security+compliance'],
    ],
    [
      'external partner, internal data',
      'development',
      'internal',
      'external',
      false,
      ['team-c', 'security', 'legal'],
    ],
    [
      'external partner, restricted, production',
      'production',
      'restricted',
      'external',
      false,
      ['team-c', 'security+compliance', 'legal'],
    ],
  ] as const)(
    '%s',
    (_name, environment, level, consumerKind, regulated, expected) => {
      const plan = computeReviewPlan(
        { environment, scopes: [], consumerKind },
        { ownerRef: owner, classification: { level }, regulated },
      );
      expect(shape(plan)).toEqual(expected);
    },
  );

  it('records which rules added each step', () => {
    const plan = computeReviewPlan(
      { environment: 'production', scopes: [], consumerKind: 'external' },
      { ownerRef: owner, classification: { level: 'restricted' } },
    );
    const security = plan.stages[1].steps.find(
      step => step.name === 'security',
    )!;
    expect(security.rules).toEqual([
      'production-environment',
      'confidential-data',
      'restricted-data',
      'external-consumer',
    ]);
    expect(security.reason).toBe(
      'Required by production-environment, confidential-data, restricted-data, external-consumer',
    );
    expect(plan.stages.map(stage => stage.name)).toEqual([
      'owner',
      'security + compliance',
      'legal',
    ]);
  });

  it('refuses to plan a review for an API without an owner', () => {
    expect(() =>
      computeReviewPlan(
        { environment: 'development', scopes: [], consumerKind: 'internal' },
        { classification: { level: 'internal' } },
      ),
    ).toThrow(/no owner/);
  });
});

describe('computeReviewPlan with a custom policy', () => {
  const policy = parseReviewPolicy({
    reviewSteps: {
      'payments-council': {
        reviewer: 'group:default/payments-council',
        order: 1,
        quorum: 2,
      },
      security: { reviewer: 'group:default/security', order: 2 },
    },
    routing: [
      {
        name: 'write-scopes',
        when: { anyScopes: ['pets:write', 'pets:admin'] },
        addSteps: ['payments-council'],
      },
      {
        name: 'deprecated-api',
        when: { lifecycles: ['deprecated'] },
        addSteps: ['security'],
      },
    ],
    autoApprove: [],
    ownerQuorum: 2,
  });

  it.each([
    ['read scopes only', ['pets:read'], 'production', ['team-c']],
    [
      'a write scope',
      ['pets:read', 'pets:write'],
      'production',
      ['team-c', 'payments-council'],
    ],
    [
      'a write scope on a deprecated API',
      ['pets:admin'],
      'deprecated',
      ['team-c', 'payments-council', 'security'],
    ],
  ])('routes %s', (_name, scopes, lifecycle, expected) => {
    const plan = computeReviewPlan(
      { environment: 'sandbox', scopes: [...scopes], consumerKind: 'internal' },
      { ownerRef: owner, classification: { level: 'public' }, lifecycle },
      policy,
    );
    expect(shape(plan)).toEqual(expected);
  });

  it('takes quorums from the policy', () => {
    const plan = computeReviewPlan(
      {
        environment: 'sandbox',
        scopes: ['pets:write'],
        consumerKind: 'internal',
      },
      { ownerRef: owner, classification: { level: 'public' } },
      policy,
    );
    expect(plan.stages.map(stage => stage.steps[0].quorum)).toEqual([2, 2]);
  });
});

describe('parseReviewPolicy', () => {
  function errorOf(input: unknown) {
    try {
      parseReviewPolicy(input);
    } catch (error) {
      return describeZodError(error as ZodError);
    }
    throw new Error('expected the policy to be refused');
  }

  it.each([
    [
      { classification: { default: 'secret' } },
      "classification.default 'secret' is not one of classification.levels",
    ],
    [
      { routing: [{ name: 'x', when: {}, addSteps: ['audit'] }] },
      "routing.0.addSteps.0 'audit' is not a step in reviewSteps",
    ],
    [
      {
        routing: [
          {
            name: 'x',
            when: { minClassification: 'top' },
            addSteps: ['security'],
          },
        ],
      },
      "routing.0.when.minClassification 'top' is not one of",
    ],
    [
      {
        routing: [
          { name: 'x', when: { env: ['prod'] }, addSteps: ['security'] },
        ],
      },
      "routing.0.when Unrecognized key(s) in object: 'env'",
    ],
    [
      { reviewSteps: { security: { reviewer: 'security', order: 1 } } },
      "reviewSteps.security.reviewer must be a 'group:' or 'user:' entity ref",
    ],
    [{ maxDurationDays: 0 }, 'maxDurationDays'],
    [{ ownerQourum: 2 }, "Unrecognized key(s) in object: 'ownerQourum'"],
  ])('refuses %j naming the key', (input, message) => {
    expect(errorOf(input)).toContain(message);
  });
});

describe('computeReviewPlan with a plan', () => {
  const profile = (level: string) => ({
    ownerRef: owner,
    classification: { level },
  });
  const onPlan = (
    approval: 'automatic' | 'owner' | 'policy',
    terms: {
      environment: string;
      consumerKind?: 'internal' | 'external';
    },
  ) => ({
    environment: terms.environment,
    scopes: [],
    consumerKind: terms.consumerKind ?? ('internal' as const),
    plan: { name: 'gold', approval },
  });

  it.each([
    // [approval, environment, classification, consumer, shape]
    [
      'automatic',
      'sandbox',
      'internal',
      'internal',
      ['auto-approved by plan:gold'],
    ],
    [
      'automatic',
      'development',
      'internal',
      'internal',
      ['auto-approved by plan:gold'],
    ],
    // Policy's risk-routed stages still apply, without the owner.
    ['automatic', 'production', 'internal', 'internal', ['security']],
    [
      'automatic',
      'development',
      'restricted',
      'external',
      ['security+compliance', 'legal'],
    ],
    // An auto-approve rule that matches still approves.
    [
      'automatic',
      'sandbox',
      'public',
      'internal',
      ['auto-approved by sandbox-public'],
    ],
    // owner: the owner reviews even where an auto-approve rule matches.
    ['owner', 'sandbox', 'public', 'internal', ['team-c']],
    ['owner', 'production', 'internal', 'internal', ['team-c', 'security']],
    // policy: as without a plan.
    [
      'policy',
      'sandbox',
      'public',
      'internal',
      ['auto-approved by sandbox-public'],
    ],
    ['policy', 'development', 'internal', 'internal', ['team-c']],
    ['policy', 'production', 'internal', 'internal', ['team-c', 'security']],
  ] as const)(
    '%s plan, %s, %s data, %s consumer',
    (approval, environment, level, consumerKind, expected) => {
      expect(
        shape(
          computeReviewPlan(
            onPlan(approval, { environment, consumerKind }),
            profile(level),
          ),
        ),
      ).toEqual(expected);
    },
  );

  it('says why the owner reviews on an owner plan, naming the rule it overrides', () => {
    const plan = computeReviewPlan(
      onPlan('owner', { environment: 'sandbox' }),
      profile('public'),
    );
    expect(plan.stages[0].steps[0].reason).toBe(
      "The plan 'gold' has the API owner review every request, though policy would approve this one (sandbox-public)",
    );
    const plain = computeReviewPlan(
      onPlan('owner', { environment: 'development' }),
      profile('internal'),
    );
    expect(plain.stages[0].steps[0].reason).toBe(
      "The plan 'gold' has the API owner review every request",
    );
  });

  it('says why the owner is not asked on an automatic plan', () => {
    const plan = computeReviewPlan(
      onPlan('automatic', { environment: 'production' }),
      profile('internal'),
    );
    expect(plan.stages[0].steps[0].reason).toBe(
      "Required by production-environment; the plan 'gold' needs no review by the API owner",
    );
  });

  it('needs no owner to approve on an automatic plan, but does to review', () => {
    const noOwner = { classification: { level: 'internal' } };
    expect(
      computeReviewPlan(
        onPlan('automatic', { environment: 'sandbox' }),
        noOwner,
      ).autoApproveRule,
    ).toBe('plan:gold');
    expect(() =>
      computeReviewPlan(onPlan('owner', { environment: 'sandbox' }), noOwner),
    ).toThrow(/no owner/);
  });
});
