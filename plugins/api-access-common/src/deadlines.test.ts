import { ZodError } from 'zod';
import { deadlinesForStep, parseReviewPolicy } from './policy';
import {
  delegateStepSchema,
  describeZodError,
  timeToDecisionQuerySchema,
} from './schemas';

function policyError(input: unknown): string {
  try {
    parseReviewPolicy(input);
  } catch (error) {
    return describeZodError(error as ZodError);
  }
  throw new Error('expected a validation error');
}

describe('deadlines in the review policy', () => {
  it('defaults to a reminder after 48 hours and no escalation', () => {
    const policy = parseReviewPolicy({});
    expect(policy.deadlines).toEqual({
      reminderAfterHours: 48,
      escalateAfterHours: 120,
      byStep: {},
    });
    expect(deadlinesForStep(policy, 'owner')).toEqual({
      reminderAfterHours: 48,
      escalateAfterHours: 120,
      escalateTo: undefined,
    });
  });

  it('lets one step override any key', () => {
    const policy = parseReviewPolicy({
      deadlines: {
        escalateTo: 'group:default/platform',
        byStep: {
          security: { reminderAfterHours: 4, escalateAfterHours: 8 },
          legal: { escalateTo: 'group:default/general-counsel' },
        },
      },
    });
    expect(deadlinesForStep(policy, 'security')).toEqual({
      reminderAfterHours: 4,
      escalateAfterHours: 8,
      escalateTo: 'group:default/platform',
    });
    expect(deadlinesForStep(policy, 'legal').escalateTo).toBe(
      'group:default/general-counsel',
    );
    expect(deadlinesForStep(policy, 'owner').reminderAfterHours).toBe(48);
  });

  it('names unknown steps, bad refs and an escalation before the reminder', () => {
    expect(policyError({ deadlines: { byStep: { secuity: {} } } })).toBe(
      "deadlines.byStep.secuity 'secuity' is not a step (owner, security, compliance, legal)",
    );
    expect(policyError({ deadlines: { escalateTo: 'platform' } })).toBe(
      "deadlines.escalateTo must be a 'group:' or 'user:' entity ref",
    );
    expect(policyError({ deadlines: { escalateAfterHours: 24 } })).toMatch(
      /^deadlines.escalateAfterHours must be more than reminderAfterHours \(48\)/,
    );
    expect(
      policyError({
        deadlines: { byStep: { owner: { reminderAfterHours: 200 } } },
      }),
    ).toMatch(/^deadlines.byStep.owner.escalateAfterHours must be more/);
    expect(policyError({ deadlines: { remindAfterHours: 1 } })).toMatch(
      /Unrecognized key/,
    );
    // 0 turns either off, so any order is fine then.
    expect(
      parseReviewPolicy({
        deadlines: { reminderAfterHours: 0, escalateAfterHours: 1 },
      }).deadlines.reminderAfterHours,
    ).toBe(0);
  });
});

describe('delegation and time-to-decision inputs', () => {
  it('needs a user to delegate to', () => {
    expect(delegateStepSchema.parse({ to: 'user:owner.two' })).toEqual({
      to: 'user:default/owner.two',
    });
    const result = delegateStepSchema.safeParse({ to: 'group:team-c' });
    expect(result.success).toBe(false);
  });

  it('reads ISO dates and refuses a period that ends before it starts', () => {
    expect(
      timeToDecisionQuerySchema.parse({ from: '2026-01-01', to: '2026-02-01' }),
    ).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
    });
    const backwards = timeToDecisionQuerySchema.safeParse({
      from: '2026-02-01',
      to: '2026-01-01',
    });
    expect(backwards.success).toBe(false);
    expect(describeZodError((backwards as { error: ZodError }).error)).toBe(
      'from must be before to',
    );
  });
});
