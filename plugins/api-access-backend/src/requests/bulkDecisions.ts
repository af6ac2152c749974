/*
 * Bulk decisions: one decision and comment over many requests, each decided
 * on its own by the single decision's code path, so every rule (permission,
 * conflict of interest, one decision per person, quorum, stage order) applies
 * unchanged and one refusal does not stop the rest.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AccessRequestStatus,
  excerpt,
} from '@api-access/backstage-plugin-api-access-common';

/** How many requests of one bulk decision are decided at the same time. */
export const BULK_DECISION_CONCURRENCY = 4;

export interface BulkItemResult {
  id: string;
  /** The status a single decision would have answered: 201, or 4xx/500. */
  status: number;
  requestStatus?: AccessRequestStatus;
  grantId?: string;
  error?: { name: string; message: string };
}

const STATUS_OF_ERROR: Record<string, number> = {
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
};

/**
 * What one item's failure looks like in the answer: the status and message a
 * single decision would have given. An unexpected error is logged and
 * answered as 500 without its message (which may carry internals).
 */
export function itemFailure(
  id: string,
  error: unknown,
  logger?: LoggerService,
): BulkItemResult {
  const name = error instanceof Error ? error.name : 'Error';
  const status = STATUS_OF_ERROR[name];
  if (status) {
    return {
      id,
      status,
      error: { name, message: excerpt((error as Error).message, 500) },
    };
  }
  logger?.error(`Bulk decision on request '${excerpt(id)}' failed`, {
    error: excerpt(String(error), 500),
  });
  return {
    id,
    status: 500,
    error: { name: 'Error', message: 'The decision failed; try it again' },
  };
}

/** Runs `work` over `items`, at most `concurrency` at a time, answers in input order. */
export async function mapInOrder<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, worker),
  );
  return results;
}
