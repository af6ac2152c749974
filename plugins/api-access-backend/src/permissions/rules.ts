/*
 * Conditional permission rules for access requests. A permission policy can
 * answer CONDITIONAL with these (e.g. "read only requests for these APIs");
 * single reads apply them to the loaded request, and lists turn them into a
 * WHERE clause so nothing is filtered in memory.
 */
import {
  PermissionRule,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  API_ACCESS_REQUEST_RESOURCE_TYPE,
  AccessRequest,
} from '@api-access/backstage-plugin-api-access-common';

/** What a request rule filters on, as the store understands it. */
export type RequestFilter =
  | { requesterIn: string[] }
  | { reviewerIn: string[] }
  | { apiIn: string[] }
  | { environmentIn: string[] };

/** A request as the rules see it: with every reviewer group it has had. */
export type RequestResource = AccessRequest & { reviewerRefs: string[] };

export const requestResourceRef = createPermissionResourceRef<
  RequestResource,
  RequestFilter
>().with({
  pluginId: 'api-access',
  resourceType: API_ACCESS_REQUEST_RESOURCE_TYPE,
});

type Ref = typeof requestResourceRef;

export const isRequester = createPermissionRule<Ref, { claims: string[] }>({
  name: 'IS_REQUESTER',
  description: 'The request was made by one of the given users',
  resourceRef: requestResourceRef,
  apply: (request, { claims }) => claims.includes(request.requesterRef),
  toQuery: ({ claims }) => ({ requesterIn: claims }),
});

export const isReviewer = createPermissionRule<Ref, { claims: string[] }>({
  name: 'IS_REVIEWER',
  description: 'One of the given groups or users reviews a step of the request',
  resourceRef: requestResourceRef,
  apply: (request, { claims }) =>
    request.reviewerRefs.some(ref => claims.includes(ref)),
  toQuery: ({ claims }) => ({ reviewerIn: claims }),
});

export const hasApi = createPermissionRule<Ref, { apiRefs: string[] }>({
  name: 'HAS_API',
  description: 'The request is for one of the given APIs',
  resourceRef: requestResourceRef,
  apply: (request, { apiRefs }) => apiRefs.includes(request.apiRef),
  toQuery: ({ apiRefs }) => ({ apiIn: apiRefs }),
});

export const hasEnvironment = createPermissionRule<
  Ref,
  { environments: string[] }
>({
  name: 'HAS_ENVIRONMENT',
  description: 'The request is for one of the given environments',
  resourceRef: requestResourceRef,
  apply: (request, { environments }) =>
    environments.includes(request.environment),
  toQuery: ({ environments }) => ({ environmentIn: environments }),
});

export const requestPermissionRules: PermissionRule<
  RequestResource,
  RequestFilter,
  'api-access-request',
  any
>[] = [isRequester, isReviewer, hasApi, hasEnvironment];
