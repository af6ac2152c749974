/*
 * Data classification: ordered levels and the API -> System -> Domain -> default
 * inheritance the catalog drives. Pure, so the backend and the form agree.
 */
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { API_ACCESS_CLASSIFICATION_LABEL } from './catalogKeys';

export const DEFAULT_CLASSIFICATION_LEVELS: readonly string[] = [
  'public',
  'internal',
  'confidential',
  'restricted',
];
export const DEFAULT_CLASSIFICATION = 'internal';

export interface ClassificationPolicy {
  /** Levels from least to most sensitive. */
  levels: readonly string[];
  /** Level used when neither the API nor its System or Domain carries a label. */
  defaultLevel: string;
}

export interface ResolvedClassification {
  level: string;
  /** Entity ref the level came from, or `default`. */
  source: string;
}

/**
 * Walks the API, then its System, then the System's Domain, and returns the
 * first valid label. A label with an unknown level is skipped rather than
 * trusted, so a typo never lowers the sensitivity below the default chain.
 */
export function resolveClassification(
  chain: Array<Entity | undefined>,
  policy: ClassificationPolicy,
): ResolvedClassification {
  for (const entity of chain) {
    const level = entity?.metadata.labels?.[API_ACCESS_CLASSIFICATION_LABEL];
    if (entity && level && policy.levels.includes(level)) {
      return { level, source: stringifyEntityRef(entity) };
    }
  }
  return { level: policy.defaultLevel, source: 'default' };
}

/** Compares two levels by sensitivity; unknown levels count as the most sensitive. */
export function compareClassification(
  a: string,
  b: string,
  levels: readonly string[],
): number {
  const rank = (level: string) => {
    const index = levels.indexOf(level);
    return index === -1 ? levels.length : index;
  };
  return rank(a) - rank(b);
}
