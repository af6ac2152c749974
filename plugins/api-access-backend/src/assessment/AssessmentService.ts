/*
 * The request assistant. Runs the built-in assessors (pure, from -common) and
 * then every assessor a module added through the -node extension point, and
 * merges their findings with the risk score.
 *
 * Module assessors only advise:
 * - each runs under a strict timeout (apiAccess.assessment.moduleTimeoutSeconds,
 *   default 10); a timeout, an error or an answer that is not a list of
 *   findings is logged and ignored, never blocking a submission;
 * - their `blocker` findings become `warning`s unless the assessor declares
 *   `mayBlock` (meant for deterministic, local checks such as a company's
 *   own secret scanner; never set by the LLM module);
 * - suggestions are kept only when they narrow the request (fewer scopes,
 *   fewer days, a non-production environment the API offers);
 * - whatever else they return (say, `"action": "approve"`) is dropped: the
 *   assistant's output is findings and a score, and nothing in the workflow
 *   reads findings to approve, reject or route a request.
 *
 * Text that looks like a secret is refused before anything else happens,
 * and module assessors never see such a draft.
 */
import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AssessmentConsumer,
  AssessmentContext,
  AssessmentDraft,
  AssessmentResult,
  ApiAccessProfile,
  BUILT_IN_ASSESSORS,
  ConsumerKind,
  EXTERNAL_GROUP_TYPES,
  FINDING_FIELDS,
  Finding,
  FindingField,
  FindingSuggestion,
  RequestAssessment,
  SECRET_FINDING_ID,
  assessSecrets,
  findSecrets,
  findingSuggestionSchema,
  isProductionLike,
  runBuiltInAssessors,
  sortFindings,
} from '@api-access/backstage-plugin-api-access-common';
import { groupTypeWords, judgeConsumer } from '../requests/consumer';
import {
  ApiAccessAssessor,
  AssessorInput,
} from '@api-access/backstage-plugin-api-access-node';
import { Knex } from 'knex';
import { z } from 'zod';
import { ApiAccessConfig } from '../config';
import type { Caller } from '../requests/workflowTypes';
import { ApiProfileService } from '../profiles/ApiProfileService';
import { AssessmentStore } from './AssessmentStore';

/** Findings one module assessor may add to one request. */
export const MAX_MODULE_FINDINGS = 20;
/** Longest message kept from a module assessor. */
export const MAX_MODULE_MESSAGE_LENGTH = 500;

const ASSESSOR_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A 400 that names the blockers; the router adds them to the body as `findings`. */
export class AssessmentBlockedError extends InputError {
  constructor(readonly findings: Finding[]) {
    super(
      `The request assistant found ${
        findings.length === 1 ? 'a problem' : `${findings.length} problems`
      } to fix before submitting: ${findings
        .map(finding => `${finding.field}: ${finding.message}`)
        .join(' ')}`,
    );
    this.name = 'InputError';
  }
}

const moduleFindingSchema = z.object({
  id: z.string().max(200).optional(),
  severity: z.enum(['blocker', 'warning', 'info']),
  field: z.string().max(100).optional(),
  message: z.string().min(1).max(20_000),
  suggestion: z.unknown().optional(),
});

export interface AssessmentServiceOptions {
  store: AssessmentStore;
  catalog: CatalogService;
  profiles: ApiProfileService;
  policy: ApiAccessConfig;
  logger: LoggerService;
  assessors?: ApiAccessAssessor[];
  clock?: () => Date;
}

export class AssessmentService {
  private readonly assessors: ApiAccessAssessor[];
  private readonly clock: () => Date;

