import { Entity } from '@backstage/catalog-model';
import {
  ApiAccessPlansProcessor,
  planFactsOf,
} from './ApiAccessPlansProcessor';

const location = {
  type: 'url',
  target: 'https://example.com/catalog-info.yaml',
};

const processor = new ApiAccessPlansProcessor({
  environments: ['sandbox', 'production'],
  plans: [
    {
      name: 'starter',
      title: 'Starter',
      scopes: 'read',
      rateLimit: { requests: 5, perSeconds: 1 },
      maxDurationDays: 90,
      approval: 'policy',
    },
  ],
});

function api(annotations: Record<string, string>, kind = 'API'): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name: 'pets', annotations },
    spec: { type: 'openapi', lifecycle: 'production', owner: 'team-c' },
  };
}

async function errorsOf(entity: Entity) {
  const results: any[] = [];
  const out = await processor.postProcessEntity(entity, location, r =>
    results.push(r),
  );
  expect(out).toBe(entity);
  return results.map(r => {
    expect(r).toMatchObject({ type: 'error', location });
    return `${r.error.name}: ${r.error.message}`;
  });
}

describe('ApiAccessPlansProcessor', () => {
  it('accepts a good declaration', async () => {
    expect(
      await errorsOf(
        api({
          'api-access/scopes': 'pets:read, pets:write',
          'api-access/plans': 'starter',
        }),
      ),
    ).toEqual([]);
  });

  it('names each problem as an input error at the entity location', async () => {
    expect(
      await errorsOf(
        api({
          'api-access/scopes': 'pets:write',
          'api-access/plans': 'starter, gold',
        }),
      ),
    ).toEqual([
      "InputError: Annotation api-access/plans, plan 1 ('starter'): the plan grants no scope of this API (scopes 'read' matched none of pets:write)",
      "InputError: Annotation api-access/plans, plan 2: 'gold' is not a plan the platform defines (apiAccess.plans has 'starter')",
    ]);
    expect(
      await errorsOf(api({ 'api-access/plans': '- name: [unclosed' })),
    ).toEqual([
      expect.stringMatching(
        /^InputError: Annotation api-access\/plans is not valid YAML/,
      ),
    ]);
  });

  it('leaves alone APIs without the annotation, APIs that opt out, and other kinds', async () => {
    expect(await errorsOf(api({}))).toEqual([]);
    expect(
      await errorsOf(
        api({ 'api-access/enabled': 'false', 'api-access/plans': 'gold' }),
      ),
    ).toEqual([]);
    expect(
      await errorsOf(api({ 'api-access/plans': 'gold' }, 'Component')),
    ).toEqual([]);
  });

  it('reads scopes and environments as the profile does: annotations first, else the definition and the platform', () => {
    const entity = api({});
    entity.spec!.definition =
      'openapi: 3.0.0\ncomponents: { securitySchemes: { o: { type: oauth2, flows: { implicit: { scopes: { a: x, b: y } } } } } }';
    expect(planFactsOf(entity, ['sandbox'])).toEqual({
      scopes: ['a', 'b'],
      environments: ['sandbox'],
    });
    expect(
      planFactsOf(
        api({
          'api-access/scopes': 'c',
          'api-access/environments': 'production',
        }),
        ['sandbox'],
      ),
    ).toEqual({ scopes: ['c'], environments: ['production'] });
  });
});
