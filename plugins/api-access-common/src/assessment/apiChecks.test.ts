import { parseReviewPolicy } from '../policy';
import { assessApi } from './apiChecks';
import { AssessmentContext, AssessmentDraft, AssessmentProfile } from './types';
import { context, goodDraft, profile } from './testData';

function run(
  change: {
    draft?: Partial<AssessmentDraft>;
    profile?: Partial<AssessmentProfile>;
    context?: Partial<AssessmentContext>;
  } = {},
) {
  return assessApi(
    { ...goodDraft, ...change.draft },
    { ...profile, ...change.profile },
    { ...context, ...change.context },
  ).map(f => `${f.id}@${f.field}:${f.severity}`);
}

describe('api and consumer', () => {
  it('has nothing to say about an owned, production-lifecycle API', () => {
    expect(run()).toEqual([]);
  });

  it.each([
    ['deprecated', {}, 'api.deprecated@apiRef:warning'],
    ['experimental', {}, 'api.experimental@apiRef:info'],
    [
      'experimental',
      { environment: 'production' },
      'api.experimental@apiRef:warning',
    ],
  ])('flags a %s API (%j)', (lifecycle, draft, expected) => {
    expect(run({ profile: { lifecycle }, draft })).toEqual([expected]);
  });

  it.each([['production'], ['beta'], [undefined]])(
    'accepts lifecycle %p',
    lifecycle => {
      expect(run({ profile: { lifecycle } })).toEqual([]);
    },
  );

  it('blocks an API nobody owns', () => {
    expect(run({ profile: { ownerRef: undefined } })).toEqual([
      'api.no-owner@apiRef:blocker',
    ]);
  });

  it('only notes a missing owner when policy approves without review', () => {
    expect(
      run({
        profile: {
          ownerRef: undefined,
          classification: { level: 'public', source: 'default' },
        },
        draft: { environment: 'sandbox' },
      }),
    ).toEqual(['api.no-owner@apiRef:info']);
  });

  it('blocks a consumer that is not in the catalog', () => {
    expect(
      run({
        context: {
          consumer: {
            ref: 'component:default/nope',
            found: false,
            owned: false,
          },
        },
      }),
    ).toEqual(['api.consumer-not-found@consumerRef:blocker']);
  });

  it('blocks a consumer the requester does not own', () => {
    expect(
      run({
        context: {
          consumer: {
            ref: 'component:default/other',
            found: true,
            kind: 'internal',
            owned: false,
            detail: 'it is owned by group:default/team-b',
          },
        },
      }),
    ).toEqual(['api.consumer-not-owned@consumerRef:blocker']);
  });

  it('accepts an external consumer the requester belongs to', () => {
    expect(
      run({
        context: {
          consumer: {
            ref: 'group:default/northwind',
            found: true,
            kind: 'external',
            owned: true,
          },
          policy: parseReviewPolicy({}),
        },
      }),
    ).toEqual([]);
  });

  it('says nothing about the consumer before one is chosen', () => {
    expect(run({ context: { consumer: undefined } })).toEqual([]);
  });
});
