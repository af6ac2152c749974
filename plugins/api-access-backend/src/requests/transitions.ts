/*
 * What a reviewer's decision does to a request and its steps, as a plain
 * function over plain data: given the request, its steps and decisions, the
 * decision and the caller's stake, either a refusal (and why) or the new
 * status, the step updates and the history events. No database, clock or
 * catalog: AccessRequestService loads the data, calls this and writes what it
 * returns in one transaction.
 */
import {
  AccessRequestStatus,
  ApiAccessPlan,
  Conflict,
  ReviewDecision,
  ReviewStep,
  otherStepDecided,
  planRank,
  stepKey,
} from '@api-access/backstage-plugin-api-access-common';
import type { NewAuditEvent } from '../audit/AuditLog';

export type DecisionKind = 'approve' | 'reject' | 'request_changes';

export interface DecisionInput {
  decision: DecisionKind;
  comment?: string;
  scopes?: string[];
  durationDays?: number;
  /** Approve a lower plan than the one asked for. */
  plan?: string;
}

/** The parts of a request a decision reads. */
export interface DecidedRequest {
  id: string;
  status: AccessRequestStatus;
  reviewRound: number;
  requesterRef: string;
  consumerRef: string;
  approvedScopes: string[];
  approvedDurationDays: number;
  /** Read only when a decision lowers the plan. */
  environment?: string;
  apiRef?: string;
  /** The plan the grant would carry so far, when the API offers plans. */
  approvedPlan?: string;
}

/** The person deciding. */
export interface Decider {
  userEntityRef: string;
  ownershipEntityRefs: string[];
}

export interface DecisionFacts {
  request: DecidedRequest;
  /**
   * Requester and consumer as they were when the caller's stake was asked
   * (before the transaction): the decision is refused if they changed since.
   */
  askedAbout: { requesterRef: string; consumerRef: string };
  /** The caller's conflict of interest in this access, if any. */
  stake?: Conflict;
  /** The steps of the request's current round. */
  steps: ReviewStep[];
  /** Every decision on the request, in every round. */
  decisions: ReviewDecision[];
  /** Stage and name of every step the request ever had, by step id. */
  stepIdentities: Map<string, { stageName: string; name: string }>;
  caller: Decider;
  input: DecisionInput;
  now: Date;
  /** The plans the API offers now, smallest first (needed when the decision names a plan). */
  plans?: readonly ApiAccessPlan[];
}

/** Why a decision is refused; `error` says which HTTP error answers it. */
export interface Refusal {
  reason:
    | 'stake'
    | 'changed'
    | 'not_reviewer'
    | 'not_in_review'
    | 'already_decided'
    | 'not_waiting_for_caller'
    | 'other_step'
    | 'narrowing';
  error: 'not_allowed' | 'conflict' | 'input';
  message: string;
}

export interface StepUpdate {
  ids: string[];
  status: 'approved' | 'rejected' | 'pending';
}

export interface DecisionOutcome {
  /** The step the caller decided. */
  step: ReviewStep;
  status: AccessRequestStatus;
  /** Narrowed terms, when the approval narrowed them. */
  narrowed?: { scopes: string[]; durationDays: number; plan?: string };
  /** What the decision row records of the narrowing (only what was given). */
  narrowedScopes?: string[];
  narrowedDurationDays?: number;
  narrowedPlan?: string;
  stepUpdates: StepUpdate[];
  /** Steps of the next stage that this decision opened. */
  opened: ReviewStep[];
  events: NewAuditEvent[];
}

export type DecisionResult =
  | { refused: Refusal; outcome?: undefined }
  | { refused?: undefined; outcome: DecisionOutcome };

/**
 * Whether the caller may decide the step: a member of its reviewer group, or
 * of the group it was escalated to after its deadline (a delegate is a
 * member of the reviewer group already).
 */
export function mayDecideStep(step: ReviewStep, caller: Decider): boolean {
  return (
    caller.ownershipEntityRefs.includes(step.reviewerRef) ||
    (!!step.escalatedTo &&
      caller.ownershipEntityRefs.includes(step.escalatedTo))
  );
}

/** Every decision with the identity (stage and name) of the step it decided. */
export function decidedStepKeys(
  decisions: Array<{ stepId: string; deciderRef: string }>,
  identities: Map<string, { stageName: string; name: string }>,
): Array<{ deciderRef: string; stepKey: string }> {
  return decisions.flatMap(d => {
    const identity = identities.get(d.stepId);
    return identity
      ? [{ deciderRef: d.deciderRef, stepKey: stepKey(identity) }]
      : [];
  });
}

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

function refuse(
  reason: Refusal['reason'],
  error: Refusal['error'],
  message: string,
): never {
  throw new Refused({ reason, error, message });
}

/**
 * Narrowed terms may only be narrower: a subset of scopes, a shorter
 * duration, a lower plan. A lower plan also narrows the scopes to the plan's
 * and shortens the duration to its maximum.
 */
