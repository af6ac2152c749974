import { Entity } from '@backstage/catalog-model';
import {
  compareClassification,
  DEFAULT_CLASSIFICATION_LEVELS,
  resolveClassification,
} from './classification';

const policy = {
  levels: DEFAULT_CLASSIFICATION_LEVELS,
  defaultLevel: 'internal',
};

function entity(kind: string, name: string, level?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      labels: level ? { 'api-access/data-classification': level } : {},
    },
  };
}

describe('resolveClassification', () => {
  it.each([
    [
      'the API label',
      [entity('API', 'a', 'restricted'), entity('System', 's', 'public')],
      'restricted',
      'api:default/a',
    ],
    [
      'the System when the API has none',
      [
        entity('API', 'a'),
        entity('System', 's', 'confidential'),
        entity('Domain', 'd', 'public'),
      ],
      'confidential',
      'system:default/s',
    ],
    [
      'the Domain when API and System have none',
      [
        entity('API', 'a'),
        entity('System', 's'),
        entity('Domain', 'd', 'public'),
      ],
      'public',
      'domain:default/d',
    ],
    [
      'the default when nothing is labelled',
      [entity('API', 'a'), undefined, undefined],
      'internal',
      'default',
    ],
    [
      'the next entity when a label names an unknown level',
      [entity('API', 'a', 'secret'), entity('System', 's', 'restricted')],
      'restricted',
      'system:default/s',
    ],
  ])('takes %s', (_name, chain, level, source) => {
    expect(resolveClassification(chain, policy)).toEqual({ level, source });
  });
});

describe('compareClassification', () => {
  it('orders levels by sensitivity and ranks unknown levels highest', () => {
    const levels = DEFAULT_CLASSIFICATION_LEVELS;
    expect(compareClassification('public', 'restricted', levels)).toBeLessThan(
      0,
    );
    expect(
      compareClassification('confidential', 'internal', levels),
    ).toBeGreaterThan(0);
    expect(compareClassification('internal', 'internal', levels)).toBe(0);
    expect(
      compareClassification('bogus', 'restricted', levels),
    ).toBeGreaterThan(0);
  });
});
