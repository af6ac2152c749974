/*
 * Duplicates: the consumer already holds an active grant, or there is
 * already an open request, for the same API and environment.
 */
import {
  AssessmentContext,
  AssessmentDraft,
  AssessmentProfile,
  BuiltInAssessor,
  ExistingAccess,
  Finding,
} from './types';

const ASSESSOR = 'duplicates';

function same(draft: AssessmentDraft, existing: ExistingAccess): boolean {
  return (
    existing.apiRef === draft.apiRef &&
    existing.consumerRef === draft.consumerRef &&
    existing.environment === draft.environment
  );
}

const day = (iso: string) => iso.slice(0, 10);

export function assessDuplicates(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
  context: AssessmentContext,
): Finding[] {
  if (!draft.consumerRef || !draft.environment) return [];
  const findings: Finding[] = [];
  const grant = (context.activeGrants ?? []).find(
    g => g.status === 'active' && same(draft, g),
  );
  if (grant) {
    const covers = draft.scopes.every(scope => grant.scopes.includes(scope));
    findings.push({
      id: `${ASSESSOR}.active-grant`,
      severity: 'warning',
      field: 'request',
      assessor: ASSESSOR,
      message: `${draft.consumerRef} already holds an active grant for ${
        profile.title
      } in ${draft.environment}${
        grant.expiresAt ? ` until ${day(grant.expiresAt)}` : ''
      }${
        covers
          ? ', covering every scope you ask for. Use its credential instead of a new one.'
          : ` (scopes: ${
              grant.scopes.join(', ') || 'none'
            }). Say in the use case why it is not enough.`
      }`,
    });
  }
  const open = (context.openRequests ?? []).find(
    r =>
      r.id !== context.requestId &&
      (r.status === 'in_review' || r.status === 'changes_requested') &&
      same(draft, r),
  );
  if (open) {
    const mine = open.requesterRef === context.requesterRef;
    findings.push({
      id: `${ASSESSOR}.open-request`,
      severity: 'warning',
      field: 'request',
      assessor: ASSESSOR,
      message: `${
        mine ? `You already have` : `${open.requesterRef} already has`
      } an open request (${open.status.replace('_', ' ')}, made ${day(
        open.createdAt,
      )}${mine ? `, id ${open.id}` : ''}) for ${profile.title} for ${
        draft.consumerRef
      } in ${draft.environment}. Wait for its decision${
        mine ? ' or withdraw it' : ''
      } rather than asking twice.`,
    });
  }
  return findings;
}

export const duplicatesAssessor: BuiltInAssessor = {
  id: ASSESSOR,
  assess: assessDuplicates,
};