export function narrowTerms(
  request: Pick<
    DecidedRequest,
    | 'approvedScopes'
    | 'approvedDurationDays'
    | 'approvedPlan'
    | 'environment'
    | 'apiRef'
  >,
  input: DecisionInput,
  plans: readonly ApiAccessPlan[] = [],
): { scopes: string[]; durationDays: number; plan?: string } | undefined {
  if (
    input.scopes === undefined &&
    input.durationDays === undefined &&
    input.plan === undefined
  ) {
    return undefined;
  }
  if (input.decision !== 'approve') {
    refuse(
      'narrowing',
      'input',
      input.plan !== undefined
        ? 'plan can only be lowered when approving'
        : 'scopes and durationDays can only be narrowed when approving',
    );
  }
  const scopes = input.scopes ?? request.approvedScopes;
  const wider = scopes.filter(scope => !request.approvedScopes.includes(scope));
  if (wider.length > 0) {
    refuse(
      'narrowing',
      'input',
      `scopes may only narrow the request: ${wider.join(', ')} ${
        wider.length === 1 ? 'is' : 'are'
      } not among ${
        request.approvedScopes.join(', ') || 'the requested scopes'
      }`,
    );
  }
  if (request.approvedScopes.length > 0 && scopes.length === 0) {
    refuse(
      'narrowing',
      'input',
      'scopes must keep at least one scope; reject the request instead',
    );
  }
  const durationDays = input.durationDays ?? request.approvedDurationDays;
  if (durationDays > request.approvedDurationDays) {
    refuse(
      'narrowing',
      'input',
      `durationDays may only shorten the request: at most ${request.approvedDurationDays} days`,
    );
  }
  if (input.plan === undefined || input.plan === request.approvedPlan) {
    return { scopes, durationDays };
  }
  return lowerPlan(request, input.plan, plans, scopes, durationDays);
}

/** The terms on a lower plan: the plan's scopes among those kept, at most its duration. */
function lowerPlan(
  request: Pick<DecidedRequest, 'approvedPlan' | 'environment' | 'apiRef'>,
  name: string,
  plans: readonly ApiAccessPlan[],
  scopes: string[],
  durationDays: number,
): { scopes: string[]; durationDays: number; plan: string } {
  if (!request.approvedPlan) {
    refuse(
      'narrowing',
      'input',
      `plan '${name}' cannot be approved: the request is not for a plan (${
        request.apiRef ?? 'the API'
      } offered none when it was made)`,
    );
  }
  const plan = plans.find(p => p.name === name);
  if (!plan) {
    refuse(
      'narrowing',
      'input',
      `plan '${name}' is not a plan ${request.apiRef ?? 'the API'} offers (${
        plans.map(p => p.name).join(', ') || 'it offers none now'
      })`,
    );
  }
  const asked = planRank(plans, request.approvedPlan);
  if (asked !== -1 && planRank(plans, name) >= asked) {
    refuse(
      'narrowing',
      'input',
      `plan may only lower the request: '${name}' is not below '${
        request.approvedPlan
      }' (lower plans: ${
        plans
          .slice(0, asked)
          .map(p => p.name)
          .join(', ') || 'none'
      })`,
    );
  }
  if (request.environment && !plan.environments.includes(request.environment)) {
    refuse(
      'narrowing',
      'input',
      `plan '${name}' is not offered for '${
        request.environment
      }' (only ${plan.environments.join(', ')})`,
    );
  }
  const kept = scopes.filter(scope => plan.scopes.includes(scope));
  if (scopes.length > 0 && kept.length === 0) {
    refuse(
      'narrowing',
      'input',
      `plan '${name}' allows none of the scopes ${scopes.join(
        ', ',
      )} (it allows ${plan.scopes.join(', ')}); reject the request instead`,
    );
  }
  return {
    scopes: kept,
    durationDays: Math.min(durationDays, plan.maxDurationDays),
    plan: name,
  };
}

/** The step the caller decides: their own group's first, then one escalated to them. */
function stepFor(facts: DecisionFacts): ReviewStep {
  const { request, steps, caller } = facts;
  if (facts.stake) refuse('stake', 'not_allowed', facts.stake.message);
  if (
    request.requesterRef !== facts.askedAbout.requesterRef ||
    request.consumerRef !== facts.askedAbout.consumerRef
  ) {
    refuse(
      'changed',
      'conflict',
      'The request changed while you were deciding; reload it and try again',
    );
  }
  if (!steps.some(step => mayDecideStep(step, caller))) {
    refuse(
      'not_reviewer',
      'not_allowed',
      `Only members of ${Array.from(
        new Set(steps.map(s => s.reviewerRef)),
      ).join(', ')} can decide this request`,
    );
  }
  if (request.status !== 'in_review') {
    refuse(
      'not_in_review',
      'conflict',
      `The request is ${request.status}; it is no longer awaiting a decision`,
    );
  }
  const thisRound = facts.decisions.filter(
    d => d.round === request.reviewRound,
  );
  if (thisRound.some(d => d.deciderRef === caller.userEntityRef)) {
    refuse(
      'already_decided',
      'not_allowed',
      'You have already decided a step of this request',
    );
  }
  const step =
    steps.find(
      s =>
        s.status === 'pending' &&
        caller.ownershipEntityRefs.includes(s.reviewerRef),
    ) ?? steps.find(s => s.status === 'pending' && mayDecideStep(s, caller));
  if (!step) {
    const pending = steps
      .filter(s => s.status === 'pending')
      .map(s =>
        s.escalatedTo
          ? `${s.reviewerRef} (or ${s.escalatedTo})`
          : s.reviewerRef,
      );
    refuse(
      'not_waiting_for_caller',
      'not_allowed',
      `The request is waiting for ${pending.join(
        ', ',
      )}, not for a group you belong to`,
    );
  }
  // One step per person per request in every round: an approval kept
  // from an earlier round still counts as that person's decision.
  const other = otherStepDecided(
    caller.userEntityRef,
    step,
    decidedStepKeys(facts.decisions, facts.stepIdentities),
  );
  if (other) refuse('other_step', 'not_allowed', other.message);
  return step;
}

