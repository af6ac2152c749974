/*
 * HTTP routes of review deadlines:
 *
 *   POST /requests/:id/steps/:stepId/delegate   { to, comment? }: a member
 *        of the step's reviewer group hands the pending step to another
 *        member; answers the request, as GET /requests/:id does
 *   GET  /metrics/time-to-decision?from=&to=&apiRef=   p50/p90 hours from a
 *        step's opening to its decision, per API, stage, and both
 *
 * Delegating is a review action: it needs api-access.request.decide on the
 * request. The metrics are aggregates (counts and hours, no request content),
 * readable with api-access.request.read: ALLOW counts every request, a
 * CONDITIONAL decision counts only the requests it allows (applied in SQL),
 * DENY answers 403.
 */
import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ConditionTransformer } from '@backstage/plugin-permission-node';
import {
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
  delegateStepSchema,
  timeToDecisionQuerySchema,
  excerpt,
} from '@api-access/backstage-plugin-api-access-common';
import {
  createDocumentedRouter,
  DocumentedRouter,
} from '../schema/typedRouter';
import { RequestFilter } from '../permissions/rules';
import { AccessRequestService } from '../requests/AccessRequestService';
import { StepDelegationService } from './StepDelegationService';
import { TimeToDecisionService } from './timeToDecision';
import { createAuditedAction, createCallerKit, parse } from '../http/routeKit';
import { jsonBody } from '../http/jsonBody';

/**
 * The body limit of POST /requests/:id/steps/:stepId/delegate: `to` and a
 * comment of at most 2000 characters. Holds because plugin.ts mounts these
 * routes before the main router's 100 KB parser.
 */
export const DELEGATION_BODY_LIMIT_BYTES = 16 * 1024;

export interface ReviewRoutesOptions {
  requests: AccessRequestService;
  delegation: StepDelegationService;
  timeToDecision: TimeToDecisionService;
  toRequestFilter: ConditionTransformer<RequestFilter>;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
}

export function createReviewRoutes(
  options: ReviewRoutesOptions,
): DocumentedRouter {
  const { requests, delegation, timeToDecision, httpAuth, userInfo } = options;
  const { permissions, auditor, toRequestFilter } = options;
  const router = createDocumentedRouter();

  const { callerOf, authorize } = createCallerKit({
    httpAuth,
    userInfo,
    permissions,
  });
  const audited = createAuditedAction(auditor);

  router.post(
    '/requests/:id/steps/:stepId/delegate',
    jsonBody(DELEGATION_BODY_LIMIT_BYTES, 'delegation'),
    async (req, res) => {
      const caller = await audited(
        req,
        'request-step-delegate',
        'medium',
        async () => {
          const who = await callerOf(req);
          const input = parse(delegateStepSchema, req.body, 'delegation');
          await authorize(who, apiAccessRequestDecidePermission, req.params.id);
          await delegation.delegate(
            req.params.id,
            req.params.stepId,
            input,
            who,
          );
          return {
            result: who,
            meta: {
              requestId: excerpt(req.params.id),
              stepId: excerpt(req.params.stepId),
              to: input.to,
            },
          };
        },
        {
          meta: {
            requestId: excerpt(req.params.id),
            stepId: excerpt(req.params.stepId),
          },
        },
      );
      res.json(await requests.get(req.params.id, caller));
    },
  );

  router.get('/metrics/time-to-decision', async (req, res) => {
    const caller = await callerOf(req);
    const query = parse(timeToDecisionQuerySchema, req.query, 'query');
    const [decision] = await permissions.authorizeConditional(
      [{ permission: apiAccessRequestReadPermission }],
      { credentials: caller.credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      throw new NotAllowedError(
        `Permission ${apiAccessRequestReadPermission.name} denied`,
      );
    }
    const filter =
      decision.result === AuthorizeResult.CONDITIONAL
        ? toRequestFilter(decision.conditions)
        : undefined;
    res.json(await timeToDecision.report(query, filter));
  });

  return router;
}
