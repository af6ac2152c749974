/*
 * One request draft for the request form and the resubmit form: its fields,
 * what is still missing, the assistant's findings and fixes, and submitting
 * it. The two forms once kept their own copies and drifted apart.
 */
import { useCallback, useMemo, useState } from 'react';
import {
  ApiAccessPlan,
  Finding,
  FindingSuggestion,
} from '@api-access/backstage-plugin-api-access-common';
import type { CredentialType, TermsText } from '../components/TermsFields';
import { errorMessage } from '../format';
import {
  findingsOfError,
  visibleFindings,
} from '../components/RequestAssistant';
import { useDraftAssessment } from './useDraftAssessment';

/** What the API offers; until it is known nothing is filtered or required. */
export interface DraftOptions {
  environments: string[];
  scopes: string[];
  /** The plans the API offers, smallest first; none: raw scopes as before plans. */
  plans?: ApiAccessPlan[];
}

export interface RequestDraftValues {
  consumerRef: string;
  environment: string;
  scopes: string[];
  credentialType: CredentialType;
  text: TermsText;
  comment: string;
  /** The chosen plan's name; '' while none is chosen (or the API offers none). */
  plan: string;
}

/** The terms as the backend takes them, for createRequest and resubmit alike. */
export interface RequestTerms {
  consumerRef: string;
  environment: string;
  scopes: string[];
  credentialType: CredentialType;
  useCase: string;
  justification: string;
  credentialStorage: string;
  durationDays: number;
  /** Sent when the API offers plans and one is chosen. */
  plan?: string;
}

export type RequestDraft = ReturnType<typeof useRequestDraft>;

export function useRequestDraft(options: {
  apiRef: string;
  /** Undefined while the API's profile loads. */
  offer: DraftOptions | undefined;
  initial: RequestDraftValues;
  /** Set when editing a request after "changes requested". */
  requestId?: string;
  /** Assess only while the form is open. */
  active: boolean;
}) {
  const { apiRef, initial, requestId, active } = options;
  const [values, setValues] = useState<RequestDraftValues>(initial);
  const { consumerRef, environment, scopes, credentialType, text, comment } =
    values;
  // With a plan chosen, the form offers only what the plan allows.
  const plans = useMemo(
    () => options.offer?.plans ?? [],
    [options.offer?.plans],
  );
  const chosenPlan = plans.find(p => p.name === values.plan);
  const offer: DraftOptions | undefined = useMemo(
    () =>
      options.offer && chosenPlan
        ? {
            environments: chosenPlan.environments,
            scopes: chosenPlan.scopes,
            plans,
          }
        : options.offer,
    [options.offer, chosenPlan, plans],
  );
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string>();
  // Blockers a refused submission returned, for the draft it was refused for.
  const [refused, setRefused] = useState<{
    key: string;
    findings: Finding[];
  }>();

  const set = useCallback(
    <K extends keyof RequestDraftValues>(
      key: K,
      value: RequestDraftValues[K],
    ) => setValues(v => ({ ...v, [key]: value })),
    [],
  );

  /** Chooses a plan and keeps the terms within it. */
  const choosePlan = useCallback(
    (name: string) => {
      const chosen = plans.find(p => p.name === name);
      setValues(v => {
        if (!chosen) return { ...v, plan: name };
        const days = Number(v.text.durationDays);
        return {
          ...v,
          plan: name,
          scopes: v.scopes.filter(s => chosen.scopes.includes(s)),
          environment: chosen.environments.includes(v.environment)
            ? v.environment
            : chosen.environments[0] ?? v.environment,
          text:
            days > chosen.maxDurationDays
              ? { ...v.text, durationDays: String(chosen.maxDurationDays) }
              : v.text,
        };
      });
    },
    [plans],
  );

  const missing = useMemo(() => {
    const fields: string[] = [];
    // No plan chosen: the backend takes the smallest that allows the terms.
    if (!consumerRef) fields.push('consumer');
    if ((offer?.scopes.length ?? 0) > 0 && scopes.length === 0) {
      fields.push('scopes');
    }
    if (!text.useCase.trim()) fields.push('use case');
    if (!text.justification.trim()) fields.push('justification');
    if (!text.credentialStorage.trim()) fields.push('credential storage');
    if (!(Number(text.durationDays) >= 1)) fields.push('duration');
    else if (
      chosenPlan &&
      Number(text.durationDays) > chosenPlan.maxDurationDays
    ) {
      fields.push(`a duration of at most ${chosenPlan.maxDurationDays} days`);
    }
    return fields;
  }, [consumerRef, offer, scopes, text, chosenPlan]);

  const draft = useMemo(
    () => ({
      apiRef,
      consumerRef,
      ...(requestId ? { requestId } : {}),
      environment,
      scopes,
      credentialType,
      useCase: text.useCase,
      justification: text.justification,
      credentialStorage: text.credentialStorage,
      durationDays:
        text.durationDays.trim() && Number.isFinite(Number(text.durationDays))
          ? Number(text.durationDays)
          : undefined,
      ...(requestId ? { comment } : {}),
    }),
    [
      apiRef,
      consumerRef,
      requestId,
      environment,
      scopes,
      credentialType,
      text,
      comment,
    ],
  );
  const draftKey = JSON.stringify(draft);
  const assessment = useDraftAssessment(active ? draft : undefined);
  const findings = visibleFindings(
    assessment?.findings,
    refused?.key === draftKey ? refused.findings : undefined,
  );
  const blockers = findings.filter(f => f.severity === 'blocker');

  /** A one-click fix, kept within what the API offers. */
  function apply(suggestion: FindingSuggestion) {
    if (suggestion.field === 'scopes') {
      set(
        'scopes',
        offer
          ? suggestion.value.filter(s => offer.scopes.includes(s))
          : suggestion.value,
      );
    } else if (suggestion.field === 'durationDays') {
      setValues(v => ({
        ...v,
        text: { ...v.text, durationDays: String(suggestion.value) },
      }));
    } else if (!offer || offer.environments.includes(suggestion.value)) {
      set('environment', suggestion.value);
    }
  }

  const terms: RequestTerms = {
    consumerRef,
    environment,
    scopes,
    credentialType,
    useCase: text.useCase,
    justification: text.justification,
    credentialStorage: text.credentialStorage,
    durationDays: Number(text.durationDays),
    ...(chosenPlan ? { plan: chosenPlan.name } : {}),
  };

  /** Sends the terms; a refusal by the assistant shows its blockers in place. */
  async function submit<T>(
    send: (terms: RequestTerms) => Promise<T>,
  ): Promise<T | undefined> {
    setSubmitting(true);
    setError(undefined);
    try {
      return await send(terms);
    } catch (e) {
      const refusedWith = findingsOfError(e);
      if (refusedWith) {
        setRefused({ key: draftKey, findings: refusedWith });
        setError(
          'The request assistant found a problem to fix before submitting: see below.',
        );
      } else {
        setError(errorMessage(e));
      }
      return undefined;
    } finally {
      setSubmitting(false);
    }
  }

  return {
    values,
    set,
    offer,
    plans,
    chosenPlan,
    choosePlan,
    missing,
    assessment,
    findings,
    blockers,
    apply,
    submitting,
    error,
    submit,
    /** Whether the submit button may be pressed. */
    ready: !submitting && missing.length === 0 && blockers.length === 0,
  };
}
