import { assessDuplicates } from './duplicates';
import { AssessmentContext, AssessmentDraft, ExistingAccess } from './types';
import { context, goodDraft, profile } from './testData';

const grant: ExistingAccess = {
  id: 'g1',
  apiRef: goodDraft.apiRef,
  consumerRef: goodDraft.consumerRef!,
  environment: goodDraft.environment!,
  status: 'active',
  requesterRef: 'user:default/someone',
  scopes: ['pets:read'],
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-12-31T00:00:00.000Z',
};
const open: ExistingAccess = {
  ...grant,
  id: 'r1',
  status: 'in_review',
  expiresAt: undefined,
  requesterRef: context.requesterRef!,
};

function run(
  change: Partial<AssessmentContext>,
  draft: Partial<AssessmentDraft> = {},
) {
  return assessDuplicates({ ...goodDraft, ...draft }, profile, {
    ...context,
    ...change,
  });
}

describe('duplicates', () => {
  it('flags an active grant for the same API, consumer and environment', () => {
    const [finding] = run({ activeGrants: [grant] });
    expect(finding).toMatchObject({
      id: 'duplicates.active-grant',
      severity: 'warning',
      field: 'request',
    });
    expect(finding.message).toContain('covering every scope you ask for');
  });

  it('says which scopes the grant has when the draft asks for more', () => {
    const [finding] = run(
      { activeGrants: [grant] },
      { scopes: ['pets:read', 'pets:write'] },
    );
    expect(finding.message).toContain('(scopes: pets:read)');
  });

  it.each([
    ['another environment', { environment: 'production' }],
    ['another consumer', { consumerRef: 'component:default/other' }],
    ['another API', { apiRef: 'api:default/other' }],
    ['a revoked grant', { status: 'revoked' }],
  ])('ignores a grant for %s', (_name, change) => {
    expect(run({ activeGrants: [{ ...grant, ...change }] })).toEqual([]);
  });

  it.each([['in_review'], ['changes_requested']])(
    'flags an open request (%s)',
    status => {
      const [finding] = run({ openRequests: [{ ...open, status }] });
      expect(finding).toMatchObject({ id: 'duplicates.open-request' });
      expect(finding.message).toContain('You already have');
      expect(finding.message).toContain('id r1');
    },
  );

  it("names a teammate's open request without its id", () => {
    const [finding] = run({
      openRequests: [{ ...open, requesterRef: 'user:default/teammate' }],
    });
    expect(finding.message).toContain('user:default/teammate already has');
    expect(finding.message).not.toContain('r1');
  });

  it.each([
    ['the request being resubmitted', {}, { requestId: 'r1' }],
    ['a decided request', { status: 'approved' }, {}],
    ['another environment', { environment: 'staging' }, {}],
  ])('ignores %s', (_name, change, ctx) => {
    expect(run({ openRequests: [{ ...open, ...change }], ...ctx })).toEqual([]);
  });

  it('says nothing before consumer and environment are chosen', () => {
    expect(run({ activeGrants: [grant] }, { environment: undefined })).toEqual(
      [],
    );
  });
});
