/*
 * Nobody decides access they have a stake in: a rule no configuration can
 * turn off. Pure, so the backend enforces it on every path (decide, an
 * escalated step, a delegated step, a renewal, an access-review answer) and
 * the frontend explains a missing button in the same words.
 */

/** Why someone may not decide: their own request, their own team's consumer, or another step they decided. */
export type ConflictReason = 'requester' | 'consumer_owner' | 'other_step';

export interface Conflict {
  reason: ConflictReason;
  message: string;
}

/** The access being decided and the person who would decide it. */
export interface StakeQuestion {
  /** The person who would decide. */
  userRef: string;
  /** The user and every group they belong to (Backstage's ownership refs). */
  ownershipRefs: string[];
  requesterRef: string;
  consumerRef: string;
  /**
   * Who owns the consumer: a Component's owners, or for an external consumer
   * the partner or vendor Group itself.
   */
  consumerOwnerRefs: string[];
}

/** The stake a person has in some access, if any; undefined when they may decide. */
export function stakeInAccess(question: StakeQuestion): Conflict | undefined {
  if (question.userRef === question.requesterRef) {
    return {
      reason: 'requester',
      message: 'You requested this access, so you cannot decide it',
    };
  }
  const own = new Set([question.userRef, ...question.ownershipRefs]);
  const owning = Array.from(new Set(question.consumerOwnerRefs)).filter(ref =>
    own.has(ref),
  );
  if (owning.length > 0) {
    return {
      reason: 'consumer_owner',
      message: `You belong to ${owning.join(', ')}, which owns the consumer ${
        question.consumerRef
      }, so you cannot decide access for your own team`,
    };
  }
  return undefined;
}

/** A step across review rounds: its stage and name (ids change with each round). */
export function stepKey(step: { stageName: string; name: string }): string {
  return `${step.stageName}/${step.name}`;
}

/**
 * One decision per person per request, across every round: someone who
 * decided one step (approve, reject or ask for changes) decides no other.
 * Deciding the same step again in a later round is not a second step.
 */
export function otherStepDecided(
  userRef: string,
  step: { stageName: string; name: string },
  decided: Array<{ deciderRef: string; stepKey: string }>,
): Conflict | undefined {
  const key = stepKey(step);
  const other = decided.find(d => d.deciderRef === userRef && d.stepKey !== key);
  if (!other) return undefined;
  return {
    reason: 'other_step',
    message: `You already decided the ${other.stepKey.replace(
      '/',
      ' stage, step ',
    )} of this request; one person decides at most one step`,
  };
}