  constructor(private readonly options: AssessmentServiceOptions) {
    this.assessors = options.assessors ?? [];
    this.clock = options.clock ?? (() => new Date());
    const builtIn = new Set(BUILT_IN_ASSESSORS.map(a => a.id));
    const seen = new Set<string>();
    for (const assessor of this.assessors) {
      if (!ASSESSOR_ID.test(assessor.id)) {
        throw new Error(
          `api-access assessor id '${assessor.id}' must be lowercase letters, digits and dashes`,
        );
      }
      if (builtIn.has(assessor.id) || seen.has(assessor.id)) {
        throw new Error(
          `api-access assessor id '${assessor.id}' is already taken${
            builtIn.has(assessor.id) ? ' by a built-in assessor' : ''
          }`,
        );
      }
      seen.add(assessor.id);
    }
  }

  /** Module assessor ids, for the start-up log. */
  get moduleIds(): string[] {
    return this.assessors.map(assessor => assessor.id);
  }

  /**
   * Refuses a draft whose text looks like it holds a secret. Called before
   * anything else reads the request, so no error message or audit record
   * can repeat the text.
   */
  refuseSecrets(draft: AssessmentDraft): void {
    const secrets = assessSecrets(draft);
    if (secrets.length > 0) throw new AssessmentBlockedError(secrets);
  }

  /** For the form, while the requester types: never throws for findings, writes nothing. */
  async assessDraft(
    draft: AssessmentDraft & { requestId?: string },
    caller: Caller,
    options: { modules?: boolean } = {},
  ): Promise<AssessmentResult> {
    const profile = await this.options.profiles.getProfile(
      draft.apiRef,
      caller.credentials,
    );
    const consumer = draft.consumerRef
      ? await this.resolveConsumer(draft.consumerRef, caller)
      : undefined;
    const context = await this.contextFor(
      draft,
      caller,
      consumer,
      draft.requestId,
    );
    const builtIn = runBuiltInAssessors(draft, profile, context);
    if (
      !options.modules ||
      builtIn.findings.some(finding => finding.id === SECRET_FINDING_ID)
    ) {
      return builtIn;
    }
    const fromModules = await this.runModules(
      'draft',
      draft,
      profile,
      consumer?.kind,
      builtIn.findings,
    );
    return {
      findings: sortFindings([...builtIn.findings, ...fromModules]),
      risk: builtIn.risk,
    };
  }

  /**
   * On create and resubmit, after the workflow's own checks passed: every
   * assessor, then AssessmentBlockedError if anything blocks.
   */
  async assessSubmission(input: {
    draft: AssessmentDraft;
    profile: ApiAccessProfile;
    consumerKind: ConsumerKind;
    caller: Caller;
    /** On resubmit: the request itself. */
    requestId?: string;
  }): Promise<AssessmentResult> {
    const { draft, profile, consumerKind, caller } = input;
    const consumer: AssessmentConsumer | undefined = draft.consumerRef
      ? { ref: draft.consumerRef, found: true, kind: consumerKind, owned: true }
      : undefined;
    const context = await this.contextFor(
      draft,
      caller,
      consumer,
      input.requestId,
    );
    const builtIn = runBuiltInAssessors(draft, profile, context);
    const builtInBlockers = builtIn.findings.filter(
      f => f.severity === 'blocker',
    );
    if (builtInBlockers.length > 0) {
      throw new AssessmentBlockedError(builtInBlockers);
    }
    const fromModules = await this.runModules(
      'submission',
      draft,
      profile,
      consumerKind,
      builtIn.findings,
    );
    const moduleBlockers = fromModules.filter(f => f.severity === 'blocker');
    if (moduleBlockers.length > 0) {
      throw new AssessmentBlockedError(moduleBlockers);
    }
    return {
      findings: sortFindings([...builtIn.findings, ...fromModules]),
      risk: builtIn.risk,
    };
  }

  async save(
    tx: Knex.Transaction,
    requestId: string,
    round: number,
    result: AssessmentResult,
    now: Date,
  ): Promise<void> {
    await this.options.store.save(tx, {
      id: randomUUID(),
      requestId,
      round,
      result,
      now,
    });
  }

