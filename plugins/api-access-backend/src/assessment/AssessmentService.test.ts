import { mockServices } from '@backstage/backend-test-utils';
import {
  ApiAccessProfile,
  parseReviewPolicy,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessAssessor } from '@api-access/backstage-plugin-api-access-node';
import { AssessmentBlockedError, AssessmentService } from './AssessmentService';
import { AssessmentStore } from './AssessmentStore';

const profile: ApiAccessProfile = {
  apiRef: 'api:default/pets',
  title: 'pets',
  description: 'Pets',
  ownerRef: 'group:default/team-c',
  classification: { level: 'internal', source: 'default' },
  scopes: ['pets:read', 'pets:write'],
  scopesSource: 'annotation',
  environments: ['sandbox', 'staging', 'production'],
  lifecycle: 'production',
  regulated: false,
  plans: [],
};

const draft = {
  apiRef: 'api:default/pets',
  consumerRef: 'component:default/team-a-service',
  environment: 'sandbox',
  scopes: ['pets:read', 'pets:write'],
  useCase: 'Show pets and update their adoption status from the shop.',
  justification: 'Requested by product for the spring release.',
  credentialStorage: 'Vault kv/team-a-service, rotated monthly',
  durationDays: 30,
};

const caller = {
  userEntityRef: 'user:default/requester',
  ownershipEntityRefs: ['user:default/requester', 'group:default/team-a'],
  credentials: {} as any,
};

const store = {
  activeGrants: async () => [],
  openRequests: async () => [],
} as unknown as AssessmentStore;

function service(assessors: ApiAccessAssessor[]) {
  return new AssessmentService({
    store,
    catalog: {} as any,
    profiles: {} as any,
    policy: parseReviewPolicy({}),
    logger: mockServices.logger.mock(),
    assessors,
  });
}

const submit = (s: AssessmentService) =>
  s.assessSubmission({ draft, profile, consumerKind: 'internal', caller });

const returning = (
  id: string,
  findings: any[],
  extra: Partial<ApiAccessAssessor> = {},
): ApiAccessAssessor => ({ id, assess: async () => findings, ...extra });

describe('AssessmentService', () => {
  it.each([['secrets'], ['least-privilege'], ['Bad Id'], ['']])(
    'refuses an assessor id %p',
    id => {
      expect(() => service([returning(id, [])])).toThrow(
        /api-access assessor id/,
      );
    },
  );

  it('refuses two assessors with one id', () => {
    expect(() => service([returning('a', []), returning('a', [])])).toThrow(
      "api-access assessor id 'a' is already taken",
    );
  });

  const blocker = {
    id: 'scan.found',
    severity: 'blocker',
    field: 'useCase',
    message: 'Found something.',
  };

  it('downgrades a module blocker to a warning', async () => {
    const result = await submit(service([returning('scan', [blocker])]));
    expect(result.findings).toEqual([
      { ...blocker, severity: 'warning', assessor: 'scan' },
    ]);
  });

  it('lets an assessor that declares mayBlock stop the submission', async () => {
    await expect(
      submit(service([returning('scan', [blocker], { mayBlock: true })])),
    ).rejects.toThrow(AssessmentBlockedError);
  });

  it.each([
    [
      'fewer scopes',
      { field: 'scopes', value: ['pets:read'], label: 'Read only' },
      true,
    ],
    [
      'the same scopes',
      { field: 'scopes', value: ['pets:read', 'pets:write'], label: 'x' },
      false,
    ],
    [
      'other scopes',
      { field: 'scopes', value: ['pets:admin'], label: 'x' },
      false,
    ],
    ['no scopes', { field: 'scopes', value: [], label: 'x' }, false],
    ['fewer days', { field: 'durationDays', value: 7, label: 'A week' }, true],
    ['more days', { field: 'durationDays', value: 90, label: 'x' }, false],
    [
      'staging',
      { field: 'environment', value: 'staging', label: 'Staging' },
      true,
    ],
    [
      'production',
      { field: 'environment', value: 'production', label: 'x' },
      false,
    ],
    [
      'an environment not offered',
      { field: 'environment', value: 'dev', label: 'x' },
      false,
    ],
    ['a malformed one', { field: 'owner', value: 'me', label: 'x' }, false],
  ])('keeps a suggestion of %s: %p', async (_name, suggestion, kept) => {
    const result = await submit(
      service([
        returning('advice', [
          {
            id: 'advice.x',
            severity: 'info',
            field: 'request',
            message: 'Hm.',
            suggestion,
          },
        ]),
      ]),
    );
    expect(result.findings[0].suggestion).toEqual(
      kept ? suggestion : undefined,
    );
  });

  it('drops a module finding whose message holds a secret', async () => {
    const secret = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
    const result = await submit(
      service([
        returning('echo', [
          {
            id: 'echo.x',
            severity: 'info',
            field: 'request',
            message: `Key ${secret}`,
          },
        ]),
      ]),
    );
    expect(result.findings).toEqual([]);
  });

  it('caps the findings of one module', async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      id: `many.f${i}`,
      severity: 'info',
      field: 'request',
      message: `Finding ${i}.`,
    }));
    const result = await submit(service([returning('many', many)]));
    expect(result.findings).toHaveLength(20);
  });

  it('names blockers without repeating the text they are about', () => {
    const secret = ['gh', 'p_', 'Zq9Xw2Lm7Rt4'.repeat(3)].join('');
    const s = service([]);
    let error: any;
    try {
      s.refuseSecrets({ ...draft, useCase: `use ${secret}` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssessmentBlockedError);
    expect(error.message).toBe(
      'The request assistant found a problem to fix before submitting: useCase: The use case contains what looks like a GitHub token. Remove it: never paste a credential into a request. If it is real, rotate it now, because it has been shared.',
    );
    expect(JSON.stringify(error.findings)).not.toContain(secret);
  });
});
