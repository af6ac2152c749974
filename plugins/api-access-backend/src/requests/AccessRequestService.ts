/*
 * The request workflow: who may ask for what, who decides which step, and the
 * transitions between in_review, changes_requested, approved (with a grant),
 * rejected and withdrawn. Every state change is one transaction guarded by
 * the request's version and writes its audit events in that transaction, so
 * two reviewers acting at once produce one transition and one ConflictError.
 */
import { randomUUID } from 'node:crypto';
import { Entity } from '@backstage/catalog-model';
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
  ApiAccessPlan,
  ApiAccessProfile,
  AuditEvent,
  Conflict,
  ConsumerKind,
  CreateAccessRequestParsed,
  EXTERNAL_GROUP_TYPES,
  Page,
  ReviewPlan,
  ReviewStep,
  computeReviewPlan,
  computeRiskScore,
  grantPlanOf,
  maxDurationFor,
  otherStepDecided,
  planProblems,
} from '@api-access/backstage-plugin-api-access-common';
import { Knex } from 'knex';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import { RequestFilter, RequestResource } from '../permissions/rules';
import { ApiAccessConfig } from '../config';
import { AccessStore, RequestTerms, StoredAccessRequest } from './AccessStore';
import { GrantStore } from '../grants/GrantStore';
import { NewReviewStep, ReviewStepStore } from '../reviews/ReviewStepStore';
import { decodeCursor } from '../rows';
import { groupTypeWords, judgeConsumer } from './consumer';
import { AuditLog, NewAuditEvent } from '../audit/AuditLog';
import { LiveUpdates } from '../notifications/LiveUpdates';
import { ApiProfileService } from '../profiles/ApiProfileService';
import { Notifier, noNotifier } from '../notifications/Notifier';
import { extendRenewedGrant } from '../grants/renewedGrant';
import {
  DecisionInput,
  Refusal,
  decideRequest,
  decidedStepKeys,
  mayDecideStep,
} from './transitions';
import { Caller, GrantHooks, noGrantHooks } from './workflowTypes';

export type { Caller, GrantHooks };
export { noGrantHooks };
import type { AssessmentService } from '../assessment/AssessmentService';
import type { AdminCheck } from '../permissions/AdminCheck';
import { StakeCheck } from '../reviews/stake';

export interface TransitionResult {
  request: AccessRequest;
  /** The status before this action, for the auditor. */
  previousStatus: AccessRequestStatus;
  grant?: { id: string };
}

/** Terms a requester submits, on creation or resubmission. */
type Terms = Omit<RequestTerms, 'consumerKind'>;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The error that answers a refused decision. */
function refusalError(refusal: Refusal): Error {
  switch (refusal.error) {
    case 'conflict':
      return new ConflictError(refusal.message);
    case 'input':
      return new InputError(refusal.message);
    default:
      return new NotAllowedError(refusal.message);
  }
}

/** A review plan as the history records it: each stage's reviewers, quorum and rules. */
function planForHistory(plan: ReviewPlan) {
  return plan.stages.map(stage => ({
    stage: stage.name,
    steps: stage.steps.map(step => ({
      reviewerRef: step.reviewerRef,
      quorum: step.quorum,
      rules: step.rules,
    })),
  }));
}

/** The auto-approve rule of a renewal of unchanged, recently reviewed terms. */
export const RENEWAL_UNCHANGED_RULE = 'renewal-unchanged-recently-reviewed';

/**
 * Only an active grant before its expiry can be renewed: one past its expiry
 * that the lifecycle tick has not marked yet is expired all the same.
 */
function checkRenewable(
  grant: { status: string; expiresAt: string },
  now: Date,
) {
  if (grant.status === 'suspended') {
    throw new ConflictError(
      'The grant is suspended; it can be renewed once the API owner resumes it',
    );
  }
  if (grant.status !== 'active') {
    throw new ConflictError(
      `The grant is ${grant.status}; only an active grant can be renewed`,
    );
  }
  if (Date.parse(grant.expiresAt) <= now.getTime()) {
    throw new ConflictError(
      `The grant expired at ${grant.expiresAt}; request access anew`,
    );
  }
}

/** Steps for one review round: the first stage open, the rest waiting. */
function stepsForPlan(
  requestId: string,
  round: number,
  plan: ReviewPlan,
  alreadyApproved: Set<string> = new Set(),
): NewReviewStep[] {
  const steps: NewReviewStep[] = plan.stages.flatMap((stage, stageIndex) =>
    stage.steps.map((step, stepIndex) => ({
      id: randomUUID(),
      requestId,
      round,
      stageIndex,
      stageName: stage.name,
      stepIndex,
      name: step.name,
      reviewerRef: step.reviewerRef,
      quorum: step.quorum,
      reason: step.reason,
      rules: step.rules,
      status: alreadyApproved.has(`${stageIndex}/${step.name}`)
        ? 'approved'
        : 'waiting',
    })),
  );
  const firstOpen = steps.find(step => step.status !== 'approved')?.stageIndex;
  for (const step of steps) {
    if (step.stageIndex === firstOpen && step.status === 'waiting') {
      step.status = 'pending';
    }
  }
  return steps;
}

function sameSet(a: string[], b: string[]) {
  return a.length === b.length && a.every(item => b.includes(item));
}