  get(
    requestId: string,
    round: number,
  ): Promise<RequestAssessment | undefined> {
    return this.options.store.get(this.options.store.db, requestId, round);
  }

  /** The workflow's consumer check (requests/consumer.ts), as a finding instead of an error. */
  private async resolveConsumer(
    consumerRef: string,
    caller: Caller,
  ): Promise<AssessmentConsumer> {
    const entity = await this.options.catalog.getEntityByRef(consumerRef, {
      credentials: caller.credentials,
    });
    const verdict = judgeConsumer(
      consumerRef,
      entity,
      caller.ownershipEntityRefs,
    );
    if (!verdict.found) return { ref: consumerRef, found: false, owned: false };
    const { ref, kind, problem } = verdict;
    const owned = !problem;
    switch (problem) {
      case 'group_type':
        return {
          ref,
          found: true,
          owned,
          detail: `it is a ${groupTypeWords(
            verdict.groupType,
          )} group, and a group consumer must be of type ${EXTERNAL_GROUP_TYPES.join(
            ' or ',
          )}`,
        };
      case 'not_member':
        return {
          ref,
          found: true,
          kind,
          owned,
          detail: 'you are not a member of it',
        };
      case 'not_owner':
        return {
          ref,
          found: true,
          kind,
          owned,
          detail: `it is owned by ${verdict.ownerRefs.join(', ') || 'nobody'}`,
        };
      default:
        return { ref, found: true, kind, owned, detail: undefined };
    }
  }

  private async contextFor(
    draft: AssessmentDraft,
    caller: Caller,
    consumer: AssessmentConsumer | undefined,
    requestId: string | undefined,
  ): Promise<AssessmentContext> {
    const context: AssessmentContext = {
      policy: this.options.policy,
      requesterRef: caller.userEntityRef,
      ownershipRefs: caller.ownershipEntityRefs,
      consumer,
      requestId,
    };
    // Only for a consumer the requester may act for: no peeking at others' access.
    if (consumer?.owned && draft.environment) {
      const key = {
        apiRef: draft.apiRef,
        consumerRef: consumer.ref,
        environment: draft.environment,
      };
      context.activeGrants = await this.options.store.activeGrants(
        key,
        this.clock(),
      );
      context.openRequests = await this.options.store.openRequests(key);
    }
    return context;
  }