/**
 * What the caller's decision does: refused (with the reason and the error
 * that answers it), or the request's new status, the steps it approves,
 * rejects or opens, and the events for the history. The checks run in the
 * order the HTTP API has always answered them.
 */
export function decideRequest(facts: DecisionFacts): DecisionResult {
  try {
    return { outcome: transition(facts) };
  } catch (error) {
    if (error instanceof Refused) return { refused: error.refusal };
    throw error;
  }
}

function transition(facts: DecisionFacts): DecisionOutcome {
  const { request, steps, caller, input, now } = facts;
  const step = stepFor(facts);
  const narrowed = narrowTerms(request, input, facts.plans);
  const decisions = facts.decisions.filter(
    d => d.round === request.reviewRound,
  );

  let status: AccessRequestStatus = request.status;
  const events: NewAuditEvent[] = [];
  const event = (
    action: string,
    details: Record<string, unknown>,
    to?: AccessRequestStatus,
  ) =>
    events.push({
      subjectType: 'request',
      subjectId: request.id,
      requestId: request.id,
      action,
      actorRef: caller.userEntityRef,
      occurredAt: now,
      fromStatus: to ? request.status : undefined,
      toStatus: to,
      details,
    });
  const stepDetails = {
    step: step.name,
    stage: step.stageName,
    reviewerRef: step.reviewerRef,
    round: request.reviewRound,
    comment: input.comment,
    rules: step.rules,
    // Decided by the group the step was escalated to.
    ...(caller.ownershipEntityRefs.includes(step.reviewerRef)
      ? {}
      : { escalatedTo: step.escalatedTo }),
  };
  const stepUpdates: StepUpdate[] = [];
  let opened: ReviewStep[] = [];
  if (input.decision === 'reject') {
    status = 'rejected';
    stepUpdates.push({ ids: [step.id], status: 'rejected' });
    event('request.rejected', stepDetails, status);
  } else if (input.decision === 'request_changes') {
    status = 'changes_requested';
    event('request.changes_requested', stepDetails, status);
  } else {
    const approvals =
      decisions.filter(d => d.stepId === step.id && d.decision === 'approve')
        .length + 1;
    event('step.approval_recorded', {
      ...stepDetails,
      approvals,
      quorum: step.quorum,
      ...(narrowed
        ? {
            approvedScopes: narrowed.scopes,
            approvedDurationDays: narrowed.durationDays,
            ...(narrowed.plan ? { approvedPlan: narrowed.plan } : {}),
          }
        : {}),
    });
    if (approvals >= step.quorum) {
      stepUpdates.push({ ids: [step.id], status: 'approved' });
      const stageOpen = steps.some(
        s =>
          s.stageIndex === step.stageIndex &&
          s.id !== step.id &&
          s.status !== 'approved',
      );
      if (!stageOpen) {
        const next = steps.filter(s => s.stageIndex === step.stageIndex + 1);
        if (next.length > 0) {
          opened = next;
          stepUpdates.push({ ids: next.map(s => s.id), status: 'pending' });
          event('stage.opened', {
            stage: next[0].stageName,
            reviewerRefs: next.map(s => s.reviewerRef),
          });
        } else {
          status = 'approved';
          event(
            'request.approved',
            {
              approvedScopes: narrowed?.scopes ?? request.approvedScopes,
              approvedDurationDays:
                narrowed?.durationDays ?? request.approvedDurationDays,
              ...(narrowed?.plan ?? request.approvedPlan
                ? { approvedPlan: narrowed?.plan ?? request.approvedPlan }
                : {}),
            },
            status,
          );
        }
      }
    }
  }
  return {
    step,
    status,
    narrowed,
    narrowedScopes: narrowed && input.scopes ? narrowed.scopes : undefined,
    narrowedDurationDays:
      narrowed && input.durationDays ? narrowed.durationDays : undefined,
    narrowedPlan: narrowed?.plan,
    stepUpdates,
    opened,
    events,
  };
}
