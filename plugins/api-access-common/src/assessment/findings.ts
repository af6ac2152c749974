/*
 * What the request assistant reports about a request: findings and the risk
 * score. Plain data with no imports, so the shared AccessRequest type can
 * carry an assessment without depending on the assessors' policy types.
 */

/**
 * `blocker` stops submission, `warning` is shown to the requester and to
 * reviewers beside the request, `info` is a hint.
 */
export type FindingSeverity = 'blocker' | 'warning' | 'info';

/** The request fields a finding can be about; `request` for the whole request. */
export type FindingField =
  | 'apiRef'
  | 'consumerRef'
  | 'environment'
  | 'scopes'
  | 'durationDays'
  | 'useCase'
  | 'justification'
  | 'credentialStorage'
  | 'comment'
  | 'request';

/** A concrete fix the requester can accept in one click: set `field` to `value`. */
export type FindingSuggestion =
  | { field: 'scopes'; value: string[]; label: string }
  | { field: 'durationDays'; value: number; label: string }
  | { field: 'environment'; value: string; label: string };

export interface Finding {
  /** Stable code, e.g. `least-privilege.write-scope-for-read-use`. */
  id: string;
  severity: FindingSeverity;
  field: FindingField;
  /** What the requester can do about it, in one or two sentences. */
  message: string;
  /** The id of the assessor that produced it, e.g. `least-privilege` or `llm-assessor`. */
  assessor: string;
  suggestion?: FindingSuggestion;
}

export type RiskFactor =
  | 'classification'
  | 'environment'
  | 'scopes'
  | 'external'
  | 'duration'
  | 'plan';

export interface RiskReason {
  factor: RiskFactor;
  /** Negative only for a small plan, which lowers the score. */
  points: number;
  detail: string;
}

/** 0 (least) to 100 (most risky), with every factor's share. */
export interface RiskScore {
  score: number;
  reasons: RiskReason[];
}

/** What the assistant answers for a draft, live or on submission. */
export interface AssessmentResult {
  findings: Finding[];
  risk: RiskScore;
}

/** The assessment stored with a request for one review round, shown to reviewers. */
export interface RequestAssessment extends AssessmentResult {
  round: number;
  assessedAt: string;
}
