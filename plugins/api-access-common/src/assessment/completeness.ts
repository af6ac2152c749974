/*
 * Completeness: every field a reviewer needs is there and says something.
 * A missing field is a blocker (the backend would refuse the request anyway);
 * a vague one is a warning the requester can fix before a reviewer asks.
 */
import { mentions, words } from './text';
import {
  AssessmentDraft,
  AssessmentProfile,
  BuiltInAssessor,
  Finding,
  FindingField,
} from './types';

const ASSESSOR = 'completeness';

/** Fewer words than this is shorter than a sentence. */
export const MIN_USE_CASE_WORDS = 5;
export const MIN_USE_CASE_CHARS = 25;
export const MIN_JUSTIFICATION_WORDS = 4;

/** Justifications that say nothing a reviewer can check. */
const VAGUE_JUSTIFICATION =
  /^(?:(?:i|we)\s+)?(?:really\s+)?(?:need|needs|needed|want|wants|require|requires|required|requesting|request|requested|asking for|pls|please)?\s*(?:the\s+|an?\s+|some\s+|this\s+)?(?:access|it|this|key|api key|a key|credentials?|permission|api)?\s*(?:please|pls|asap|now|urgently|for work|for my work|for the project|for our project|to work)?$|^(?:for work|needed|required|asap|urgent|n\/?a|none|tbd|todo|test|testing|see above|same as above|as discussed|as agreed|per my manager|manager approved|business needs?|business reasons?|because|why not|obvious|self[- ]explanatory|please approve)$/;

function normalised(text: string): string {
  return text
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9/ ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Where a credential can live safely. */
export const STORAGE_LOCATION =
  /\b(vault|secrets?|key ?vault|kms|hsm|parameter store|ssm|keychain|keyring|1password|lastpass|bitwarden|keepass|doppler|infisical|conjur|cyberark|credential (?:store|manager)|env(?:ironment)? var(?:iable)?s?|kv\/|sealed ?secrets?)\b/;
/** How a credential gets replaced. */
export const STORAGE_ROTATION =
  /\b(rotat\w*|renew\w*|re-?issu\w*|regenerat\w*|refresh\w*|expir\w*|every\s+\d+\s+(?:days?|weeks?|months?)|daily|weekly|fortnightly|monthly|quarterly|yearly|annually)\b/;
/** Places the usage terms forbid. */
const UNSAFE_STORAGE =
  /\b(?:in\s+(?:the\s+|our\s+|a\s+)?(?:code|source(?: code)?|repo|repository|git|github|config file|wiki|ticket|jira|confluence|slack|teams|email|e-mail|spreadsheet|excel|notes?|notepad|chat|google docs?|shared drive)|hard-?coded|plain ?text|committed|\.env file|pastebin|sticky note)\b/g;
const NEGATION =
  /\b(never|not|no|nor|without|avoid|instead of|rather than)\b[^.;]*$/;

const REQUIRED: Array<{
  field: FindingField;
  message: string;
  missing: (draft: AssessmentDraft, profile: AssessmentProfile) => boolean;
}> = [
  {
    field: 'consumerRef',
    message: 'Choose the component (or partner group) that will call the API.',
    missing: draft => !draft.consumerRef,
  },
  {
    field: 'environment',
    message: 'Choose the environment you need access to.',
    missing: draft => !draft.environment?.trim(),
  },
  {
    field: 'scopes',
    message: 'Choose at least one scope: only the ones your use case needs.',
    missing: (draft, profile) =>
      profile.scopes.length > 0 && draft.scopes.length === 0,
  },
  {
    field: 'useCase',
    message:
      'Describe the use case: what your component will do with the API, in a sentence or two.',
    missing: draft => !draft.useCase?.trim(),
  },
  {
    field: 'justification',
    message: 'Give the business justification: why this access is needed now.',
    missing: draft => !draft.justification?.trim(),
  },
  {
    field: 'credentialStorage',
    message:
      'Say where the credential will be stored (e.g. a Vault path) and how it will be rotated.',
    missing: draft => !draft.credentialStorage?.trim(),
  },
  {
    field: 'durationDays',
    message: 'Choose how many days you need access for.',
    missing: draft =>
      draft.durationDays === undefined ||
      !Number.isFinite(draft.durationDays) ||
      draft.durationDays < 1,
  },
];

function finding(
  id: string,
  severity: Finding['severity'],
  field: FindingField,
  message: string,
): Finding {
  return {
    id: `${ASSESSOR}.${id}`,
    severity,
    field,
    message,
    assessor: ASSESSOR,
  };
}

export function assessCompleteness(
  draft: AssessmentDraft,
  profile: AssessmentProfile,
): Finding[] {
  const findings: Finding[] = [];
  for (const required of REQUIRED) {
    if (required.missing(draft, profile)) {
      findings.push(
        finding('missing-field', 'blocker', required.field, required.message),
      );
    }
  }

  const useCase = draft.useCase?.trim();
  if (
    useCase &&
    (words(useCase).length < MIN_USE_CASE_WORDS ||
      useCase.length < MIN_USE_CASE_CHARS)
  ) {
    findings.push(
      finding(
        'use-case-too-short',
        'warning',
        'useCase',
        'The use case is shorter than a sentence. Say what your component does with the API and which data it reads or changes, so reviewers can judge the scopes.',
      ),
    );
  }

  const justification = draft.justification?.trim();
  if (justification) {
    const text = normalised(justification);
    const repeatsUseCase = !!useCase && text === normalised(useCase);
    if (
      VAGUE_JUSTIFICATION.test(text) ||
      words(justification).length < MIN_JUSTIFICATION_WORDS ||
      repeatsUseCase
    ) {
      findings.push(
        finding(
          'justification-vague',
          'warning',
          'justification',
          repeatsUseCase
            ? 'The justification repeats the use case. Say why the access is needed: the project, deadline or customer it serves.'
            : 'The justification does not say why the access is needed. Name the project, deadline, customer or ticket it serves.',
        ),
      );
    }
  }

  const storage = draft.credentialStorage?.trim();
  if (storage) {
    if (!mentions(storage, STORAGE_LOCATION)) {
      findings.push(
        finding(
          'storage-location-missing',
          'warning',
          'credentialStorage',
          'The storage plan does not say where the credential will live. Name the secret store and path, e.g. "Vault kv/my-service/petstore".',
        ),
      );
    }
    if (!mentions(storage, STORAGE_ROTATION)) {
      findings.push(
        finding(
          'storage-rotation-missing',
          'warning',
          'credentialStorage',
          'The storage plan does not say how the credential is rotated. Say who rotates it and how often, e.g. "rotated every 90 days by the deploy pipeline".',
        ),
      );
    }
    const lower = storage.toLocaleLowerCase('en-US');
    const unsafe = Array.from(lower.matchAll(UNSAFE_STORAGE)).some(
      match =>
        !NEGATION.test(
          lower.slice(Math.max(0, match.index! - 40), match.index),
        ),
    );
    if (unsafe) {
      findings.push(
        finding(
          'storage-unsafe',
          'warning',
          'credentialStorage',
          'The storage plan names a place the usage terms forbid (code, a repository, chat, email, tickets or plain text). Keep the credential in a secret store.',
        ),
      );
    }
  }
  return findings;
}

export const completenessAssessor: BuiltInAssessor = {
  id: ASSESSOR,
  assess: (draft, profile) => assessCompleteness(draft, profile),
};
