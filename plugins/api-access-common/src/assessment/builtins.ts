/*
 * All built-in assessors, run in a fixed order. Pure: the backend runs them on
 * every draft and submission, and the form could run them offline too.
 */
import { apiAssessor } from './apiChecks';
import { completenessAssessor } from './completeness';
import { duplicatesAssessor } from './duplicates';
import { leastPrivilegeAssessor } from './leastPrivilege';
import { computeRiskScore } from './risk';
import { secretsAssessor } from './secrets';
import {
  AssessmentContext,
  AssessmentDraft,
  AssessmentProfile,
  AssessmentResult,
  BuiltInAssessor,
  Finding,
} from './types';

export const BUILT_IN_ASSESSORS: readonly BuiltInAssessor[] = [
  secretsAssessor,
  completenessAssessor,
  leastPrivilegeAssessor,
  apiAssessor,
  duplicatesAssessor,
];

const SEVERITY_ORDER: Record<Finding['severity'], number> = {
  blocker: 0,
  warning: 1,
  info: 2,
};

/** Blockers first, then warnings, then hints; stable within a severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort(
      (a, b) =>
        SEVERITY_ORDER[a.finding.severity] -
          SEVERITY_ORDER[b.finding.severity] || a.index - b.index,
    )
    .map(({ finding }) => finding);
}

/** The built-in findings and the risk score for a draft. */
export function runBuiltInAssessors(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
  context: AssessmentContext,
): AssessmentResult {
  const findings = BUILT_IN_ASSESSORS.flatMap(assessor =>
    assessor.assess(draft, profile, context),
  );
  const risk = computeRiskScore(
    { ...draft, consumerKind: context.consumer?.kind },
    profile,
    context.policy,
  );
  return { findings: sortFindings(findings), risk };
}

export function hasBlockers(findings: Finding[]): boolean {
  return findings.some(finding => finding.severity === 'blocker');
}
