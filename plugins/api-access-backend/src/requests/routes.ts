/*
 * HTTP for access requests: plans, submission, lists, reads, decisions,
 * withdrawal and resubmission. Each route authenticates, validates with the
 * -common schemas, authorizes and calls AccessRequestService.
 */
import { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ConditionTransformer } from '@backstage/plugin-permission-node';
import {
  apiAccessRequestCreatePermission,
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
  createAccessRequestSchema,
  decisionSchema,
  listRequestsQuerySchema,
  planDraftSchema,
  resubmitSchema,
} from '@api-access/backstage-plugin-api-access-common';
import { RequestFilter } from '../permissions/rules';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import { AccessRequestService } from './AccessRequestService';

export interface RequestRoutesOptions {
  requests: AccessRequestService;
  permissions: PermissionsService;
  /** Turns CONDITIONAL decisions on requests into store filters. */
  toRequestFilter: ConditionTransformer<RequestFilter>;
}

export function addRequestRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: RequestRoutesOptions,
) {
  const { requests, permissions, toRequestFilter } = options;
  const { callerOf, authorize, audited } = kit;

  router.post('/plans', async (req, res) => {
    const caller = await callerOf(req);
    const draft = parse(planDraftSchema, req.body, 'plan draft');
    res.json(await requests.previewPlan(draft, caller));
  });

  router.post('/requests', async (req, res) => {
    const created = await audited(req, 'request-create', 'medium', async () => {
      const caller = await callerOf(req);
      const input = parse(
        createAccessRequestSchema,
        req.body,
        'access request',
      );
      await authorize(caller, apiAccessRequestCreatePermission);
      const request = await requests.create(input, caller);
      return {
        result: request,
        meta: {
          requestId: request.id,
          apiRef: request.apiRef,
          consumerRef: request.consumerRef,
        },
      };
    });
    res.status(201).json(created);
  });

  router.get('/requests', async (req, res) => {
    const caller = await callerOf(req);
    const query = parse(listRequestsQuerySchema, req.query, 'query');
    // A policy may allow, deny, or allow only matching requests; the last
    // becomes a WHERE clause, so pages stay full and nothing leaks.
    const [decision] = await permissions.authorizeConditional(
      [{ permission: apiAccessRequestReadPermission }],
      { credentials: caller.credentials },
    );
    if (decision.result === AuthorizeResult.DENY) {
      res.json({ items: [] });
      return;
    }
    const filter =
      decision.result === AuthorizeResult.CONDITIONAL
        ? toRequestFilter(decision.conditions)
        : undefined;
    res.json(await requests.list(query, caller, filter));
  });

  router.get('/requests/:id', async (req, res) => {
    const caller = await callerOf(req);
    await authorize(caller, apiAccessRequestReadPermission, req.params.id);
    res.json(await requests.get(req.params.id, caller));
  });

  router.post('/requests/:id/decisions', async (req, res) => {
    const decided = await audited(req, 'request-decide', 'high', async () => {
      const caller = await callerOf(req);
      const input = parse(decisionSchema, req.body, 'decision');
      await authorize(caller, apiAccessRequestDecidePermission, req.params.id);
      const result = await requests.decide(req.params.id, input, caller);
      return {
        result: result.request,
        meta: {
          decision: input.decision,
          from: result.previousStatus,
          to: result.request.status,
          grantId: result.grant?.id,
        },
      };
    });
    res.status(201).json(decided);
  });

  router.post('/requests/:id/withdraw', async (req, res) => {
    const withdrawn = await audited(
      req,
      'request-withdraw',
      'low',
      async () => {
        const caller = await callerOf(req);
        const result = await requests.withdraw(req.params.id, caller);
        return {
          result: result.request,
          meta: { from: result.previousStatus },
        };
      },
    );
    res.json(withdrawn);
  });

  router.post('/requests/:id/resubmit', async (req, res) => {
    const resubmitted = await audited(
      req,
      'request-resubmit',
      'medium',
      async () => {
        const caller = await callerOf(req);
        const input = parse(resubmitSchema, req.body, 'resubmission');
        const result = await requests.resubmit(req.params.id, input, caller);
        return {
          result: result.request,
          meta: {
            from: result.previousStatus,
            round: result.request.reviewRound,
          },
        };
      },
    );
    res.json(resubmitted);
  });
}
