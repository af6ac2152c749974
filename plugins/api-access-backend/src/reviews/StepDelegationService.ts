/*
 * Delegation: a member of a step's reviewer group hands the pending step to
 * another member of that group. The step then names the delegate, the
 * delegate is notified and reminded, and the history records who handed it
 * to whom. Delegation assigns, it does not restrict: every member of the
 * group (and of a group it was escalated to) may still decide the step, and
 * all the workflow's rules stay (nobody decides their own request, one step
 * per person per round).
 */
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AccessStore } from '../requests/AccessStore';
import { AuditLog } from '../audit/AuditLog';
import { ReviewStepStore } from './ReviewStepStore';
import type { Caller } from '../requests/workflowTypes';
import { Notifier, noNotifier } from '../notifications/Notifier';
import {
  otherStepDecided,
  stepKey,
} from '@api-access/backstage-plugin-api-access-common';
import { StakeCheck, ownershipOfUser } from './stake';

export class StepDelegationService {
  constructor(
    private readonly options: {
      access: AccessStore;
      steps: ReviewStepStore;
      audit: AuditLog;
      catalog: CatalogService;
      notifier?: Notifier;
      clock: () => Date;
    },
  ) {}

  async delegate(
    requestId: string,
    stepId: string,
    input: { to: string; comment?: string },
    caller: Caller,
  ): Promise<void> {
    const { access, steps, audit, catalog } = this.options;
    const notifier = this.options.notifier ?? noNotifier;
    const step = await steps.getStep(access.db, requestId, stepId);
    if (!step) {
      if (!(await access.getRequest(access.db, requestId))) {
        throw new NotFoundError(`No access request '${requestId}'`);
      }
      throw new NotFoundError(
        `Access request '${requestId}' has no step '${stepId}'`,
      );
    }
    if (!caller.ownershipEntityRefs.includes(step.reviewerRef)) {
      throw new NotAllowedError(
        `Only members of ${step.reviewerRef} can delegate this step`,
      );
    }
    const request = (await access.getRequest(access.db, requestId))!;
    const stake = new StakeCheck(catalog);
    if (step.requesterRef === caller.userEntityRef) {
      throw new NotAllowedError(
        'You cannot delegate a step of an access request you made',
      );
    }
    // Handing a step on is a say in who decides it: the same rule as deciding.
    const own = await stake.conflict(caller, request, caller.credentials);
    if (own) {
      throw new NotAllowedError(
        `You cannot delegate this step: ${own.message}`,
      );
    }
    if (step.requestStatus !== 'in_review') {
      throw new ConflictError(
        `The request is ${step.requestStatus}; only a step awaiting a decision can be delegated`,
      );
    }
    if (step.round !== step.requestRound || step.status !== 'pending') {
      throw new ConflictError(
        step.round !== step.requestRound
          ? `The step belongs to review round ${step.round}; the request is in round ${step.requestRound}`
          : `The step is ${step.status}; only a pending step can be delegated`,
      );
    }
    if (!step.reviewerRef.startsWith('group:')) {
      throw new InputError(
        `The step is reviewed by ${step.reviewerRef}, not a group, so there is nobody to delegate it to`,
      );
    }
    if (input.to === caller.userEntityRef) {
      throw new InputError(
        'to must be another member: you cannot delegate a step to yourself',
      );
    }
    if (input.to === step.requesterRef) {
      throw new InputError(
        `to must not be the requester: ${input.to} cannot review their own request`,
      );
    }
    if (input.to === step.delegateRef) {
      throw new ConflictError(`The step is already delegated to ${input.to}`);
    }
    const target = await catalog.getEntityByRef(input.to, {
      credentials: caller.credentials,
    });
    if (!target) {
      throw new InputError(`to: ${input.to} is not a user in the catalog`);
    }
    const targetOwnership = ownershipOfUser(target);
    if (!targetOwnership.includes(step.reviewerRef)) {
      throw new InputError(
        `to: ${stringifyEntityRef(target)} is not a member of ${
          step.reviewerRef
        }; a step can only be delegated within its reviewer group`,
      );
    }
    // Delegation never lands on someone who could not decide the step.
    const theirs = await stake.conflict(
      { userEntityRef: input.to, ownershipEntityRefs: targetOwnership },
      request,
      caller.credentials,
    );
    if (theirs) {
      throw new InputError(
        `to: ${input.to} has a stake in this access (${
          theirs.reason === 'requester'
            ? 'they requested it'
            : "they belong to the consumer's owners"
        }), so they cannot decide it`,
      );
    }
    const decided = await this.options.steps.getDecisions(access.db, requestId);
    if (
      decided.some(d => d.round === step.round && d.deciderRef === input.to)
    ) {
      throw new InputError(
        `to: ${input.to} has already decided a step of this request in this round, so they cannot decide this one`,
      );
    }
    const identities = await this.options.steps.getStepIdentities(
      access.db,
      requestId,
    );
    const other = otherStepDecided(
      input.to,
      { stageName: step.stageName, name: step.name },
      decided.flatMap(d => {
        const identity = identities.get(d.stepId);
        return identity
          ? [{ deciderRef: d.deciderRef, stepKey: stepKey(identity) }]
          : [];
      }),
    );
    if (other) {
      throw new InputError(
        `to: ${input.to} already decided another step of this request, so they cannot decide this one`,
      );
    }

    const now = this.options.clock();
    await access.transaction(async tx => {
      if (!(await steps.setDelegate(tx, stepId, input.to))) {
        throw new ConflictError(
          'The step was decided meanwhile; reload the request',
        );
      }
      await audit.append(tx, [
        {
          subjectType: 'request',
          subjectId: requestId,
          requestId,
          action: 'step.delegated',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          details: {
            step: step.name,
            stage: step.stageName,
            reviewerRef: step.reviewerRef,
            round: step.round,
            from: caller.userEntityRef,
            to: input.to,
            ...(step.delegateRef ? { previousDelegate: step.delegateRef } : {}),
            ...(input.comment ? { comment: input.comment } : {}),
          },
        },
      ]);
    });
    await notifier.notify([input.to], {
      title: `${caller.userEntityRef} delegated the ${step.name} review of an access request for ${step.apiRef} to you`,
      description: input.comment,
      requestId,
    });
  }
}
