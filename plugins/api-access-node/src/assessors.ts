/*
 * Assessors add findings to the request assistant: the api-access backend
 * runs the built-in, deterministic checks on every draft and submission, then
 * every assessor a module added here. Assessors only advise: what they return
 * is shown to the requester and stored beside the request for reviewers; it
 * never approves, rejects or routes a request.
 */
import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type {
  AssessmentDraft,
  Finding,
  FindingField,
  FindingSeverity,
  FindingSuggestion,
  ResolvedClassification,
} from '@api-access/backstage-plugin-api-access-common';

/**
 * What an assessor sees: the draft's terms and text, and the API as the
 * catalog describes it. Never a credential: the backend refuses text that
 * looks like a secret before any assessor module runs.
 */
export interface AssessorInput {
  /** `draft` while the requester types (fields may be missing), `submission` on create and resubmit. */
  phase: 'draft' | 'submission';
  request: Readonly<AssessmentDraft>;
  api: Readonly<{
    ref: string;
    /** The API's title, or its name. */
    name: string;
    description?: string;
    classification: ResolvedClassification;
    lifecycle?: string;
    ownerRef?: string;
  }>;
  /** Internal (a Component) or external (a partner or vendor Group), once known. */
  consumerKind?: 'internal' | 'external';
  /** What the built-in assessors already found, to avoid repeating it. */
  builtInFindings: readonly Finding[];
  /** Aborted when the backend stops waiting (the assessor timed out). */
  signal: AbortSignal;
}

/** A finding as an assessor returns it; the backend sets `assessor` to the assessor's id. */
export interface AssessorFinding {
  /** Stable dotted code; the backend prefixes it with the assessor id when it is not already. */
  id: string;
  severity: FindingSeverity;
  field: FindingField;
  message: string;
  /** Kept only when it narrows the request: fewer scopes, fewer days, a non-production environment. */
  suggestion?: FindingSuggestion;
}

/**
 * An assessor. Throwing, timing out (`apiAccess.assessment.moduleTimeoutSeconds`,
 * default 10) or returning something that is not a list of findings is
 * logged and ignored: the request goes on with the other findings.
 */
export interface ApiAccessAssessor {
  /** Unique, lowercase letters, digits and dashes, e.g. `llm-assessor`; not a built-in id. */
  readonly id: string;
  /**
   * Only a deterministic, local check (say, a company secret scanner) should
   * set this: its `blocker` findings then stop submission. Without it, every
   * `blocker` is downgraded to `warning`. A failure still never blocks.
   */
  readonly mayBlock?: boolean;
  assess(input: AssessorInput): Promise<AssessorFinding[]>;
}

/** @public */
export interface ApiAccessAssessorsExtensionPoint {
  addAssessor(...assessors: ApiAccessAssessor[]): void;
}

/**
 * Lets backend modules add assessors to the api-access request assistant.
 *
 * @example
 * ```ts
 * createBackendModule({
 *   pluginId: 'api-access',
 *   moduleId: 'naming-rules',
 *   register(env) {
 *     env.registerInit({
 *       deps: { assessors: apiAccessAssessorsExtensionPoint },
 *       async init({ assessors }) {
 *         assessors.addAssessor({
 *           id: 'naming-rules',
 *           async assess({ request }) {
 *             return /jira|ticket/i.test(request.justification ?? '')
 *               ? []
 *               : [{
 *                   id: 'naming-rules.no-ticket',
 *                   severity: 'info',
 *                   field: 'justification',
 *                   message: 'Link the ticket this access is for.',
 *                 }];
 *           },
 *         });
 *       },
 *     });
 *   },
 * });
 * ```
 * @public
 */
export const apiAccessAssessorsExtensionPoint =
  createExtensionPoint<ApiAccessAssessorsExtensionPoint>({
    id: 'api-access.assessors',
  });
