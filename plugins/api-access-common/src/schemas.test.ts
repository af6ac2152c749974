import {
  createAccessRequestSchema,
  decisionSchema,
  describeZodError,
  listGrantsQuerySchema,
} from './schemas';

const valid = {
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  environment: 'development',
  scopes: ['read:pets', 'read:pets'],
  useCase: 'Show pet names on the artist page.',
  justification: 'Product asked for it in the Q3 roadmap.',
  credentialStorage: 'Vault path kv/artist-lookup, rotated every 30 days',
  durationDays: 90,
};

function errorOf(schema: { safeParse(v: unknown): any }, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) {
    throw new Error('expected a validation error');
  }
  return describeZodError(result.error);
}

describe('createAccessRequestSchema', () => {
  it('accepts a full request, normalises refs and de-duplicates scopes', () => {
    const parsed = createAccessRequestSchema.parse({
      ...valid,
      apiRef: 'API:default/petstore',
    });
    expect(parsed.apiRef).toBe('api:default/petstore');
    expect(parsed.scopes).toEqual(['read:pets']);
    expect(parsed.credentialType).toBe('api-key');
  });

  it.each([
    [
      { apiRef: 'component:default/petstore' },
      "apiRef must refer to an entity of kind api, got kind 'component'",
    ],
    [{ apiRef: '' }, 'apiRef is required'],
    [
      { consumerRef: 'user:default/jdoe' },
      'consumerRef must refer to an entity of kind component or group',
    ],
    [{ durationDays: 0 }, 'durationDays must be at least 1 day'],
    [{ durationDays: '30' }, 'durationDays must be a number of days'],
    [{ durationDays: 1.5 }, 'durationDays must be a whole number of days'],
    [{ useCase: '   ' }, 'useCase is required'],
    [{ scopes: [''] }, 'scopes.0 must not be empty'],
    [{ justification: undefined }, 'justification is required'],
  ])('rejects %j naming the field', (patch, message) => {
    expect(
      errorOf(createAccessRequestSchema, { ...valid, ...patch }),
    ).toContain(message);
  });
});

describe('decisionSchema', () => {
  it('requires a comment to reject', () => {
    expect(errorOf(decisionSchema, { decision: 'reject' })).toBe(
      "comment is required when the decision is 'reject'",
    );
    expect(decisionSchema.parse({ decision: 'approve' })).toEqual({
      decision: 'approve',
    });
  });

  it('names the allowed decisions', () => {
    expect(errorOf(decisionSchema, { decision: 'maybe' })).toContain(
      "decision must be one of 'approve'",
    );
  });
});

describe('listGrantsQuerySchema', () => {
  it('needs a consumer or an API', () => {
    expect(errorOf(listGrantsQuerySchema, {})).toBe(
      'consumerRef, apiRef, ownerRef or requesterRef is required',
    );
  });
});
