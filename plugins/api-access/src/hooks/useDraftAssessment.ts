/* The request assistant's live check of a draft, for the request and resubmit forms. */
import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { AssessmentResult } from '@api-access/backstage-plugin-api-access-common';
import { DraftToAssess, apiAccessApiRef } from '../api/ApiAccessApi';

/** Built-in checks after this pause in typing. */
export const ASSESS_DELAY_MS = 400;
/** Module assessors (such as an LLM) take seconds: only after a longer pause. */
export const ASSESS_MODULES_DELAY_MS = 2000;

/**
 * Assesses `draft` (undefined: not now) after a pause in typing, then again
 * with module assessors after a longer one. Keeps showing the last answer
 * while the requester types; a failed call clears it rather than block.
 */
export function useDraftAssessment(
  draft: DraftToAssess | undefined,
): AssessmentResult | undefined {
  const apiAccess = useApi(apiAccessApiRef);
  const key = draft ? JSON.stringify(draft) : '';
  const [state, setState] = useState<{
    key: string;
    modules: boolean;
    result: AssessmentResult;
  }>();

  useEffect(() => {
    if (!key) return undefined;
    let cancelled = false;
    const run = (modules: boolean) =>
      Promise.resolve()
        .then(() =>
          apiAccess.assess(
            JSON.parse(key),
            modules ? { modules: true } : undefined,
          ),
        )
        .then(result => {
          if (cancelled) return;
          // A late built-in answer never replaces the fuller module one.
          setState(prev =>
            prev?.key === key && prev.modules && !modules
              ? prev
              : { key, modules, result },
          );
        })
        .catch(() => {
          if (!cancelled && !modules) setState(undefined);
        });
    const quick = setTimeout(() => run(false), ASSESS_DELAY_MS);
    const slow = setTimeout(() => run(true), ASSESS_MODULES_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(quick);
      clearTimeout(slow);
    };
  }, [apiAccess, key]);

  return key ? state?.result : undefined;
}
