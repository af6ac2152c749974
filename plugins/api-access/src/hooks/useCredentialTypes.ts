/*
 * The credential types the backend offers (GET /credential-types), loaded
 * once per form: the built-in ones and those backend modules add.
 */
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import type { CredentialTypeInfo } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../api/ApiAccessApi';

export interface CredentialTypesState {
  loading: boolean;
  error?: Error;
  types: CredentialTypeInfo[];
}

export function useCredentialTypes(): CredentialTypesState {
  const apiAccess = useApi(apiAccessApiRef);
  const state = useAsync(
    async () => apiAccess.getCredentialTypes(),
    [apiAccess],
  );
  return {
    loading: state.loading,
    error: state.error,
    types: state.value ?? [],
  };
}
