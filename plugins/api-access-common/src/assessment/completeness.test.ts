import { assessCompleteness } from './completeness';
import { AssessmentDraft } from './types';
import { goodDraft, profile } from './testData';

const ids = (draft: Partial<AssessmentDraft>, p = profile) =>
  assessCompleteness({ ...goodDraft, ...draft }, p).map(
    f => `${f.id}@${f.field}:${f.severity}`,
  );

describe('completeness', () => {
  it('has nothing to say about a complete draft', () => {
    expect(ids({})).toEqual([]);
  });

  describe('missing fields are blockers', () => {
    it.each([
      ['consumerRef', { consumerRef: undefined }],
      ['environment', { environment: '  ' }],
      ['scopes', { scopes: [] }],
      ['useCase', { useCase: undefined }],
      ['justification', { justification: '' }],
      ['credentialStorage', { credentialStorage: undefined }],
      ['durationDays', { durationDays: undefined }],
      ['durationDays', { durationDays: 0 }],
    ])('%s', (field, change) => {
      expect(ids(change)).toEqual([
        `completeness.missing-field@${field}:blocker`,
      ]);
    });

    it('does not ask for scopes when the API declares none', () => {
      expect(ids({ scopes: [] }, { ...profile, scopes: [] })).toEqual([]);
    });
  });

  describe('use case shorter than a sentence', () => {
    it.each([['Read pets.'], ['pets'], ['Show pet names please']])(
      'flags %p',
      useCase => {
        expect(ids({ useCase })).toEqual([
          'completeness.use-case-too-short@useCase:warning',
        ]);
      },
    );
    it.each([
      ['Read pets for the dashboard.'],
      ["Show the artist's pets on the artist lookup page."],
    ])('accepts %p', useCase => {
      expect(ids({ useCase })).toEqual([]);
    });
  });

  describe('vague justification', () => {
    it.each([
      ['need access'],
      ['We need access ASAP!'],
      ['Access please'],
      ['n/a'],
      ['business need'],
      ['Spring release.'],
      ['required'],
      [goodDraft.useCase!],
    ])('flags %p', justification => {
      expect(ids({ justification })).toEqual([
        'completeness.justification-vague@justification:warning',
      ]);
    });
    it.each([
      ['Requested by product for the spring release.'],
      ['Needed for the Q3 partner launch, ticket PAY-77.'],
      ['We need access to ship the lookup page by March.'],
    ])('accepts %p', justification => {
      expect(ids({ justification })).toEqual([]);
    });
  });

  describe('credential storage plan', () => {
    it.each([
      [
        'no place',
        'Rotated every 90 days by the platform team',
        ['completeness.storage-location-missing@credentialStorage:warning'],
      ],
      [
        'no rotation',
        'Vault kv/artist-lookup',
        ['completeness.storage-rotation-missing@credentialStorage:warning'],
      ],
      [
        'neither',
        'somewhere safe',
        [
          'completeness.storage-location-missing@credentialStorage:warning',
          'completeness.storage-rotation-missing@credentialStorage:warning',
        ],
      ],
      [
        'a forbidden place',
        'In the repo config, rotated monthly via secrets sync',
        ['completeness.storage-unsafe@credentialStorage:warning'],
      ],
      [
        'hard-coded',
        'Hardcoded in the service, in Vault too, renewed yearly',
        ['completeness.storage-unsafe@credentialStorage:warning'],
      ],
    ])('flags %s', (_name, credentialStorage, expected) => {
      expect(ids({ credentialStorage })).toEqual(expected);
    });

    it.each([
      ['Vault, rotated monthly'],
      ['AWS Secrets Manager, rotation lambda every 30 days'],
      ['Kubernetes secret from sealed-secrets; key re-issued quarterly'],
      ['Vault kv/app, never in code or chat, rotated by the pipeline'],
      ['Injected as an environment variable from 1Password, renewed on expiry'],
    ])('accepts %p', credentialStorage => {
      expect(ids({ credentialStorage })).toEqual([]);
    });
  });
});
