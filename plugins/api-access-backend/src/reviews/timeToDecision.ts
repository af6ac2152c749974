/*
 * Time to decision: how long steps waited, from opening to decision, as p50
 * and p90 in hours per API, per stage, and per API and stage. Computed in
 * memory over the period's decided steps (at most MAX_DECIDED_STEPS, the most
 * recent; `truncated` says when more were decided), because SQLite has no
 * percentile function and the same code then serves both databases.
 */
import {
  DecisionTimeStats,
  TimeToDecisionReport,
} from '@api-access/backstage-plugin-api-access-common';
import { InputError } from '@backstage/errors';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { RequestFilter } from '../permissions/rules';
import { DecidedStep, ReviewStepStore } from './ReviewStepStore';

export const MAX_DECIDED_STEPS = 50_000;
export const DEFAULT_PERIOD_DAYS = 90;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The p-th percentile (0-1) of sorted values, interpolating linearly between
 * the two nearest ranks, as PostgreSQL's percentile_cont does.
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function statsOf(hours: number[]): DecisionTimeStats {
  const sorted = [...hours].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Hours: round2(percentile(sorted, 0.5)),
    p90Hours: round2(percentile(sorted, 0.9)),
  };
}

function grouped<K extends string>(
  steps: Array<DecidedStep & { hours: number }>,
  key: (step: DecidedStep) => Record<K, string>,
): Array<DecisionTimeStats & Record<K, string>> {
  const groups = new Map<string, { key: Record<K, string>; hours: number[] }>();
  for (const step of steps) {
    const k = key(step);
    const id = JSON.stringify(k);
    const group = groups.get(id) ?? { key: k, hours: [] };
    group.hours.push(step.hours);
    groups.set(id, group);
  }
  return Array.from(groups.values()).map(group => ({
    ...group.key,
    ...statsOf(group.hours),
  }));
}

/** Builds the report from decided steps (already limited to the period). */
export function buildReport(
  decided: DecidedStep[],
  period: { from: Date; to: Date; apiRef?: string; truncated: boolean },
): TimeToDecisionReport {
  const steps = decided.map(step => ({
    ...step,
    hours: Math.max(
      0,
      (step.decidedAt.getTime() - step.openedAt.getTime()) / HOUR_MS,
    ),
  }));
  const byName = <T extends { apiRef?: string; stage?: string }>(rows: T[]) =>
    rows.sort(
      (a, b) =>
        (a.apiRef ?? '').localeCompare(b.apiRef ?? '') ||
        (a.stage ?? '').localeCompare(b.stage ?? ''),
    );
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    ...(period.apiRef ? { apiRef: period.apiRef } : {}),
    overall: statsOf(steps.map(s => s.hours)),
    byApi: byName(grouped(steps, s => ({ apiRef: s.apiRef }))),
    byApiAndStage: byName(
      grouped(steps, s => ({ apiRef: s.apiRef, stage: s.stage })),
    ),
    byStage: byName(grouped(steps, s => ({ stage: s.stage }))),
    truncated: period.truncated,
  };
}

export class TimeToDecisionService {
  constructor(
    private readonly steps: ReviewStepStore,
    private readonly clock: () => Date,
  ) {}

  /** The report for [from, to); by default the last 90 days. */
  async report(
    query: { from?: Date; to?: Date; apiRef?: string },
    permissionFilter?: PermissionCriteria<RequestFilter>,
  ): Promise<TimeToDecisionReport> {
    const to = query.to ?? this.clock();
    const from =
      query.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
    if (from >= to) {
      throw new InputError(
        `from (${from.toISOString()}) must be before to (${to.toISOString()})`,
      );
    }
    const decided = await this.steps.decidedSteps(this.steps.db, {
      from,
      to,
      apiRef: query.apiRef,
      permissionFilter,
      limit: MAX_DECIDED_STEPS + 1,
    });
    const truncated = decided.length > MAX_DECIDED_STEPS;
    return buildReport(decided.slice(0, MAX_DECIDED_STEPS), {
      from,
      to,
      apiRef: query.apiRef,
      truncated,
    });
  }
}
