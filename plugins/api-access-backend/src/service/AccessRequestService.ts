/*
 * The request workflow: who may ask for what, who decides which step, and the
 * transitions from in_review to approved (with a grant) or rejected. Every
 * state change is one transaction guarded by the request's version, so two
 * reviewers acting at once produce one transition and one ConflictError.
 */
import { randomUUID } from 'node:crypto';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AccessRequest,
  AccessRequestStatus,
  ConsumerKind,
  CreateAccessRequestParsed,
  EXTERNAL_GROUP_TYPES,
  Grant,
  Page,
  ReviewPlan,
  computeReviewPlan,
} from '@internal/plugin-api-access-common';
import { ApiAccessConfig } from '../config';
import {
  AccessStore,
  NewReviewStep,
  StoredAccessRequest,
  decodeCursor,
} from '../database/AccessStore';
import { ApiProfileService } from './ApiProfileService';

/** The signed-in user acting, with the refs they own or belong to. */
export interface Caller {
  userEntityRef: string;
  ownershipEntityRefs: string[];
  credentials: BackstageCredentials;
}

export interface DecisionResult {
  request: AccessRequest;
  /** The status before this decision, for audit. */
  previousStatus: AccessRequestStatus;
  grant?: { id: string };
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class AccessRequestService {
  constructor(
    private readonly store: AccessStore,
    private readonly catalog: CatalogService,
    private readonly profiles: ApiProfileService,
    private readonly config: ApiAccessConfig,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The plan a draft would get, without writing anything. */
  async previewPlan(
    draft: {
      apiRef: string;
      consumerRef: string;
      environment: string;
      scopes: string[];
    },
    caller: Caller,
  ): Promise<ReviewPlan> {
    const profile = await this.profiles.getProfile(
      draft.apiRef,
      caller.credentials,
    );
    return this.planFor(draft, profile.ownerRef);
  }

  async create(
    input: CreateAccessRequestParsed,
    caller: Caller,
  ): Promise<AccessRequest> {
    const profile = await this.profiles.getProfile(
      input.apiRef,
      caller.credentials,
    );
    if (!profile.environments.includes(input.environment)) {
      throw new InputError(
        `environment '${input.environment}' is not offered by ${
          profile.apiRef
        }; choose one of ${profile.environments.join(', ')}`,
      );
    }
    if (profile.scopes.length > 0) {
      const unknown = input.scopes.filter(
        scope => !profile.scopes.includes(scope),
      );
      if (unknown.length > 0) {
        throw new InputError(
          `scopes ${unknown.map(s => `'${s}'`).join(', ')} not offered by ${
            profile.apiRef
          }; it offers ${profile.scopes.join(', ')}`,
        );
      }
      if (input.scopes.length === 0) {
        throw new InputError(
          `scopes must name at least one of ${profile.scopes.join(', ')}`,
        );
      }
    } else if (input.scopes.length > 0) {
      throw new InputError(
        `scopes must be empty: ${profile.apiRef} declares no scopes`,
      );
    }
    if (input.durationDays > this.config.maxDurationDays) {
      throw new InputError(
        `durationDays must be at most ${this.config.maxDurationDays} days`,
      );
    }
    const consumerKind = await this.checkConsumer(input.consumerRef, caller);
    const plan = this.planFor(input, profile.ownerRef);

    const id = randomUUID();
    const now = this.clock();
    const steps: NewReviewStep[] = plan.stages.flatMap((stage, stageIndex) =>
      stage.steps.map((step, stepIndex) => ({
        id: randomUUID(),
        requestId: id,
        stageIndex,
        stageName: stage.name,
        stepIndex,
        reviewerRef: step.reviewerRef,
        quorum: step.quorum,
        reason: step.reason,
        status: stageIndex === 0 ? 'pending' : 'waiting',
      })),
    );
    await this.store.transaction(async tx => {
      await this.store.insertRequest(
        tx,
        {
          id,
          apiRef: profile.apiRef,
          consumerRef: input.consumerRef,
          consumerKind,
          requesterRef: caller.userEntityRef,
          ownerRef: profile.ownerRef!,
          environment: input.environment,
          scopes: input.scopes,
          credentialType: input.credentialType,
          useCase: input.useCase,
          justification: input.justification,
          credentialStorage: input.credentialStorage,
          durationDays: input.durationDays,
          classificationLevel: profile.classification.level,
          classificationSource: profile.classification.source,
          plan,
          status: 'in_review',
          now,
        },
        steps,
      );
    });
    return this.get(id, caller);
  }

  /** One request with its steps and decisions, if the caller may see it. */
  async get(id: string, caller: Caller): Promise<AccessRequest> {
    const request = await this.store.getRequest(this.storeDb(), id);
    if (!request) {
      throw new NotFoundError(`No access request '${id}'`);
    }
    const steps = await this.store.getSteps(this.storeDb(), id);
    const isRequester = request.requesterRef === caller.userEntityRef;
    const isReviewer = steps.some(step =>
      caller.ownershipEntityRefs.includes(step.reviewerRef),
    );
    if (!isRequester && !isReviewer) {
      throw new NotAllowedError(
        'Only the requester and the reviewers of an access request can see it',
      );
    }
    const decisions = await this.store.getDecisions(this.storeDb(), id);
    const grantId = await this.store.getGrantIdForRequest(this.storeDb(), id);
    return {
      ...this.publicRequest(request),
      steps,
      decisions: decisions.map(
        ({ reviewRound: _round, ...decision }) => decision,
      ),
      grantId,
    };
  }

  async list(
    query: {
      view: 'mine' | 'reviewable';
      reviewerRef?: string;
      status?: AccessRequestStatus;
      limit: number;
      cursor?: string;
    },
    caller: Caller,
  ): Promise<Page<AccessRequest>> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !cursor) {
      throw new InputError('cursor is not a cursor this API returned');
    }
    let page;
    if (query.view === 'mine') {
      page = await this.store.listRequests(this.storeDb(), {
        requesterRef: caller.userEntityRef,
        status: query.status,
        limit: query.limit,
        cursor,
      });
    } else {
      const reviewerRefs = query.reviewerRef
        ? caller.ownershipEntityRefs.filter(ref => ref === query.reviewerRef)
        : caller.ownershipEntityRefs;
      page =
        reviewerRefs.length === 0
          ? { items: [] }
          : await this.store.listRequests(this.storeDb(), {
              pendingForReviewerRefs: reviewerRefs,
              excludeRequesterRef: caller.userEntityRef,
              excludeDeciderRef: caller.userEntityRef,
              status: query.status ?? 'in_review',
              limit: query.limit,
              cursor,
            });
    }
    return {
      items: page.items.map(item => this.publicRequest(item)),
      nextCursor: page.nextCursor,
    };
  }

