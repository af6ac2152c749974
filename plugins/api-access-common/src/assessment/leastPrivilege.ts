/*
 * Least privilege: scopes, environment and duration no wider than the use
 * case needs. Every finding carries a narrower suggestion the form can apply
 * in one click, when one can be worked out.
 */
import { maxDurationFor } from '../policy';
import {
  ADMIN_USE,
  READ_ONLY_USE,
  TESTING_USE,
  WRITE_USE,
  isAdminScope,
  isProductionLike,
  isReadScope,
  isWriteScope,
  mentions,
  neededDays,
} from './text';
import {
  AssessmentContext,
  AssessmentDraft,
  AssessmentProfile,
  BuiltInAssessor,
  Finding,
  FindingSuggestion,
} from './types';

const ASSESSOR = 'least-privilege';

/** "Request all scopes" is flagged when the API offers at least this many. */
export const ALL_SCOPES_MIN_OFFERED = 3;

function list(items: string[]): string {
  return items.join(', ');
}

/** True when the use case only reads: it names reading and nothing that writes or administers. */
export function isReadOnlyUse(draft: AssessmentDraft): boolean {
  const text = `${draft.useCase ?? ''}\n${draft.justification ?? ''}`;
  return (
    mentions(draft.useCase, READ_ONLY_USE) &&
    !mentions(text, WRITE_USE) &&
    !mentions(text, ADMIN_USE)
  );
}

/** The scopes a read-only use case needs: the requested read scopes, else the API's. */
function readOnlyScopes(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
): string[] {
  const kept = draft.scopes.filter(scope => !isWriteScope(scope));
  if (kept.length > 0) return kept;
  return profile.scopes.filter(isReadScope);
}

/** Only a non-empty list that differs from what was asked for is a fix. */
function scopesSuggestion(
  scopes: string[],
  requested: string[],
): FindingSuggestion | undefined {
  const same =
    scopes.length === requested.length &&
    scopes.every(scope => requested.includes(scope));
  return scopes.length > 0 && !same
    ? { field: 'scopes', value: scopes, label: `Request only ${list(scopes)}` }
    : undefined;
}

/** A non-production environment the API offers, staging first. */
export function saferEnvironment(
  profile: AssessmentProfile,
): string | undefined {
  const offered = profile.environments.filter(env => !isProductionLike(env));
  return (
    offered.find(env => /stag|pre-?prod|uat/i.test(env)) ??
    offered.find(env => /^dev|development/i.test(env)) ??
    offered.find(env => /sandbox/i.test(env)) ??
    offered[0]
  );
}

export function assessLeastPrivilege(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
  context: AssessmentContext,
): Finding[] {
  const findings: Finding[] = [];
  const add = (
    id: string,
    severity: Finding['severity'],
    field: Finding['field'],
    message: string,
    suggestion?: FindingSuggestion,
  ) =>
    findings.push({
      id: `${ASSESSOR}.${id}`,
      severity,
      field,
      message,
      assessor: ASSESSOR,
      ...(suggestion ? { suggestion } : {}),
    });
  const text = `${draft.useCase ?? ''}\n${draft.justification ?? ''}`;

  const readOnly = isReadOnlyUse(draft);
  const wider = draft.scopes.filter(isWriteScope);
  if (readOnly && wider.length > 0) {
    add(
      'write-scope-for-read-use',
      'warning',
      'scopes',
      `The use case only reads, but ${list(wider)} ${
        wider.length === 1 ? 'allows' : 'allow'
      } changes. Request read scopes only, or say in the use case what you will change.`,
      scopesSuggestion(readOnlyScopes(draft, profile), draft.scopes),
    );
  }

  const admin = draft.scopes.filter(isAdminScope);
  if (!readOnly && admin.length > 0 && !mentions(text, ADMIN_USE)) {
    add(
      'admin-scope-unexplained',
      'warning',
      'scopes',
      `${list(admin)} ${
        admin.length === 1
          ? 'is an administrative scope'
          : 'are administrative scopes'
      }, but the use case does not say what you will administer. Drop ${
        admin.length === 1 ? 'it' : 'them'
      }, or explain why you need ${admin.length === 1 ? 'it' : 'them'}.`,
      scopesSuggestion(
        draft.scopes.filter(scope => !isAdminScope(scope)),
        draft.scopes,
      ),
    );
  }

  if (
    profile.scopes.length >= ALL_SCOPES_MIN_OFFERED &&
    profile.scopes.every(scope => draft.scopes.includes(scope))
  ) {
    let narrower: string[] = [];
    if (readOnly) narrower = readOnlyScopes(draft, profile);
    else if (admin.length > 0 && !mentions(text, ADMIN_USE)) {
      narrower = draft.scopes.filter(scope => !isAdminScope(scope));
    }
    add(
      'all-scopes',
      'warning',
      'scopes',
      `You asked for every scope ${profile.title} offers (${list(
        profile.scopes,
      )}). Request only the ones your use case needs.`,
      scopesSuggestion(narrower, draft.scopes),
    );
  }

  if (isProductionLike(draft.environment) && mentions(text, TESTING_USE)) {
    const safer = saferEnvironment(profile);
    add(
      'production-for-testing',
      'warning',
      'environment',
      `The request is for ${
        draft.environment
      }, but the use case is about testing or trying the API out.${
        safer
          ? ` Use ${safer} until you are ready for production.`
          : ' Ask the API owner for a non-production environment.'
      }`,
      safer
        ? { field: 'environment', value: safer, label: `Use ${safer} instead` }
        : undefined,
    );
  }

  const days = draft.durationDays;
  if (days !== undefined && Number.isFinite(days) && days >= 1) {
    const max = draft.environment
      ? maxDurationFor(context.policy, draft.environment)
      : context.policy.maxDurationDays;
    if (days > max) {
      add(
        'duration-over-policy',
        'blocker',
        'durationDays',
        `${days} days is longer than policy allows${
          draft.environment ? ` for ${draft.environment}` : ''
        } (at most ${max} days).`,
        { field: 'durationDays', value: max, label: `Ask for ${max} days` },
      );
    } else {
      // The use case says what the access is for; the justification may name a wider project period.
      const needed =
        neededDays(draft.useCase) ?? neededDays(draft.justification);
      if (needed !== undefined && days > needed) {
        add(
          'duration-longer-than-needed',
          'warning',
          'durationDays',
          `The use case needs about ${needed} day${
            needed === 1 ? '' : 's'
          }, but you asked for ${days}. Ask for what you need; you can request more later.`,
          {
            field: 'durationDays',
            value: needed,
            label: `Ask for ${needed} day${needed === 1 ? '' : 's'}`,
          },
        );
      }
    }
  }
  return findings;
}

export const leastPrivilegeAssessor: BuiltInAssessor = {
  id: ASSESSOR,
  assess: assessLeastPrivilege,
};
