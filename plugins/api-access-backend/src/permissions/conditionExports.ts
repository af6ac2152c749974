/*
 * For permission policy authors: condition factories and conditional
 * decisions for api-access's two resource types, as Backstage plugins export
 * them (`createConditionExports`). A policy answers, for example,
 *
 *   createApiAccessGrantConditionalDecision(request.permission, {
 *     anyOf: [
 *       apiAccessGrantConditions.isGrantRequester({ claims: user.info.ownershipEntityRefs }),
 *       apiAccessGrantConditions.hasGrantEnvironment({ environments: ['sandbox'] }),
 *     ],
 *   })
 *
 * and api-access applies it in SQL for lists and to the loaded resource for
 * single reads, on top of its own rule that only a grant's parties see it.
 */
import { createConditionExports } from '@backstage/plugin-permission-node';
import {
  hasGrantApi,
  hasGrantConsumer,
  hasGrantEnvironment,
  isGrantApprovedByOwner,
  isGrantRequester,
  grantResourceRef,
} from './grantPermissionRules';
import {
  hasApi,
  hasEnvironment,
  isRequester,
  isReviewer,
  requestResourceRef,
} from './rules';

const requestExports = createConditionExports({
  resourceRef: requestResourceRef,
  rules: { isRequester, isReviewer, hasApi, hasEnvironment },
});

const grantExports = createConditionExports({
  resourceRef: grantResourceRef,
  rules: {
    isGrantRequester,
    hasGrantConsumer,
    hasGrantApi,
    isGrantApprovedByOwner,
    hasGrantEnvironment,
  },
});

/**
 * Conditions on access requests (resource type `api-access-request`), for
 * `api-access.request.read` and `api-access.request.decide`.
 *
 * @public
 */
export const apiAccessRequestConditions = requestExports.conditions;

/**
 * A CONDITIONAL decision on an access-request permission.
 *
 * @public
 */
export const createApiAccessRequestConditionalDecision =
  requestExports.createConditionalDecision;

/**
 * Conditions on grants (resource type `api-access-grant`), for
 * `api-access.grant.read`.
 *
 * @public
 */
export const apiAccessGrantConditions = grantExports.conditions;

/**
 * A CONDITIONAL decision on a grant permission.
 *
 * @public
 */
export const createApiAccessGrantConditionalDecision =
  grantExports.createConditionalDecision;