  async decide(
    id: string,
    input: {
      decision: 'approve' | 'reject' | 'request_changes';
      comment?: string;
    },
    caller: Caller,
  ): Promise<DecisionResult> {
    const result = await this.store.transaction(async tx => {
      const request = await this.store.getRequest(tx, id);
      if (!request) {
        throw new NotFoundError(`No access request '${id}'`);
      }
      if (request.requesterRef === caller.userEntityRef) {
        throw new NotAllowedError(
          'You cannot decide an access request you made',
        );
      }
      const steps = await this.store.getSteps(tx, id);
      const isReviewer = steps.some(step =>
        caller.ownershipEntityRefs.includes(step.reviewerRef),
      );
      if (!isReviewer) {
        throw new NotAllowedError(
          `Only members of ${Array.from(
            new Set(steps.map(s => s.reviewerRef)),
          ).join(', ')} can decide this request`,
        );
      }
      if (request.status !== 'in_review') {
        throw new ConflictError(
          `The request is ${request.status}; it is no longer awaiting a decision`,
        );
      }
      const decisions = (await this.store.getDecisions(tx, id)).filter(
        d => d.reviewRound === request.reviewRound,
      );
      if (decisions.some(d => d.deciderRef === caller.userEntityRef)) {
        throw new NotAllowedError(
          'You have already decided a step of this request',
        );
      }
      const step = steps.find(
        s =>
          s.status === 'pending' &&
          caller.ownershipEntityRefs.includes(s.reviewerRef),
      );
      if (!step) {
        const pending = steps
          .filter(s => s.status === 'pending')
          .map(s => s.reviewerRef);
        throw new NotAllowedError(
          `The request is waiting for ${pending.join(
            ', ',
          )}, not for a group you belong to`,
        );
      }

      const now = this.clock();
      let status: AccessRequestStatus = request.status;
      let grant: { id: string } | undefined;
      const stepUpdates: Array<{
        ids: string[];
        status: 'approved' | 'rejected' | 'pending';
      }> = [];
      if (input.decision === 'reject') {
        status = 'rejected';
        stepUpdates.push({ ids: [step.id], status: 'rejected' });
      } else if (input.decision === 'request_changes') {
        status = 'changes_requested';
      } else {
        const approvals =
          decisions.filter(
            d => d.stepId === step.id && d.decision === 'approve',
          ).length + 1;
        if (approvals >= step.quorum) {
          stepUpdates.push({ ids: [step.id], status: 'approved' });
          const stageOpen = steps.some(
            s =>
              s.stageIndex === step.stageIndex &&
              s.id !== step.id &&
              s.status !== 'approved',
          );
          if (!stageOpen) {
            const next = steps.filter(
              s => s.stageIndex === step.stageIndex + 1,
            );
            if (next.length > 0) {
              stepUpdates.push({ ids: next.map(s => s.id), status: 'pending' });
            } else {
              status = 'approved';
            }
          }
        }
      }

      // The version check comes first: it takes the row lock, so a racing
      // decision waits here and then fails cleanly instead of writing.
      const moved = await this.store.transitionRequest(
        tx,
        id,
        request.version,
        status,
        now,
      );
      if (!moved) {
        throw new ConflictError(
          'The request changed while you were deciding; reload it and try again',
        );
      }
      await this.store.insertDecision(tx, {
        id: randomUUID(),
        requestId: id,
        stepId: step.id,
        reviewRound: request.reviewRound,
        deciderRef: caller.userEntityRef,
        decision: input.decision,
        comment: input.comment,
        now,
      });
      for (const update of stepUpdates) {
        await this.store.setStepStatuses(tx, update.ids, update.status);
      }
      if (status === 'approved') {
        grant = { id: randomUUID() };
        await this.store.insertGrant(tx, {
          id: grant.id,
          requestId: id,
          apiRef: request.apiRef,
          consumerRef: request.consumerRef,
          requesterRef: request.requesterRef,
          environment: request.environment,
          scopes: request.scopes,
          credentialType: request.credentialType,
          now,
          expiresAt: new Date(now.getTime() + request.durationDays * DAY_MS),
        });
      }
      return { previousStatus: request.status, grant };
    });
    return { ...result, request: await this.get(id, caller) };
  }

