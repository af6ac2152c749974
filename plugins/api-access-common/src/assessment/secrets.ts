/*
 * Secrets pasted into a request. A request's text is read by reviewers,
 * stored, audited and (with the LLM module) sent to a model, so a credential
 * in it is a leak. Detection names the kind of secret, never the text.
 */
import {
  AssessmentDraft,
  BuiltInAssessor,
  Finding,
  FindingField,
} from './types';

export interface SecretKind {
  kind: string;
  /** For messages: "an AWS access key". */
  label: string;
}

const PATTERNS: Array<SecretKind & { pattern: RegExp }> = [
  {
    kind: 'private-key',
    label: 'a private key',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
  },
  {
    kind: 'aws-access-key',
    label: 'an AWS access key',
    pattern:
      /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA)[A-Z0-9]{16}\b/,
  },
  {
    kind: 'aws-secret-key',
    label: 'an AWS secret access key',
    pattern:
      /aws.{0,20}?(?:secret|private).{0,20}?[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i,
  },
  {
    kind: 'github-token',
    label: 'a GitHub token',
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/,
  },
  {
    kind: 'slack-token',
    label: 'a Slack token',
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/,
  },
  {
    kind: 'slack-webhook',
    label: 'a Slack webhook URL',
    pattern:
      /hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]{8,}/,
  },
  {
    kind: 'jwt',
    label: 'a JSON Web Token',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/,
  },
  {
    kind: 'api-access-key',
    label: 'an api-access key',
    pattern: /\baak_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{20,}/,
  },
  {
    kind: 'stripe-key',
    label: 'a Stripe secret key',
    pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/,
  },
  {
    kind: 'google-api-key',
    label: 'a Google API key',
    pattern: /\bAIza[0-9A-Za-z_-]{35}/,
  },
  {
    kind: 'url-credentials',
    label: 'a URL with a password in it',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]{3,}@/i,
  },
];

/** `password: ...`, `api_key=...`, `client secret is ...`, `Bearer ...`. */
const LABELLED =
  /\b(api[ _-]?key|apikey|client[ _-]?secret|secret[ _-]?key|secret|access[ _-]?key|access[ _-]?token|auth[ _-]?token|token|password|passwd|pwd)\s*(?:[:=]|=>|\bis\b)\s*["'`]?([^\s"'`,;]{8,})|\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)/gi;

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A value after a key-like label that looks generated rather than written. */
function looksLikeSecretValue(value: string, isPassword: boolean): boolean {
  const v = value.replace(/[.)\]]+$/, '');
  if (v.length < (isPassword ? 10 : 16)) return false;
  // Words joined by dashes or underscores ("rotated-every-30-days"), paths and URLs are prose.
  if (/^[a-z]+(?:[-_][a-z0-9]+)+$/.test(v)) return false;
  if (/[/:]/.test(v) && /^[a-z0-9/_:.-]+$/i.test(v) && !/\d{4,}/.test(v)) {
    return false;
  }
  if (!/[0-9]/.test(v) && !(/[a-z]/.test(v) && /[A-Z]/.test(v))) return false;
  return entropy(v) >= (isPassword ? 3 : 3.5);
}

/** The kinds of secret in a text, each once; never the secret itself. */
export function findSecrets(text: string | undefined): SecretKind[] {
  if (!text) return [];
  const found: SecretKind[] = [];
  for (const { kind, label, pattern } of PATTERNS) {
    if (pattern.test(text)) found.push({ kind, label });
  }
  for (const match of text.matchAll(LABELLED)) {
    const labelWord = (match[1] ?? 'bearer').toLocaleLowerCase('en-US');
    const value = match[2] ?? match[3] ?? '';
    const isPassword = /^(password|passwd|pwd)$/.test(labelWord);
    if (looksLikeSecretValue(value, isPassword)) {
      if (!found.some(f => f.kind === 'labelled-secret')) {
        found.push({
          kind: 'labelled-secret',
          label: `a ${isPassword ? 'password' : 'secret value'} (after "${
            match[1] ?? 'Bearer'
          }")`,
        });
      }
    }
  }
  return found;
}

const FIELD_LABELS: Partial<Record<FindingField, string>> = {
  useCase: 'use case',
  justification: 'business justification',
  credentialStorage: 'credential storage plan',
  comment: 'comment',
  environment: 'environment',
  consumerRef: 'consumer',
  scopes: 'scopes',
};

/** Every text a requester typed, by field. */
export function draftTexts(
  draft: AssessmentDraft,
): Array<[FindingField, string | undefined]> {
  return [
    ['useCase', draft.useCase],
    ['justification', draft.justification],
    ['credentialStorage', draft.credentialStorage],
    ['comment', draft.comment],
    ['environment', draft.environment],
    ['consumerRef', draft.consumerRef],
    ['scopes', draft.scopes.join('\n')],
  ];
}

export const SECRET_FINDING_ID = 'secrets.detected';

/** One blocker per field holding something key-like. */
export function assessSecrets(draft: AssessmentDraft): Finding[] {
  const findings: Finding[] = [];
  for (const [field, text] of draftTexts(draft)) {
    const kinds = findSecrets(text);
    if (kinds.length === 0) continue;
    const labels = kinds.map(k => k.label);
    const what =
      labels.length === 1
        ? labels[0]
        : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
    findings.push({
      id: SECRET_FINDING_ID,
      severity: 'blocker',
      field,
      assessor: 'secrets',
      message: `The ${FIELD_LABELS[field]} contains what looks like ${what}. Remove it: never paste a credential into a request. If it is real, rotate it now, because it has been shared.`,
    });
  }
  return findings;
}

export const secretsAssessor: BuiltInAssessor = {
  id: 'secrets',
  assess: draft => assessSecrets(draft),
};
