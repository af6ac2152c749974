/*
 * The module's two settings under apiAccess.catalogRelations, checked at
 * start-up so a bad value names its key instead of silently caching for ever.
 */
import { Config } from '@backstage/config';
import { parseReviewPolicy } from '@api-access/backstage-plugin-api-access-common';
import type { PlanCheckPolicy } from './ApiAccessPlansProcessor';

export const DEFAULT_CACHE_SECONDS = 30;
export const DEFAULT_MAX_STALE_SECONDS = 600;

export interface GrantRelationsConfig {
  cacheSeconds: number;
  maxStaleSeconds: number;
}

function readSeconds(
  config: Config,
  key: string,
  fallback: number,
  max: number,
): number {
  const path = `apiAccess.catalogRelations.${key}`;
  const value = config.getOptionalNumber(path) ?? fallback;
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new Error(
      `Invalid config at ${path}: ${value} must be a number of seconds from 0 to ${max} (default ${fallback})`,
    );
  }
  return value;
}

export function readGrantRelationsConfig(config: Config): GrantRelationsConfig {
  return {
    cacheSeconds: readSeconds(
      config,
      'cacheSeconds',
      DEFAULT_CACHE_SECONDS,
      3600,
    ),
    maxStaleSeconds: readSeconds(
      config,
      'maxStaleSeconds',
      DEFAULT_MAX_STALE_SECONDS,
      86400,
    ),
  };
}

/**
 * The platform's plan tiers (apiAccess.plans) and the environments an API
 * offers when it names none (apiAccess.environments), read and checked by
 * the same schema the api-access backend uses, so both see the same tiers
 * and the same defaults.
 */
export function readPlanCheckPolicy(config: Config): PlanCheckPolicy {
  try {
    const policy = parseReviewPolicy({
      plans: config.getOptional('apiAccess.plans'),
      environments: config.getOptional('apiAccess.environments'),
    });
    return { plans: policy.plans, environments: policy.environments };
  } catch (error) {
    // A zod error (the module does not depend on zod itself): name each key.
    const issues: Array<{ path: (string | number)[]; message: string }> = (
      error as any
    )?.issues;
    if (Array.isArray(issues)) {
      throw new Error(
        `Invalid config at ${issues
          .map(issue => `apiAccess.${issue.path.join('.')}: ${issue.message}`)
          .join('; ')}`,
      );
    }
    throw error;
  }
}
