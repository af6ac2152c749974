import { parseReviewPolicy } from './policy';
import {
  accessReviewItemDecisionSchema,
  describeZodError,
  listAccessReviewsQuerySchema,
  startAccessReviewSchema,
} from './schemas';

describe('accessReviews policy', () => {
  it('defaults to a quarterly review, due in 14 days, revoking what is unanswered', () => {
    expect(parseReviewPolicy({}).accessReviews).toEqual({
      enabled: true,
      everyDays: 90,
      startsOn: '2026-01-01',
      dueInDays: 14,
      reminderDaysBeforeDue: [7, 1],
      unanswered: 'revoke',
      ownersMayStart: false,
    });
  });

  it('needs a group to escalate to, and names bad keys', () => {
    expect(() =>
      parseReviewPolicy({ accessReviews: { unanswered: 'escalate' } }),
    ).toThrow("is required when unanswered is 'escalate'");
    expect(
      parseReviewPolicy({
        accessReviews: {
          unanswered: 'escalate',
          escalateTo: 'group:default/security',
        },
      }).accessReviews.escalateTo,
    ).toBe('group:default/security');
    expect(() =>
      parseReviewPolicy({ accessReviews: { startsOn: '2026-13-45' } }),
    ).toThrow('must be a real date');
    expect(() =>
      parseReviewPolicy({ accessReviews: { everyDay: 30 } }),
    ).toThrow(/everyDay/);
    expect(() =>
      parseReviewPolicy({ accessReviews: { unanswered: 'ignore' } }),
    ).toThrow("must be 'revoke' or 'escalate'");
  });
});

describe('access review schemas', () => {
  const errorOf = (value: unknown) => {
    const result = accessReviewItemDecisionSchema.safeParse(value);
    if (result.success) throw new Error('expected a validation error');
    return describeZodError(result.error);
  };

  it('needs a comment for keep and a reason for revoke', () => {
    expect(errorOf({ decision: 'keep' })).toBe(
      'comment is required: say why the access is still needed',
    );
    expect(errorOf({ decision: 'revoke', comment: '  ' })).toBe(
      'comment is required: say why the access ends',
    );
    expect(errorOf({ decision: 'maybe', comment: 'fine' })).toBe(
      "decision must be 'keep' or 'revoke'",
    );
    expect(
      accessReviewItemDecisionSchema.parse({
        decision: 'keep',
        comment: ' Nightly sync ',
      }),
    ).toEqual({ decision: 'keep', comment: 'Nightly sync' });
  });

  it('normalises owner refs in the list query and the start body', () => {
    expect(
      listAccessReviewsQuerySchema.parse({ ownerRef: 'group:team-c' }),
    ).toEqual({ ownerRef: 'group:default/team-c', status: 'open' });
    expect(
      listAccessReviewsQuerySchema.safeParse({ ownerRef: 'api:x' }).success,
    ).toBe(false);
    expect(startAccessReviewSchema.parse({})).toEqual({});
  });
});