  /** The requester takes back a request that has not been decided yet. */
  async withdraw(id: string, caller: Caller): Promise<DecisionResult> {
    const previousStatus = await this.store.transaction(async tx => {
      const request = await this.store.getRequest(tx, id);
      if (!request) {
        throw new NotFoundError(`No access request '${id}'`);
      }
      if (request.requesterRef !== caller.userEntityRef) {
        throw new NotAllowedError(
          'Only the requester can withdraw an access request',
        );
      }
      if (
        request.status !== 'in_review' &&
        request.status !== 'changes_requested'
      ) {
        throw new ConflictError(
          `The request is ${request.status}; it can no longer be withdrawn`,
        );
      }
      const moved = await this.store.transitionRequest(
        tx,
        id,
        request.version,
        'withdrawn',
        this.clock(),
      );
      if (!moved) {
        throw new ConflictError(
          'The request changed meanwhile; reload it and try again',
        );
      }
      return request.status;
    });
    return { previousStatus, request: await this.get(id, caller) };
  }

  async listGrants(filter: {
    consumerRef?: string;
    apiRef?: string;
  }): Promise<Grant[]> {
    return this.store.listGrants(this.storeDb(), filter);
  }

  private planFor(
    draft: {
      apiRef: string;
      consumerRef: string;
      environment: string;
      scopes: string[];
    },
    ownerRef: string | undefined,
  ): ReviewPlan {
    if (!ownerRef) {
      throw new InputError(
        `${draft.apiRef} has no owner in the catalog, so nobody can review access to it`,
      );
    }
    return computeReviewPlan(draft, { ownerRef });
  }

  /**
   * The consumer must be a Component one of the caller's groups owns
   * (internal) or a partner/vendor Group the caller belongs to (external).
   */
  private async checkConsumer(
    consumerRef: string,
    caller: Caller,
  ): Promise<ConsumerKind> {
    const consumer: Entity | undefined = await this.catalog.getEntityByRef(
      consumerRef,
      {
        credentials: caller.credentials,
      },
    );
    if (!consumer) {
      throw new InputError(
        `consumerRef '${consumerRef}' is not in the catalog`,
      );
    }
    const ref = stringifyEntityRef(consumer);
    if (consumer.kind.toLocaleLowerCase('en-US') === 'group') {
      const type = String(consumer.spec?.type ?? '');
      if (!EXTERNAL_GROUP_TYPES.includes(type)) {
        throw new InputError(
          `consumerRef '${ref}' is a ${
            type || 'untyped'
          } group; a group consumer must be of type ${EXTERNAL_GROUP_TYPES.join(
            ' or ',
          )}`,
        );
      }
      if (!caller.ownershipEntityRefs.includes(ref)) {
        throw new NotAllowedError(
          `You are not a member of '${ref}', so you cannot request access for it`,
        );
      }
      return 'external';
    }
    const owners = (consumer.relations ?? [])
      .filter(relation => relation.type === RELATION_OWNED_BY)
      .map(relation => relation.targetRef);
    if (!owners.some(owner => caller.ownershipEntityRefs.includes(owner))) {
      throw new NotAllowedError(
        `'${ref}' is owned by ${
          owners.join(', ') || 'nobody'
        }; you can only request access for components your groups own`,
      );
    }
    return 'internal';
  }

  private publicRequest(request: StoredAccessRequest): AccessRequest {
    const { plan: _plan, reviewRound: _round, ...rest } = request;
    return rest;
  }

  private storeDb() {
    return this.store.db;
  }
}
