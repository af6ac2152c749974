import { Entity } from '@backstage/catalog-model';
import { ApiAccessGrantsProcessor } from './ApiAccessGrantsProcessor';

const location = {
  type: 'url',
  target: 'https://example.com/catalog-info.yaml',
};

function entity(kind: string, name: string, spec: object = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace: 'default' },
    spec,
  };
}

async function emitted(processor: ApiAccessGrantsProcessor, e: Entity) {
  const results: any[] = [];
  const out = await processor.postProcessEntity(e, location, r =>
    results.push(r),
  );
  expect(out).toBe(e);
  return results;
}

describe('ApiAccessGrantsProcessor', () => {
  const apisOf = jest.fn(
    async (ref: string) =>
      ({
        'component:default/shop': [
          'api:default/pets',
          'api:team-x/orders',
          'component:default/not-an-api',
          'not a ref:::',
        ],
        'group:default/northwind': ['api:default/pets'],
      }[ref] ?? []),
  );
  const processor = new ApiAccessGrantsProcessor({ apisOf });

  it('emits consumesApi and apiConsumedBy for each API a Component holds an active grant to', async () => {
    const results = await emitted(
      processor,
      entity('Component', 'shop', { consumesApis: ['api:default/weather'] }),
    );
    const shop = { kind: 'Component', namespace: 'default', name: 'shop' };
    const pets = { kind: 'api', namespace: 'default', name: 'pets' };
    const orders = { kind: 'api', namespace: 'team-x', name: 'orders' };
    expect(results).toEqual([
      {
        type: 'relation',
        relation: { source: shop, type: 'consumesApi', target: pets },
      },
      {
        type: 'relation',
        relation: { source: pets, type: 'apiConsumedBy', target: shop },
      },
      {
        type: 'relation',
        relation: { source: shop, type: 'consumesApi', target: orders },
      },
      {
        type: 'relation',
        relation: { source: orders, type: 'apiConsumedBy', target: shop },
      },
    ]);
  });

  it('does the same for a partner or vendor Group', async () => {
    const results = await emitted(processor, entity('Group', 'northwind'));
    expect(results.map(r => r.relation.type)).toEqual([
      'consumesApi',
      'apiConsumedBy',
    ]);
  });

  it('leaves every other kind alone without asking', async () => {
    apisOf.mockClear();
    for (const kind of ['API', 'User', 'System', 'Resource', 'Location']) {
      expect(await emitted(processor, entity(kind, 'shop'))).toEqual([]);
    }
    expect(apisOf).not.toHaveBeenCalled();
  });
});