export interface AccessRequestServiceOptions {
  store: AccessStore;
  /** Review steps and decisions. */
  steps: ReviewStepStore;
  audit: AuditLog;
  catalog: CatalogService;
  profiles: ApiProfileService;
  policy: ApiAccessConfig;
  notifier?: Notifier;
  /** Signals to the screens that show a request when it changes. */
  live?: LiveUpdates;
  clock?: () => Date;
  grantHooks?: GrantHooks;
  /**
   * The credential types offered here: a request naming one that is not
   * (mtls-certificate without a CA, a module's type that is not installed or
   * not available) is refused up front, and so is a renewal of such a grant.
   */
  credentialTypes: OfferedCredentialTypes;
  /** Runs the request assistant on every submission and stores its findings with the round. */
  assessments?: AssessmentService;
  /** The grants an approval issues and a renewal extends. */
  grants: GrantStore;
  /** Who is an admin: whoever the permission policy grants api-access.admin. */
  adminCheck?: AdminCheck;
}

/** What requests need of the credential type registry. */
export interface OfferedCredentialTypes {
  /** 400 naming the type, why it is not offered, and what is. */
  assertOffered(id: string): void;
  /** 409: the type of an existing grant is gone or no longer offered. */
  assertStillOffered(id: string): void;
}

export class AccessRequestService {
  private readonly store: AccessStore;
  private readonly steps: ReviewStepStore;
  private readonly audit: AuditLog;
  private readonly catalog: CatalogService;
  private readonly profiles: ApiProfileService;
  private readonly policy: ApiAccessConfig;
  private readonly notifier: Notifier;
  private readonly live: LiveUpdates;
  private readonly clock: () => Date;
  private readonly grantHooks: GrantHooks;
  private readonly grants: GrantStore;
  private readonly credentialTypes: OfferedCredentialTypes;
  private readonly assessments?: AssessmentService;
  private readonly adminCheck?: AdminCheck;

  constructor(options: AccessRequestServiceOptions) {
    this.store = options.store;
    this.steps = options.steps;
    this.audit = options.audit;
    this.catalog = options.catalog;
    this.profiles = options.profiles;
    this.policy = options.policy;
    this.notifier = options.notifier ?? noNotifier;
    this.live = options.live ?? new LiveUpdates();
    this.clock = options.clock ?? (() => new Date());
    this.grantHooks = options.grantHooks ?? noGrantHooks;
    this.grants = options.grants;
    this.credentialTypes = options.credentialTypes;
    this.assessments = options.assessments;
    this.adminCheck = options.adminCheck;
    this.stake = new StakeCheck(this.catalog);
  }

  /** Conflict of interest: the requester and the consumer's owners never decide. */
  readonly stake: StakeCheck;

  /** The plan a draft would get, without writing anything. */
  async previewPlan(
    draft: {
      apiRef: string;
      consumerRef: string;
      environment: string;
      scopes: string[];
      durationDays?: number;
      plan?: string;
    },
    caller: Caller,
  ): Promise<ReviewPlan> {
    const profile = await this.profiles.getProfile(
      draft.apiRef,
      caller.credentials,
    );
    const { kind } = await this.checkConsumer(draft.consumerRef, caller);
    const plan = this.choosePlan(draft, draft.plan, profile);
    return this.planFor(draft, kind, profile, { plan });
  }

  async create(
    input: CreateAccessRequestParsed,
    caller: Caller,
  ): Promise<AccessRequest> {
    // First, so that no error message or audit record repeats a pasted secret.
    this.assessments?.refuseSecrets(input);
    const profile = await this.profiles.getProfile(
      input.apiRef,
      caller.credentials,
    );
    this.credentialTypes.assertOffered(input.credentialType);
    this.checkTerms(input, profile);
    const apiPlan = this.choosePlan(input, input.plan, profile);
    const { kind: consumerKind, ownerRefs: consumerOwnerRefs } =
      await this.checkConsumer(input.consumerRef, caller);
    const plan = this.planFor(input, consumerKind, profile, { plan: apiPlan });
    const assessment = await this.assessments?.assessSubmission({
      draft: { ...input, plan: apiPlan?.name },
      profile,
      consumerKind,
      caller,
    });

    const id = randomUUID();
    const now = this.clock();
    const status: AccessRequestStatus = plan.autoApproved
      ? 'approved'
      : 'in_review';
    const steps = stepsForPlan(id, 1, plan);
    await this.store.transaction(async tx => {
      await this.store.insertRequest(tx, {
        id,
        apiRef: profile.apiRef,
        consumerRef: input.consumerRef,
        consumerKind,
        requesterRef: caller.userEntityRef,
        ownerRef: profile.ownerRef ?? 'none',
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
        status,
        now,
        consumerOwnerRefs,
        planName: apiPlan?.name,
      });
      await this.steps.insertSteps(tx, steps, now);
      const events: NewAuditEvent[] = [
        {
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.submitted',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          toStatus: 'in_review',
          details: {
            apiRef: profile.apiRef,
            consumerRef: input.consumerRef,
            consumerKind,
            environment: input.environment,
            scopes: input.scopes,
            durationDays: input.durationDays,
            ...(apiPlan
              ? {
                  requestedPlan: apiPlan.name,
                  planNamed: input.plan !== undefined,
                  planApproval: apiPlan.approval,
                }
              : {}),
            classification: profile.classification,
            ...(assessment
              ? {
                  riskScore: assessment.risk.score,
                  findings: assessment.findings.map(f => f.id),
                }
              : {}),
            plan: planForHistory(plan),
          },
        },
      ];
      if (plan.autoApproved) {
        events.push({
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.auto_approved',
          actorRef: 'policy',
          occurredAt: now,
          fromStatus: 'in_review',
          toStatus: 'approved',
          details: { rule: plan.autoApproveRule },
        });
        const request = (await this.store.getRequest(tx, id))!;
        events.push(await this.createGrant(tx, request, now, profile.plans));
      }
      await this.audit.append(tx, events);
      if (assessment) await this.assessments!.save(tx, id, 1, assessment, now);
    });
    if (plan.autoApproved) this.grantHooks.afterCommit();
    if (!plan.autoApproved) {
      await this.notifyOpenSteps(
        id,
        steps.filter(step => step.status === 'pending'),
        profile.apiRef,
        apiPlan
          ? `Access request for ${profile.apiRef} on the plan '${apiPlan.title}' awaits your review`
          : undefined,
      );
    }
    return this.changed(await this.get(id, caller));
  }

