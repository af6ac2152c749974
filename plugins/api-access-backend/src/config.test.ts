import { ConfigReader } from '@backstage/config';
import { readApiAccessConfig } from './config';

describe('readApiAccessConfig', () => {
  it('fills every default when apiAccess is absent', () => {
    const config = readApiAccessConfig(new ConfigReader({}));
    expect(config.classification).toEqual({
      levels: ['public', 'internal', 'confidential', 'restricted'],
      default: 'internal',
    });
    expect(config.environments).toEqual([
      'sandbox',
      'development',
      'staging',
      'production',
    ]);
    expect(config.maxDurationDays).toBe(365);
    expect(config.routing.map(rule => rule.name)).toEqual([
      'production-environment',
      'confidential-data',
      'restricted-data',
      'regulated-data',
      'external-consumer',
    ]);
    expect(Object.keys(config.reviewSteps)).toEqual([
      'security',
      'compliance',
      'legal',
    ]);
  });

  it.each([
    [
      { classification: { levels: ['low', 'high'], default: 'medium' } },
      "Invalid config at apiAccess.classification.default: 'medium' is not one of classification.levels (low, high)",
    ],
    [{ maxDurationDays: -1 }, 'apiAccess.maxDurationDays'],
    [
      {
        routing: [
          {
            name: 'prod',
            when: { environments: ['production'] },
            addSteps: ['sec'],
          },
        ],
      },
      "apiAccess.routing.0.addSteps.0: 'sec' is not a step in reviewSteps",
    ],
  ])('stops start-up on %j, naming the key', (apiAccess, message) => {
    expect(() => readApiAccessConfig(new ConfigReader({ apiAccess }))).toThrow(
      message,
    );
  });
});

describe('apiAccess.admins', () => {
  it('stops the backend: administrators come from the permission policy', () => {
    expect(() =>
      readApiAccessConfig(
        new ConfigReader({
          apiAccess: { admins: ['group:default/platform'] },
        }),
      ),
    ).toThrow(
      /apiAccess\.admins is no longer read.*grant api-access\.admin in your policy/,
    );
  });

  it('keeps notification recipients under their own name', () => {
    const config = readApiAccessConfig(
      new ConfigReader({
        apiAccess: { alertRecipients: ['group:default/platform'] },
      }),
    );
    expect(config.alertRecipients).toEqual(['group:default/platform']);
  });
});