  private async runModules(
    phase: AssessorInput['phase'],
    draft: AssessmentDraft,
    profile: ApiAccessProfile,
    consumerKind: ConsumerKind | undefined,
    builtInFindings: Finding[],
  ): Promise<Finding[]> {
    if (this.assessors.length === 0) return [];
    const base = {
      phase,
      request: draft,
      api: {
        ref: profile.apiRef,
        name: profile.title,
        description: profile.description,
        classification: profile.classification,
        lifecycle: profile.lifecycle,
        ownerRef: profile.ownerRef,
      },
      consumerKind,
      builtInFindings,
    };
    const results = await Promise.all(
      this.assessors.map(assessor => this.runOne(assessor, base, profile)),
    );
    const seen = new Set(builtInFindings.map(f => `${f.id}|${f.field}`));
    return results.flat().filter(finding => {
      const key = `${finding.id}|${finding.field}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private async runOne(
    assessor: ApiAccessAssessor,
    base: Omit<AssessorInput, 'signal'>,
    profile: ApiAccessProfile,
  ): Promise<Finding[]> {
    const timeoutSeconds = this.options.policy.assessment.moduleTimeoutSeconds;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000);
    });
    try {
      const answer = await Promise.race([
        Promise.resolve().then(() =>
          assessor.assess({ ...base, signal: controller.signal }),
        ),
        timedOut,
      ]);
      if (answer === 'timeout') {
        controller.abort();
        this.options.logger.warn(
          `api-access assessor ${assessor.id} did not answer within ${timeoutSeconds}s; its findings are left out`,
        );
        return [];
      }
      return this.sanitize(assessor, answer, base.request, profile);
    } catch (error) {
      this.options.logger.warn(
        `api-access assessor ${
          assessor.id
        } failed; its findings are left out: ${String(
          (error as Error)?.message ?? error,
        ).slice(0, 300)}`,
      );
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  /** Module output as findings the assistant can stand behind, or nothing. */
  private sanitize(
    assessor: ApiAccessAssessor,
    answer: unknown,
    draft: AssessmentDraft,
    profile: ApiAccessProfile,
  ): Finding[] {
    if (!Array.isArray(answer)) {
      this.options.logger.warn(
        `api-access assessor ${assessor.id} returned something other than a list of findings; ignored`,
      );
      return [];
    }
    const findings: Finding[] = [];
    let dropped = 0;
    for (const item of answer.slice(0, MAX_MODULE_FINDINGS)) {
      const parsed = moduleFindingSchema.safeParse(item);
      if (!parsed.success) {
        dropped += 1;
        continue;
      }
      const raw = parsed.data;
      const message = raw.message.replace(/\s+/g, ' ').trim();
      // A module must not carry a secret into the stored findings either.
      if (!message || findSecrets(message).length > 0) {
        dropped += 1;
        continue;
      }
      const field = (FINDING_FIELDS as readonly string[]).includes(
        raw.field ?? '',
      )
        ? (raw.field as FindingField)
        : 'request';
      const suggestion = this.narrowingSuggestion(
        raw.suggestion,
        draft,
        profile,
      );
      findings.push({
        id: this.findingId(assessor.id, raw.id),
        severity:
          raw.severity === 'blocker' && !assessor.mayBlock
            ? 'warning'
            : raw.severity,
        field,
        message:
          message.length > MAX_MODULE_MESSAGE_LENGTH
            ? `${message.slice(0, MAX_MODULE_MESSAGE_LENGTH - 1)}…`
            : message,
        assessor: assessor.id,
        ...(suggestion ? { suggestion } : {}),
      });
    }
    if (dropped > 0 || answer.length > MAX_MODULE_FINDINGS) {
      this.options.logger.warn(
        `api-access assessor ${assessor.id}: kept ${findings.length} of ${answer.length} findings (invalid ones and those over ${MAX_MODULE_FINDINGS} are dropped)`,
      );
    }
    return findings;
  }

  private findingId(assessorId: string, id: string | undefined): string {
    const slug = (id ?? '')
      .toLocaleLowerCase('en-US')
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/(^[.-]+|[.-]+$)/g, '')
      .split('.')
      .map(part => part.replace(/^-+|-+$/g, ''))
      .filter(part => part.length > 0)
      .join('.');
    const prefixed = slug.startsWith(`${assessorId}.`)
      ? slug
      : `${assessorId}.${slug || 'finding'}`;
    return prefixed.slice(0, 120).replace(/[.-]+$/, '');
  }

  /** Only a suggestion that narrows the request survives. */
  private narrowingSuggestion(
    value: unknown,
    draft: AssessmentDraft,
    profile: ApiAccessProfile,
  ): FindingSuggestion | undefined {
    if (value === undefined) return undefined;
    const parsed = findingSuggestionSchema.safeParse(value);
    if (!parsed.success) return undefined;
    const suggestion = parsed.data;
    if (findSecrets(suggestion.label).length > 0) return undefined;
    if (suggestion.field === 'scopes') {
      const narrower =
        suggestion.value.length > 0 &&
        suggestion.value.length < draft.scopes.length &&
        suggestion.value.every(scope => draft.scopes.includes(scope));
      return narrower ? suggestion : undefined;
    }
    if (suggestion.field === 'durationDays') {
      return draft.durationDays !== undefined &&
        suggestion.value < draft.durationDays
        ? suggestion
        : undefined;
    }
    return profile.environments.includes(suggestion.value) &&
      suggestion.value !== draft.environment &&
      !isProductionLike(suggestion.value)
      ? suggestion
      : undefined;
  }
}