  /** Live updates for whoever shows the request; answers it unchanged. */
  private async changed(request: AccessRequest): Promise<AccessRequest> {
    await this.live.requestChanged(request);
    return request;
  }

  /**
   * A renewal is a request like any other: planned by the same policy from
   * the API's classification, the consumer and the environment as they are
   * now. It skips review only where a new request with the same terms would
   * be auto-approved, or where policy allows renewing unchanged terms whose
   * last review is recent; `renewal` on the request says which rule decided.
   */
  async renew(
    grantId: string,
    input: { durationDays: number; justification?: string },
    caller: Caller,
  ): Promise<{ requestId: string; autoApproved: boolean }> {
    const db = this.store.db;
    const grant = await this.grants.getGrant(db, grantId);
    if (!grant) throw new NotFoundError(`No grant '${grantId}'`);
    if (grant.requesterRef !== caller.userEntityRef) {
      throw new NotAllowedError('Only the requester of a grant can renew it');
    }
    checkRenewable(grant, this.clock());
    // The grant keeps its type: a renewal needs it still installed and offered.
    this.credentialTypes.assertStillOffered(grant.credentialType);
    const original = (await this.store.getRequest(db, grant.requestId))!;
    const profile = await this.profiles.getProfile(
      grant.apiRef,
      caller.credentials,
    );
    const terms = {
      apiRef: grant.apiRef,
      environment: grant.environment,
      scopes: grant.scopes,
      durationDays: input.durationDays,
    };
    this.checkTerms(terms, profile);
    // A renewal keeps the grant's plan: its duration must fit the plan, and
    // the plan's approval mode applies as it would to a new request. A plan
    // the API no longer offers leaves the renewal to the policy alone.
    const apiPlan = grant.plan
      ? profile.plans.find(p => p.name === grant.plan!.name)
      : undefined;
    if (apiPlan) {
      const problems = planProblems(apiPlan, terms);
      if (problems.length > 0) {
        throw new InputError(`The grant's plan: ${problems.join('; ')}`);
      }
    }
    const { kind: consumerKind, ownerRefs: consumerOwnerRefs } =
      await this.checkConsumer(grant.consumerRef, caller);
    const policyPlan = this.planFor(terms, consumerKind, profile, {
      plan: apiPlan,
    });
    const lastReview = await this.store.lastHumanReview(
      db,
      grantId,
      grant.requestId,
    );
    const reviewed = lastReview
      ? await this.store.getRequest(db, lastReview.requestId)
      : undefined;
    const beyond = this.beyondLastReview(
      reviewed,
      terms,
      consumerKind,
      profile,
      policyPlan,
    );
    const now = this.clock();
    const { autoRenewIfReviewedWithinDays, autoRenewIfUsedWithinDays } =
      this.policy.lifecycle.renewal;
    const within = (at: string | undefined, days: number) =>
      !!at && now.getTime() - Date.parse(at) <= days * DAY_MS;
    let plan: ReviewPlan;
    if (policyPlan.autoApproved) {
      plan = {
        ...policyPlan,
        renewal: {
          grantId,
          rule: 'policy-auto-approve',
          reason: `A new request with these terms is approved by policy (${policyPlan.autoApproveRule}), so the renewal is too`,
          beyondLastReview: beyond,
          lastReviewedAt: lastReview?.reviewedAt,
        },
      };
    } else if (
      beyond.length === 0 &&
      autoRenewIfReviewedWithinDays > 0 &&
      within(lastReview?.reviewedAt, autoRenewIfReviewedWithinDays) &&
      (autoRenewIfUsedWithinDays === 0 ||
        within(grant.lastUsedAt, autoRenewIfUsedWithinDays))
    ) {
      plan = {
        stages: [],
        autoApproved: true,
        autoApproveRule: RENEWAL_UNCHANGED_RULE,
        renewal: {
          grantId,
          rule: 'unchanged-recently-reviewed',
          reason: `The terms are those people reviewed on ${lastReview!.reviewedAt.slice(
            0,
            10,
          )}, within ${autoRenewIfReviewedWithinDays} days (apiAccess.lifecycle.renewal.autoRenewIfReviewedWithinDays)${
            autoRenewIfUsedWithinDays > 0
              ? `, and a credential was used within ${autoRenewIfUsedWithinDays} days`
              : ''
          }`,
          beyondLastReview: [],
          lastReviewedAt: lastReview!.reviewedAt,
        },
      };
    } else {
      plan = {
        ...policyPlan,
        renewal: {
          grantId,
          rule: 'policy-plan',
          reason:
            beyond.length > 0
              ? `Reviewed as a new request with these terms would be: beyond the terms last reviewed (${beyond.join(
                  '; ',
                )})`
              : 'Reviewed as a new request with these terms would be',
          beyondLastReview: beyond,
          lastReviewedAt: lastReview?.reviewedAt,
        },
      };
    }
    const id = randomUUID();
    const steps = stepsForPlan(id, 1, plan);
    await this.store.transaction(async tx => {
      // The grant's row lock makes "one open renewal" hold under races.
      const locked = await this.grants.lockGrant(tx, grantId);
      checkRenewable(locked!, now);
      const open = (await this.store.openRenewals(tx, [grantId])).get(grantId);
      if (open) {
        throw new ConflictError(
          `A renewal of this grant is already in review: request ${open}`,
        );
      }
      await this.store.insertRequest(tx, {
        id,
        apiRef: grant.apiRef,
        consumerRef: grant.consumerRef,
        consumerKind,
        requesterRef: caller.userEntityRef,
        ownerRef: profile.ownerRef ?? original.ownerRef,
        environment: grant.environment,
        scopes: grant.scopes,
        credentialType: grant.credentialType,
        useCase: original.useCase,
        justification: input.justification ?? original.justification,
        credentialStorage: original.credentialStorage,
        durationDays: input.durationDays,
        classificationLevel: profile.classification.level,
        classificationSource: profile.classification.source,
        plan,
        status: plan.autoApproved ? 'approved' : 'in_review',
        now,
        renewalOfGrantId: grantId,
        consumerOwnerRefs,
        planName: grant.plan?.name,
      });
      await this.steps.insertSteps(tx, steps, now);
      const events: NewAuditEvent[] = [
        {
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.submitted',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          toStatus: 'in_review',
          details: {
            renewalOf: grantId,
            durationDays: input.durationDays,
            lastUsedAt: grant.lastUsedAt ?? null,
            classification: profile.classification,
            renewal: plan.renewal,
            plan: planForHistory(plan),
          },
        },
      ];
      if (plan.autoApproved) {
        events.push({
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.auto_approved',
          actorRef: 'policy',
          occurredAt: now,
          fromStatus: 'in_review',
          toStatus: 'approved',
          details: {
            rule: plan.autoApproveRule,
            renewalRule: plan.renewal!.rule,
          },
        });
        const stored = (await this.store.getRequest(tx, id))!;
        events.push(await this.createGrant(tx, stored, now, profile.plans));
      }
      await this.audit.append(tx, events);
    });
    if (plan.autoApproved) {
      this.grantHooks.afterCommit();
    } else {
      await this.notifyOpenSteps(
        id,
        steps.filter(step => step.status === 'pending'),
        grant.apiRef,
        `Renewal of ${grant.consumerRef}'s access to ${grant.apiRef} (${grant.environment}) awaits your review`,
      );
    }
    return { requestId: id, autoApproved: plan.autoApproved };
  }

