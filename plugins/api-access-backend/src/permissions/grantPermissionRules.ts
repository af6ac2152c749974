/*
 * Conditional permission rules for grants (resource type api-access-grant).
 * A policy can answer CONDITIONAL on api-access.grant.read with these; lists
 * turn them into a WHERE clause (AccessStore.listGrants), single reads apply
 * them to the loaded grant. toQuery is synchronous: everything a rule needs
 * is in its parameters or in the grant's own rows.
 */
import {
  PermissionRule,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  API_ACCESS_GRANT_RESOURCE_TYPE,
  Grant,
} from '@api-access/backstage-plugin-api-access-common';

/** What a grant rule filters on, as the store understands it. */
export type GrantFilter =
  | { requesterIn: string[] }
  | { consumerIn: string[] }
  | { apiIn: string[] }
  | { approvedOwnerIn: string[] }
  | { environmentIn: string[] };

/** A grant as the rules see it: with the API owner recorded on its request at approval. */
export type GrantResource = Grant & { approvedOwnerRef?: string };

export const grantResourceRef = createPermissionResourceRef<
  GrantResource,
  GrantFilter
>().with({
  pluginId: 'api-access',
  resourceType: API_ACCESS_GRANT_RESOURCE_TYPE,
});

type Ref = typeof grantResourceRef;

export const isGrantRequester = createPermissionRule<Ref, { claims: string[] }>(
  {
    name: 'IS_GRANT_REQUESTER',
    description: 'The grant was requested by one of the given users',
    resourceRef: grantResourceRef,
    apply: (grant, { claims }) => claims.includes(grant.requesterRef),
    toQuery: ({ claims }) => ({ requesterIn: claims }),
  },
);

export const hasGrantConsumer = createPermissionRule<
  Ref,
  { consumerRefs: string[] }
>({
  name: 'HAS_GRANT_CONSUMER',
  description: 'The grant is held by one of the given consumers',
  resourceRef: grantResourceRef,
  apply: (grant, { consumerRefs }) => consumerRefs.includes(grant.consumerRef),
  toQuery: ({ consumerRefs }) => ({ consumerIn: consumerRefs }),
});

export const hasGrantApi = createPermissionRule<Ref, { apiRefs: string[] }>({
  name: 'HAS_GRANT_API',
  description: 'The grant is for one of the given APIs',
  resourceRef: grantResourceRef,
  apply: (grant, { apiRefs }) => apiRefs.includes(grant.apiRef),
  toQuery: ({ apiRefs }) => ({ apiIn: apiRefs }),
});

export const isGrantApprovedByOwner = createPermissionRule<
  Ref,
  { claims: string[] }
>({
  name: 'IS_GRANT_APPROVED_OWNER',
  description:
    "The API's owner recorded on the grant's request at approval is one of the given groups or users",
  resourceRef: grantResourceRef,
  apply: (grant, { claims }) =>
    !!grant.approvedOwnerRef && claims.includes(grant.approvedOwnerRef),
  toQuery: ({ claims }) => ({ approvedOwnerIn: claims }),
});

export const hasGrantEnvironment = createPermissionRule<
  Ref,
  { environments: string[] }
>({
  name: 'HAS_GRANT_ENVIRONMENT',
  description: 'The grant is for one of the given environments',
  resourceRef: grantResourceRef,
  apply: (grant, { environments }) => environments.includes(grant.environment),
  toQuery: ({ environments }) => ({ environmentIn: environments }),
});

export const grantPermissionRules: PermissionRule<
  GrantResource,
  GrantFilter,
  'api-access-grant',
  any
>[] = [
  isGrantRequester,
  hasGrantConsumer,
  hasGrantApi,
  isGrantApprovedByOwner,
  hasGrantEnvironment,
];
