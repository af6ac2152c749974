import { assessLeastPrivilege } from './leastPrivilege';
import { AssessmentDraft, AssessmentProfile } from './types';
import { context, goodDraft, profile } from './testData';

function run(draft: Partial<AssessmentDraft>, p: AssessmentProfile = profile) {
  return assessLeastPrivilege({ ...goodDraft, ...draft }, p, context);
}
const ids = (draft: Partial<AssessmentDraft>, p?: AssessmentProfile) =>
  run(draft, p).map(f => f.id);

describe('least privilege', () => {
  it('has nothing to say about a narrow draft', () => {
    expect(run({})).toEqual([]);
  });

  describe('write or admin scopes for a read-only use case', () => {
    it.each([
      ['a write scope', { scopes: ['pets:read', 'pets:write'] }, ['pets:read']],
      ['only a write scope', { scopes: ['pets:write'] }, ['pets:read']],
      [
        'an admin scope',
        {
          scopes: ['pets:read', 'pets:admin'],
          useCase: 'List pets on the team dashboard every morning.',
        },
        ['pets:read'],
      ],
    ])('flags %s, suggesting read scopes', (_name, change, suggested) => {
      const [finding] = run(change);
      expect(finding).toMatchObject({
        id: 'least-privilege.write-scope-for-read-use',
        severity: 'warning',
        field: 'scopes',
        suggestion: { field: 'scopes', value: suggested },
      });
    });

    it('has no suggestion when the API offers no read scope', () => {
      const [finding] = run(
        { scopes: ['orders:write'] },
        { ...profile, scopes: ['orders:write', 'orders:cancel'] },
      );
      expect(finding.id).toBe('least-privilege.write-scope-for-read-use');
      expect(finding.suggestion).toBeUndefined();
    });

    it.each([
      [
        'a use case that writes',
        {
          scopes: ['pets:read', 'pets:write'],
          useCase: 'Show pets and update their adoption status from the shop.',
        },
      ],
      [
        'a justification that writes',
        {
          scopes: ['pets:read', 'pets:write'],
          justification:
            'The shop must create pets when they arrive (SHOP-12).',
        },
      ],
      [
        'a use case that does not say',
        {
          scopes: ['pets:write'],
          useCase: 'Integrate the artist lookup with the pet store backend.',
        },
      ],
      ['read scopes only', { scopes: ['pets:read'] }],
    ])('accepts %s', (_name, change) => {
      expect(ids(change)).not.toContain(
        'least-privilege.write-scope-for-read-use',
      );
    });
  });

  describe('admin scope the use case does not explain', () => {
    const writer = 'Create and update pets from the shop back office.';
    it('flags it, suggesting the other scopes', () => {
      expect(
        run({ scopes: ['pets:write', 'pets:admin'], useCase: writer })[0],
      ).toMatchObject({
        id: 'least-privilege.admin-scope-unexplained',
        suggestion: { value: ['pets:write'] },
      });
    });
    it('accepts an admin use case', () => {
      expect(
        ids({
          scopes: ['pets:write', 'pets:admin'],
          useCase:
            'Administer pet store roles and permissions for the shop staff.',
        }),
      ).toEqual([]);
    });
  });

  describe('all scopes', () => {
    it('suggests nothing when no narrower set can be worked out', () => {
      const findings = run(
        {
          scopes: ['lights:on', 'lights:off', 'lights:dim'],
          useCase: 'Read light measurements for the energy dashboard.',
        },
        { ...profile, scopes: ['lights:on', 'lights:off', 'lights:dim'] },
      );
      expect(findings).toEqual([
        expect.objectContaining({ id: 'least-privilege.all-scopes' }),
      ]);
      expect(findings[0].suggestion).toBeUndefined();
    });

    it('flags every scope of an API with three or more', () => {
      const findings = run({
        scopes: ['pets:read', 'pets:write', 'pets:admin'],
        useCase: 'Create and update pets from the shop back office.',
      });
      expect(findings.map(f => f.id)).toEqual([
        'least-privilege.admin-scope-unexplained',
        'least-privilege.all-scopes',
      ]);
      expect(findings[1].suggestion?.value).toEqual([
        'pets:read',
        'pets:write',
      ]);
    });
    it('accepts both scopes of an API that offers two', () => {
      expect(
        ids(
          {
            scopes: ['pets:read', 'pets:write'],
            useCase: 'Create and update pets from the shop back office.',
          },
          { ...profile, scopes: ['pets:read', 'pets:write'] },
        ),
      ).toEqual([]);
    });
    it('accepts some of the scopes', () => {
      expect(
        ids({
          scopes: ['pets:read', 'pets:write'],
          useCase: 'Create and update pets from the shop back office.',
        }),
      ).toEqual([]);
    });
  });

  describe('production for a testing use case', () => {
    it.each([
      ['testing', 'Test the new pet search against real data.'],
      ['a proof of concept', 'A proof of concept of pet recommendations.'],
      ['trying it out', 'Try out the pet search for our team dashboard.'],
    ])('flags %s, suggesting staging', (_name, useCase) => {
      expect(run({ environment: 'production', useCase })).toContainEqual(
        expect.objectContaining({
          id: 'least-privilege.production-for-testing',
          field: 'environment',
          suggestion: expect.objectContaining({ value: 'staging' }),
        }),
      );
    });
    it('suggests what the API offers', () => {
      const [finding] = run(
        {
          environment: 'production',
          useCase: 'Load test the pet search page.',
        },
        { ...profile, environments: ['sandbox', 'production'] },
      );
      expect(finding.suggestion).toMatchObject({ value: 'sandbox' });
    });
    it.each([
      ['a production use case in production', { environment: 'production' }],
      [
        'a testing use case in development',
        { useCase: 'Test the new pet search against seeded data.' },
      ],
    ])('accepts %s', (_name, change) => {
      expect(ids(change)).toEqual([]);
    });
  });

  describe('duration', () => {
    it('blocks more than policy allows for the environment, suggesting the maximum', () => {
      expect(run({ environment: 'production', durationDays: 120 })).toEqual([
        expect.objectContaining({
          id: 'least-privilege.duration-over-policy',
          severity: 'blocker',
          suggestion: expect.objectContaining({ value: 90 }),
        }),
      ]);
    });
    it('blocks more than the global maximum', () => {
      expect(ids({ durationDays: 400 })).toEqual([
        'least-privilege.duration-over-policy',
      ]);
    });
    it.each([
      ['two weeks', 'Backfill pet photos for the next two weeks.', 30, 14],
      ['3 days', 'Show pets on the launch page for 3 days.', 30, 3],
      [
        'a one-off job',
        'A one-off export of pet names for the catalog.',
        60,
        7,
      ],
      ['a pilot', 'Show pets in a short pilot with ten artists.', 90, 30],
      ['this sprint', 'Show pets on the artist page this sprint.', 30, 14],
    ])(
      'warns when the use case needs %s, suggesting it',
      (_n, useCase, days, needed) => {
        expect(run({ useCase, durationDays: days })).toEqual([
          expect.objectContaining({
            id: 'least-privilege.duration-longer-than-needed',
            severity: 'warning',
            suggestion: expect.objectContaining({ value: needed }),
          }),
        ]);
      },
    );
    it.each([
      ['no period named', {}],
      [
        'the period asked for',
        {
          useCase: 'Show pets on the launch page for two weeks.',
          durationDays: 14,
        },
      ],
      ['exactly the maximum', { environment: 'production', durationDays: 90 }],
    ])('accepts %s', (_name, change) => {
      expect(ids(change)).toEqual([]);
    });
  });
});