  /** What a renewal asks beyond the terms people last reviewed; empty when nothing. */
  private beyondLastReview(
    reviewed: StoredAccessRequest | undefined,
    terms: { environment: string; scopes: string[]; durationDays: number },
    consumerKind: ConsumerKind,
    profile: ApiAccessProfile,
    plan: ReviewPlan,
  ): string[] {
    if (!reviewed) {
      return [
        'no review by people on record: the grant was approved by policy',
      ];
    }
    const beyond: string[] = [];
    if (terms.durationDays > reviewed.approvedDurationDays) {
      beyond.push(
        `${terms.durationDays} days, longer than the ${reviewed.approvedDurationDays} reviewed`,
      );
    }
    const newScopes = terms.scopes.filter(
      scope => !reviewed.approvedScopes.includes(scope),
    );
    if (newScopes.length > 0) {
      beyond.push(`scopes never reviewed: ${newScopes.join(', ')}`);
    }
    if (terms.environment !== reviewed.environment) {
      beyond.push(
        `environment ${terms.environment}, reviewed for ${reviewed.environment}`,
      );
    }
    const levels = this.policy.classification.levels;
    if (
      levels.indexOf(profile.classification.level) >
      levels.indexOf(reviewed.classification.level)
    ) {
      beyond.push(
        `classification now ${profile.classification.level}, reviewed as ${reviewed.classification.level}`,
      );
    }
    if (consumerKind !== reviewed.consumerKind) {
      beyond.push(
        `the consumer is now ${consumerKind}, reviewed as ${reviewed.consumerKind}`,
      );
    }
    const reviewedBy = new Set(
      reviewed.plan.stages.flatMap(stage =>
        stage.steps.map(step => step.reviewerRef),
      ),
    );
    const missing = Array.from(
      new Set(
        plan.stages.flatMap(stage => stage.steps.map(step => step.reviewerRef)),
      ),
    ).filter(ref => !reviewedBy.has(ref));
    if (missing.length > 0) {
      beyond.push(
        `policy now asks ${missing.join(
          ', ',
        )}, who did not review it last time`,
      );
    }
    return beyond;
  }

  /** One request with its current steps and all decisions, if the caller may see it. */
  async get(id: string, caller: Caller): Promise<AccessRequest> {
    const request = await this.readable(id, caller);
    const db = this.store.db;
    const steps = await this.steps.getSteps(db, id, request.reviewRound);
    const decisions = await this.steps.getDecisions(db, id);
    const grantId =
      (await this.grants.getGrantIdForRequest(db, id)) ??
      (request.status === 'approved' ? request.renewalOfGrantId : undefined);
    const assessment = await this.assessments?.get(id, request.reviewRound);
    const conflict = await this.viewerConflict(
      request,
      steps,
      decisions,
      caller,
    );
    return {
      ...this.publicRequest(request),
      steps,
      decisions,
      grantId,
      ...(assessment ? { assessment } : {}),
      ...(conflict ? { viewerConflict: conflict } : {}),
    };
  }

