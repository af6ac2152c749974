/*
 * The module's two settings under apiAccess.catalogRelations, checked at
 * start-up so a bad value names its key instead of silently caching for ever.
 */
import { Config } from '@backstage/config';

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
