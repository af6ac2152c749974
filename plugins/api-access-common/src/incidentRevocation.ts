/*
 * Incident revocation: ending every active grant of an API, a consumer or a
 * requester in one action (POST /grants/revoke), and the batch's progress
 * until every provisioner has confirmed (GET /grants/revocations/:batchId).
 * The body's schema and the answers' types, shared by backend and frontend.
 */
import { z } from 'zod';
import { entityRefOfKind, revokeGrantSchema } from './schemas';

/**
 * The most grants one incident revocation ends. A larger selection is
 * refused with a 400 that says to narrow it (one API, one consumer), so a
 * request never runs for minutes, and a typo never ends a whole estate.
 */
export const MAX_INCIDENT_REVOCATION_GRANTS = 1000;

/** Body of POST /grants/revoke: exactly one selector, a reason, optionally a dry run. */
export const incidentRevocationSchema = z
  .object({
    apiRef: entityRefOfKind('api').optional(),
    consumerRef: entityRefOfKind('component', 'group').optional(),
    requesterRef: entityRefOfKind('user').optional(),
    /** Bounded like the single revocation's reason (3-2000 characters). */
    reason: revokeGrantSchema.shape.reason,
    dryRun: z
      .boolean({ invalid_type_error: 'must be true or false' })
      .optional()
      .default(false),
  })
  .superRefine((value, ctx) => {
    const given = [value.apiRef, value.consumerRef, value.requesterRef].filter(
      Boolean,
    ).length;
    if (given !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          given === 0
            ? 'one of apiRef, consumerRef or requesterRef is required'
            : 'give exactly one of apiRef, consumerRef or requesterRef',
      });
    }
  });
export type IncidentRevocationInput = z.input<typeof incidentRevocationSchema>;

/** What an incident revocation ends: the grants of one API, consumer or requester (exactly one is set). */
export interface RevocationSelector {
  apiRef?: string;
  consumerRef?: string;
  requesterRef?: string;
}

/** An active grant an incident revocation ends (or would end, on a dry run). */
export interface RevocationCandidate {
  id: string;
  apiRef: string;
  consumerRef: string;
  requesterRef: string;
  environment: string;
  expiresAt: string;
}

/**
 * What happened to one grant of a batch: `revoked` through the normal
 * revocation; `already_ended` when a single revocation (or expiry) won the
 * race; `failed` with the error, the other grants going on regardless.
 */
export type RevocationOutcome = 'revoked' | 'already_ended' | 'failed';

/** The answer of POST /grants/revoke. */
export interface IncidentRevocationResult {
  dryRun: boolean;
  /** The batch (a real run only); GET /grants/revocations/:batchId shows its progress. */
  batchId?: string;
  selector: RevocationSelector;
  reason: string;
  /** The active grants that end (or would end), newest first. */
  grants: RevocationCandidate[];
  /**
   * Active grants the selector matches that the caller may not revoke
   * (grants on APIs another team owns), not named. Always 0 for admins.
   */
  leftOut: number;
  /** A real run: each grant's outcome, in the order of `grants`. */
  results?: Array<{
    grantId: string;
    outcome: RevocationOutcome;
    /** The grant's status when it was not revoked by this batch. */
    status?: string;
    error?: string;
  }>;
  counts?: { revoked: number; alreadyEnded: number; failed: number };
}

/** A provisioner's revoke task for one grant, as the batch's progress shows it. */
export interface RevocationTaskState {
  provisionerId: string;
  status: 'pending' | 'confirmed' | 'failed';
  attempts: number;
  lastError?: string;
  completedAt?: string;
}

/** The answer of GET /grants/revocations/:batchId. */
export interface RevocationBatch {
  id: string;
  startedBy: string;
  startedAt: string;
  /** Set once every grant of the batch has been tried. */
  finishedAt?: string;
  selector: RevocationSelector;
  reason: string;
  leftOut: number;
  counts: {
    total: number;
    revoked: number;
    alreadyEnded: number;
    failed: number;
    /** Revoked grants whose every provisioner has confirmed (or that have none). */
    confirmed: number;
  };
  /** Every grant revoked and every provisioner confirmed: nothing left to wait for. */
  done: boolean;
  /** No provisioner task is still pending (done, or some failed for good). */
  settled: boolean;
  items: Array<
    RevocationCandidate & {
      outcome: RevocationOutcome;
      error?: string;
      /** The grant's status now (revoked, revocation_failed, expired, ...). */
      status: string;
      /**
       * `confirmed` once every provisioner's revoke task succeeded (or none
       * applies), `failed` when one gave up, `pending` while one is running.
       */
      provisioning: 'pending' | 'confirmed' | 'failed';
      tasks: RevocationTaskState[];
    }
  >;
}