  async history(subjectId: string, caller: Caller): Promise<AuditEvent[]> {
    const grantRequestId = await this.grants.getRequestIdForGrant(
      this.store.db,
      subjectId,
    );
    await this.readable(grantRequestId ?? subjectId, caller);
    return this.audit.list(grantRequestId ?? subjectId);
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
    permissionFilter?: PermissionCriteria<RequestFilter>,
  ): Promise<Page<AccessRequest>> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.cursor && !cursor) {
      throw new InputError('cursor is not a cursor this API returned');
    }
    let page;
    if (query.view === 'mine') {
      page = await this.store.listRequests(this.store.db, {
        requesterRef: caller.userEntityRef,
        status: query.status,
        permissionFilter,
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
          : await this.store.listRequests(this.store.db, {
              pendingForReviewerRefs: reviewerRefs,
              excludeRequesterRef: caller.userEntityRef,
              excludeConsumerOwnerRefs: caller.ownershipEntityRefs,
              excludeDeciderRef: caller.userEntityRef,
              status: query.status ?? 'in_review',
              permissionFilter,
              limit: query.limit,
              cursor,
            });
    }
    return {
      items: page.items.map(item => this.publicRequest(item)),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * One reviewer's decision on one request, in one transaction. A bulk
   * decision calls this once per request with its `batchId`, which every
   * history event of the decision then carries.
   */
  async decide(
    id: string,
    input: DecisionInput,
    caller: Caller,
    options: { batchId?: string } = {},
  ): Promise<TransitionResult> {
    // Asked before the transaction: the catalog is a network call. The
    // consumer cannot change while the request is in review (only a
    // resubmission changes it), and the transaction checks it did not.
    const before = await this.store.getRequest(this.store.db, id);
    if (!before) {
      throw new NotFoundError(`No access request '${id}'`);
    }
    const stake = await this.stake.conflict(caller, before, caller.credentials);
    // The API's plans: to lower the plan, and to snapshot the approved one
    // into the grant. Also a network call, so asked before the transaction.
    const plans =
      input.plan !== undefined || before.approvedPlan
        ? (await this.profiles.getProfile(before.apiRef, caller.credentials))
            .plans
        : [];
    const result = await this.store.transaction(async tx => {
      const request = await this.store.getRequest(tx, id);
      if (!request) {
        throw new NotFoundError(`No access request '${id}'`);
      }
      const now = this.clock();
      const decided = decideRequest({
        request,
        askedAbout: before,
        stake,
        steps: await this.steps.getSteps(tx, id, request.reviewRound),
        decisions: await this.steps.getDecisions(tx, id),
        stepIdentities: await this.steps.getStepIdentities(tx, id),
        caller,
        input,
        now,
        plans,
      });
      if (decided.refused) throw refusalError(decided.refused);
      const { outcome } = decided;
      const { status, narrowed } = outcome;

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
      await this.steps.insertDecision(tx, {
        id: randomUUID(),
        requestId: id,
        stepId: outcome.step.id,
        reviewRound: request.reviewRound,
        deciderRef: caller.userEntityRef,
        decision: input.decision,
        comment: input.comment,
        narrowedScopes: outcome.narrowedScopes,
        narrowedDurationDays: outcome.narrowedDurationDays,
        narrowedPlan: outcome.narrowedPlan,
        now,
      });
      if (narrowed) {
        await this.store.setApprovedTerms(
          tx,
          id,
          narrowed.scopes,
          narrowed.durationDays,
          narrowed.plan,
        );
      }
      for (const update of outcome.stepUpdates) {
        await this.steps.setStepStatuses(tx, update.ids, update.status, now);
      }
      const { batchId } = options;
      const events: NewAuditEvent[] = batchId
        ? outcome.events.map(e => ({
            ...e,
            details: { ...e.details, batchId },
          }))
        : [...outcome.events];
      let grant: { id: string } | undefined;
      if (status === 'approved') {
        const approved = (await this.store.getRequest(tx, id))!;
        const grantEvent = await this.createGrant(tx, approved, now, plans);
        grant = { id: grantEvent.subjectId };
        events.push(grantEvent);
      }
      await this.audit.append(tx, events);
      return {
        previousStatus: request.status,
        status,
        grant,
        request,
        opened: outcome.opened,
        lowered: narrowed?.plan,
      };
    });
    if (result.grant) this.grantHooks.afterCommit();

    if (result.opened.length > 0) {
      await this.notifyOpenSteps(id, result.opened, result.request.apiRef);
    }
    // The requester hears of every decision that moved the request along.
    if (result.status !== 'in_review' || result.opened.length > 0) {
      await this.notifier.notify([result.request.requesterRef], {
        title: `Access request for ${
          result.request.apiRef
        }: ${input.decision.replace('_', ' ')} by ${caller.userEntityRef}`,
        description:
          [
            result.lowered
              ? `Approved on the plan '${result.lowered}' instead of '${result.request.approvedPlan}'.`
              : undefined,
            input.comment,
          ]
            .filter(Boolean)
            .join(' ') || undefined,
        requestId: id,
      });
    }
    return {
      previousStatus: result.previousStatus,
      grant: result.grant,
      request: await this.changed(await this.get(id, caller)),
    };
  }

  /**
   * The requester answers "changes requested" with new terms. Approvals
   * already given stay only when the access terms (consumer, environment,
   * scopes, duration) are unchanged; otherwise the plan is computed again
   * and every step is decided afresh.
   */
  async resubmit(
    id: string,
    input: Terms & { comment?: string; plan?: string; credentialType?: string },
    caller: Caller,
  ): Promise<TransitionResult> {
    const existing = await this.store.getRequest(this.store.db, id);
    if (!existing) {
      throw new NotFoundError(`No access request '${id}'`);
    }
    if (existing.requesterRef !== caller.userEntityRef) {
      throw new NotAllowedError(
        'Only the requester can resubmit an access request',
      );
    }
    this.assessments?.refuseSecrets({ ...input, apiRef: existing.apiRef });
    // The request keeps its credential type, but a type this Backstage does
    // not offer is bad input here as on a new request, not silently ignored.
    if (input.credentialType !== undefined) {
      this.credentialTypes.assertOffered(input.credentialType);
    }
    const profile = await this.profiles.getProfile(
      existing.apiRef,
      caller.credentials,
    );
    this.checkTerms(input, profile);
    const apiPlan = this.choosePlan(input, input.plan, profile);
    const { kind: consumerKind, ownerRefs: consumerOwnerRefs } =
      await this.checkConsumer(input.consumerRef, caller);
    const assessment = await this.assessments?.assessSubmission({
      draft: { ...input, apiRef: existing.apiRef, plan: apiPlan?.name },
      profile,
      consumerKind,
      caller,
      requestId: id,
    });

    let newSteps: NewReviewStep[] = [];
    const previousStatus = await this.store.transaction(async tx => {
      const request = await this.store.getRequest(tx, id);
      if (!request || request.status !== 'changes_requested') {
        throw new ConflictError(
          `The request is ${request?.status}; only a request with changes requested can be resubmitted`,
        );
      }
      const termsChanged =
        request.consumerRef !== input.consumerRef ||
        request.environment !== input.environment ||
        !sameSet(request.scopes, input.scopes) ||
        request.durationDays !== input.durationDays ||
        request.requestedPlan !== apiPlan?.name;
      const round = request.reviewRound + 1;
      const now = this.clock();
      let plan = request.plan;
      let kept = new Set<string>();
      if (termsChanged) {
        // Never approve without review a request that a reviewer sent back.
        plan = this.planFor(
          { ...input, apiRef: request.apiRef },
          consumerKind,
          profile,
          {
            skipAutoApprove: true,
            plan: apiPlan,
          },
        );
      } else {
        const previous = await this.steps.getSteps(tx, id, request.reviewRound);
        kept = new Set(
          previous
            .filter(s => s.status === 'approved')
            .map(s => `${s.stageIndex}/${s.name}`),
        );
      }
      newSteps = stepsForPlan(id, round, plan, kept);

      const moved = await this.store.transitionRequest(
        tx,
        id,
        request.version,
        'in_review',
        now,
      );
      if (!moved) {
        throw new ConflictError(
          'The request changed meanwhile; reload it and try again',
        );
      }
      await this.store.updateTermsForResubmission(tx, id, {
        ...input,
        consumerKind,
        consumerOwnerRefs,
        reviewRound: round,
        plan,
        approvedScopes: termsChanged ? input.scopes : request.approvedScopes,
        approvedDurationDays: termsChanged
          ? input.durationDays
          : request.approvedDurationDays,
        planName: apiPlan?.name,
        approvedPlanName: termsChanged ? apiPlan?.name : request.approvedPlan,
      });
      await this.steps.insertSteps(tx, newSteps, now);
      await this.audit.append(tx, [
        {
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.resubmitted',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          fromStatus: request.status,
          toStatus: 'in_review',
          details: {
            round,
            termsChanged,
            keptApprovals: Array.from(kept),
            comment: input.comment,
            consumerRef: input.consumerRef,
            environment: input.environment,
            scopes: input.scopes,
            durationDays: input.durationDays,
            ...(apiPlan ? { requestedPlan: apiPlan.name } : {}),
            ...(assessment
              ? {
                  riskScore: assessment.risk.score,
                  findings: assessment.findings.map(f => f.id),
                }
              : {}),
          },
        },
      ]);
      if (assessment) {
        await this.assessments!.save(tx, id, round, assessment, now);
      }
      return request.status;
    });
    await this.notifyOpenSteps(
      id,
      newSteps.filter(s => s.status === 'pending'),
      existing.apiRef,
    );
    return {
      previousStatus,
      request: await this.changed(await this.get(id, caller)),
    };
  }

  /** The requester takes back a request that has not been decided yet. */
  async withdraw(id: string, caller: Caller): Promise<TransitionResult> {
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
      const now = this.clock();
      const moved = await this.store.transitionRequest(
        tx,
        id,
        request.version,
        'withdrawn',
        now,
      );
      if (!moved) {
        throw new ConflictError(
          'The request changed meanwhile; reload it and try again',
        );
      }
      await this.audit.append(tx, [
        {
          subjectType: 'request',
          subjectId: id,
          requestId: id,
          action: 'request.withdrawn',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          fromStatus: request.status,
          toStatus: 'withdrawn',
        },
      ]);
      return request.status;
    });
    return {
      previousStatus,
      request: await this.changed(await this.get(id, caller)),
    };
  }

  /** Requests as permission rules see them, for CONDITIONAL decisions on single reads. */
  async getResources(
    ids: string[],
  ): Promise<Array<RequestResource | undefined>> {
    const requests = await this.store.getRequests(this.store.db, ids);
    return Promise.all(
      ids.map(async id => {
        const request = requests.find(r => r.id === id);
        if (!request) return undefined;
        const reviewerRefs = await this.steps.getReviewerRefs(
          this.store.db,
          id,
        );
        return { ...this.publicRequest(request), reviewerRefs };
      }),
    );
  }

  /**
   * Why the caller may not decide the request's open step, if they are one of
   * its reviewers and yet may not: shown where the decision buttons would be.
   */
  private async viewerConflict(
    request: StoredAccessRequest,
    steps: ReviewStep[],
    decisions: AccessRequest['decisions'] & object,
    caller: Caller,
  ): Promise<Conflict | undefined> {
    const mine = steps.filter(
      s => s.status === 'pending' && mayDecideStep(s, caller),
    );
    if (request.status !== 'in_review' || mine.length === 0) return undefined;
    const stake = await this.stake.conflict(
      caller,
      request,
      caller.credentials,
    );
    if (stake) return stake;
    const decided = decidedStepKeys(
      decisions,
      await this.steps.getStepIdentities(this.store.db, request.id),
    );
    const blocked = mine
      .map(step => otherStepDecided(caller.userEntityRef, step, decided))
      .filter((c): c is Conflict => !!c);
    return blocked.length === mine.length ? blocked[0] : undefined;
  }

  /** Incremental from the last signed checkpoint; `full` rehashes the whole chain. */
  verifyAudit(options: { full?: boolean } = {}) {
    return this.audit.verify(options);
  }

  /** The history for GET /audit/export, which streams it page by page. */
  get auditLog(): AuditLog {
    return this.audit;
  }

  private async createGrant(
    tx: Knex.Transaction,
    request: StoredAccessRequest,
    now: Date,
    plans: readonly ApiAccessPlan[],
  ): Promise<NewAuditEvent> {
    // A renewal's approval extends the grant it is for; no new grant.
    if (request.renewalOfGrantId) {
      return extendRenewedGrant(this.grants, tx, request, now, this.grantHooks);
    }
    // The grant keeps the approved plan's limits as they are now: the
    // gateway reads them with the key and never asks the catalog.
    let plan: ApiAccessPlan | undefined;
    if (request.approvedPlan) {
      plan = plans.find(p => p.name === request.approvedPlan);
      if (!plan) {
        throw new ConflictError(
          `${request.apiRef} no longer offers the plan '${
            request.approvedPlan
          }' (it offers ${
            plans.map(p => p.name).join(', ') || 'no plans'
          }); approve a plan it offers or request changes`,
        );
      }
    }
    const id = randomUUID();
    const expiresAt = new Date(
      now.getTime() + request.approvedDurationDays * DAY_MS,
    );
    await this.grants.insertGrant(tx, {
      id,
      requestId: request.id,
      apiRef: request.apiRef,
      consumerRef: request.consumerRef,
      requesterRef: request.requesterRef,
      ownerRef: request.ownerRef,
      environment: request.environment,
      scopes: request.approvedScopes,
      credentialType: request.credentialType,
      now,
      expiresAt,
      plan: plan ? grantPlanOf(plan) : undefined,
    });
    await this.grantHooks.grantCreated(
      tx,
      { id, credentialType: request.credentialType },
      now,
    );
    return {
      subjectType: 'grant',
      subjectId: id,
      requestId: request.id,
      action: 'grant.created',
      actorRef: 'api-access',
      occurredAt: now,
      toStatus: 'active',
      details: {
        apiRef: request.apiRef,
        consumerRef: request.consumerRef,
        environment: request.environment,
        scopes: request.approvedScopes,
        expiresAt: expiresAt.toISOString(),
        ...(plan ? { plan: grantPlanOf(plan) } : {}),
      },
    };
  }

  /** The request, if the caller made it, reviews it (in any round), is an admin, or may not see it. */
  private async readable(
    id: string,
    caller: Caller,
  ): Promise<StoredAccessRequest> {
    const request = await this.store.getRequest(this.store.db, id);
    if (!request) {
      throw new NotFoundError(`No access request '${id}'`);
    }
    if (request.requesterRef !== caller.userEntityRef) {
      const reviewers = await this.steps.getReviewerRefs(this.store.db, id);
      if (
        !reviewers.some(ref => caller.ownershipEntityRefs.includes(ref)) &&
        !(await this.adminCheck?.isAdmin(caller.credentials))
      ) {
        throw new NotAllowedError(
          'Only the requester and the reviewers of an access request can see it',
        );
      }
    }
    return request;
  }

  private checkTerms(
    terms: Omit<
      Terms,
      'consumerRef' | 'useCase' | 'justification' | 'credentialStorage'
    >,
    profile: ApiAccessProfile,
  ) {
    if (!profile.environments.includes(terms.environment)) {
      throw new InputError(
        `environment '${terms.environment}' is not offered by ${
          profile.apiRef
        }; choose one of ${profile.environments.join(', ')}`,
      );
    }
    if (profile.scopes.length > 0) {
      const unknown = terms.scopes.filter(
        scope => !profile.scopes.includes(scope),
      );
      if (unknown.length > 0) {
        throw new InputError(
          `scopes ${unknown.map(s => `'${s}'`).join(', ')} not offered by ${
            profile.apiRef
          }; it offers ${profile.scopes.join(', ')}`,
        );
      }
      if (terms.scopes.length === 0) {
        throw new InputError(
          `scopes must name at least one of ${profile.scopes.join(', ')}`,
        );
      }
    } else if (terms.scopes.length > 0) {
      throw new InputError(
        `scopes must be empty: ${profile.apiRef} declares no scopes`,
      );
    }
    const max = maxDurationFor(this.policy, terms.environment);
    if (terms.durationDays > max) {
      throw new InputError(
        `durationDays must be at most ${max} days for ${terms.environment}`,
      );
    }
  }

  private planFor(
    draft: {
      apiRef: string;
      environment: string;
      scopes: string[];
      durationDays?: number;
    },
    consumerKind: ConsumerKind,
    profile: ApiAccessProfile,
    options: { skipAutoApprove?: boolean; plan?: ApiAccessPlan } = {},
  ): ReviewPlan {
    if (!profile.ownerRef) {
      throw new InputError(
        `${draft.apiRef} has no owner in the catalog, so nobody can review access to it`,
      );
    }
    const policy = options.skipAutoApprove
      ? { ...this.policy, autoApprove: [] }
      : this.policy;
    // The same score the assistant reports, so minRiskScore rules route by it.
    const { plan } = options;
    const riskScore = computeRiskScore(
      { ...draft, consumerKind, plan: plan?.name },
      profile,
      this.policy,
    ).score;
    return computeReviewPlan(
      {
        environment: draft.environment,
        scopes: draft.scopes,
        consumerKind,
        riskScore,
        ...(plan
          ? {
              plan: {
                name: plan.name,
                // A request a reviewer sent back is never approved without
                // review, not even on an automatic plan.
                approval:
                  options.skipAutoApprove && plan.approval === 'automatic'
                    ? 'policy'
                    : plan.approval,
              },
            }
          : {}),
      },
      profile,
      policy,
    );
  }

  /**
   * The plan a request is for. An API without plans takes none; one with
   * plans takes the named plan when the terms fit it, or else the smallest
   * plan that allows the scopes, the environment and the duration.
   */
  private choosePlan(
    terms: { scopes: string[]; environment: string; durationDays?: number },
    named: string | undefined,
    profile: ApiAccessProfile,
  ): ApiAccessPlan | undefined {
    const plans = profile.plans ?? [];
    const fit = {
      scopes: terms.scopes,
      environment: terms.environment,
      durationDays: terms.durationDays ?? 1,
    };
    if (plans.length === 0) {
      if (named !== undefined) {
        throw new InputError(
          `plan '${named}' is not offered: ${profile.apiRef} offers no plans; leave plan out`,
        );
      }
      return undefined;
    }
    const names = plans.map(p => `'${p.name}'`).join(', ');
    if (named !== undefined) {
      const plan = plans.find(p => p.name === named);
      if (!plan) {
        throw new InputError(
          `plan '${named}' is not offered by ${profile.apiRef}; it offers ${names}`,
        );
      }
      const problems = planProblems(plan, fit);
      if (problems.length > 0) {
        throw new InputError(`plan: ${problems.join('; ')}`);
      }
      return plan;
    }
    const fitting = plans.find(p => planProblems(p, fit).length === 0);
    if (!fitting) {
      throw new InputError(
        `No plan of ${profile.apiRef} (${names}) allows these terms: ${plans
          .map(p => planProblems(p, fit).join('; '))
          .join('; ')}`,
      );
    }
    return fitting;
  }

  private async notifyOpenSteps(
    requestId: string,
    steps: Array<{ reviewerRef: string }>,
    apiRef: string,
    title = `Access request for ${apiRef} awaits your review`,
  ) {
    if (steps.length === 0) return;
    await this.notifier.notify(
      steps.map(step => step.reviewerRef),
      { title, requestId },
    );
  }

  /**
   * The consumer must be a Component one of the caller's groups owns
   * (internal) or a partner/vendor Group the caller belongs to (external).
   */
  private async checkConsumer(
    consumerRef: string,
    caller: Caller,
  ): Promise<{ kind: ConsumerKind; ownerRefs: string[] }> {
    const consumer: Entity | undefined = await this.catalog.getEntityByRef(
      consumerRef,
      {
        credentials: caller.credentials,
      },
    );
    const verdict = judgeConsumer(
      consumerRef,
      consumer,
      caller.ownershipEntityRefs,
    );
    if (!verdict.found) {
      throw new InputError(
        `consumerRef '${consumerRef}' is not in the catalog`,
      );
    }
    const { ref } = verdict;
    switch (verdict.problem) {
      case 'group_type':
        throw new InputError(
          `consumerRef '${ref}' is a ${groupTypeWords(
            verdict.groupType,
          )} group; a group consumer must be of type ${EXTERNAL_GROUP_TYPES.join(
            ' or ',
          )}`,
        );
      case 'not_member':
        throw new NotAllowedError(
          `You are not a member of '${ref}', so you cannot request access for it`,
        );
      case 'not_owner':
        throw new NotAllowedError(
          `'${ref}' is owned by ${
            verdict.ownerRefs.join(', ') || 'nobody'
          }; you can only request access for components your groups own`,
        );
      default:
        return { kind: verdict.kind!, ownerRefs: verdict.ownerRefs };
    }
  }

  private publicRequest(request: StoredAccessRequest): AccessRequest {
    const { plan, consumerOwnerRefs: _owners, ...rest } = request;
    return plan.renewal ? { ...rest, renewal: plan.renewal } : rest;
  }
}
