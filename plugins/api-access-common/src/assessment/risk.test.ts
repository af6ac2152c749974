import { parseReviewPolicy } from '../policy';
import { computeRiskScore } from './risk';

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
