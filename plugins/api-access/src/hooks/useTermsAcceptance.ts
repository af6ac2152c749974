/* The usage terms a key or certificate is issued under, and whether the user accepted them. */
import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { apiAccessApiRef } from '../api/ApiAccessApi';

export function useTermsAcceptance() {
  const apiAccess = useApi(apiAccessApiRef);
  const terms = useAsync(() => apiAccess.getCredentialTerms(), [apiAccess]);
  const [accepted, setAccepted] = useState(false);
  return { terms, accepted, setAccepted };
}

export type TermsAcceptanceState = ReturnType<typeof useTermsAcceptance>;
