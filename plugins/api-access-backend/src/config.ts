/*
 * Reads and checks the apiAccess section of app-config. A bad value stops the
 * backend at start-up with a message naming the key, not at the first request.
 */
import { Config } from '@backstage/config';
import {
  ClassificationPolicy,
  DEFAULT_CLASSIFICATION,
  DEFAULT_CLASSIFICATION_LEVELS,
} from '@internal/plugin-api-access-common';

export interface ApiAccessConfig {
  classification: ClassificationPolicy;
  environments: string[];
  maxDurationDays: number;
}

export const DEFAULT_ENVIRONMENTS = [
  'sandbox',
  'development',
  'staging',
  'production',
];
export const DEFAULT_MAX_DURATION_DAYS = 365;

export function readApiAccessConfig(root: Config): ApiAccessConfig {
  const config = root.getOptionalConfig('apiAccess');
  const levels = config?.getOptionalStringArray('classification.levels') ?? [
    ...DEFAULT_CLASSIFICATION_LEVELS,
  ];
  if (levels.length === 0 || new Set(levels).size !== levels.length) {
    throw new Error(
      'Invalid config at apiAccess.classification.levels: list at least one level, each once',
    );
  }
  const defaultLevel =
    config?.getOptionalString('classification.default') ??
    (levels.includes(DEFAULT_CLASSIFICATION)
      ? DEFAULT_CLASSIFICATION
      : levels[0]);
  if (!levels.includes(defaultLevel)) {
    throw new Error(
      `Invalid config at apiAccess.classification.default: '${defaultLevel}' is not one of apiAccess.classification.levels (${levels.join(
        ', ',
      )})`,
    );
  }
  const environments =
    config?.getOptionalStringArray('environments') ?? DEFAULT_ENVIRONMENTS;
  if (environments.length === 0) {
    throw new Error(
      'Invalid config at apiAccess.environments: list at least one environment',
    );
  }
  const maxDurationDays =
    config?.getOptionalNumber('maxDurationDays') ?? DEFAULT_MAX_DURATION_DAYS;
  if (!Number.isInteger(maxDurationDays) || maxDurationDays < 1) {
    throw new Error(
      `Invalid config at apiAccess.maxDurationDays: expected a whole number of days of at least 1, got ${maxDurationDays}`,
    );
  }
  return {
    classification: { levels, defaultLevel },
    environments,
    maxDurationDays,
  };
}
