import { hasBlockers, runBuiltInAssessors } from './builtins';
import { assessmentDraftSchema, assessmentResultSchema } from './schemas';
import { context, fake, goodDraft, profile } from './testData';

describe('runBuiltInAssessors', () => {
  it('finds nothing in a good draft, and scores it', () => {
    const result = runBuiltInAssessors(goodDraft, profile, context);
    expect(result.findings).toEqual([]);
    expect(result.risk.score).toBe(15);
    expect(assessmentResultSchema.parse(result)).toEqual(result);
  });

  it('puts blockers first and every finding matches the schema', () => {
    const result = runBuiltInAssessors(
      {
        ...goodDraft,
        environment: 'production',
        scopes: ['pets:read', 'pets:write', 'pets:admin'],
        durationDays: 365,
        useCase: 'Test it',
        justification: 'need access',
        credentialStorage: `somewhere, key ${fake.github}`,
      },
      { ...profile, lifecycle: 'deprecated' },
      {
        ...context,
        openRequests: [
          {
            id: 'r1',
            apiRef: goodDraft.apiRef,
            consumerRef: goodDraft.consumerRef!,
            environment: 'production',
            status: 'in_review',
            requesterRef: context.requesterRef!,
            scopes: [],
            createdAt: '2026-01-01T00:00:00.000Z',
          },
        ],
      },
    );
    expect(assessmentResultSchema.parse(result)).toEqual(result);
    expect(result.findings.map(f => f.id)).toEqual([
      'secrets.detected',
      'least-privilege.duration-over-policy',
      'completeness.use-case-too-short',
      'completeness.justification-vague',
      'completeness.storage-location-missing',
      'completeness.storage-rotation-missing',
      'least-privilege.admin-scope-unexplained',
      'least-privilege.all-scopes',
      'least-privilege.production-for-testing',
      'api.deprecated',
      'duplicates.open-request',
    ]);
    expect(hasBlockers(result.findings)).toBe(true);
    expect(JSON.stringify(result)).not.toContain(fake.github);
  });
});

describe('assessmentDraftSchema', () => {
  it('accepts a half-filled form', () => {
    expect(
      assessmentDraftSchema.parse({
        apiRef: 'api:petstore',
        consumerRef: '',
        environment: '',
        useCase: 'Show',
        durationDays: null,
      }),
    ).toEqual({
      apiRef: 'api:default/petstore',
      scopes: [],
      useCase: 'Show',
    });
  });

  it.each([
    [{}, 'apiRef'],
    [{ apiRef: 'component:x' }, 'apiRef'],
    [{ apiRef: 'api:x', consumerRef: 'user:me' }, 'consumerRef'],
    [{ apiRef: 'api:x', durationDays: 'ten' }, 'durationDays'],
  ])('refuses %j', (body, field) => {
    const result = assessmentDraftSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.success ? [] : result.error.issues[0].path).toEqual([field]);
  });
});
