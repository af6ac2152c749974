/*
 * HTTP for access requests: plans, submission, lists, reads, decisions,
 * withdrawal and resubmission. Each route authenticates, validates with the
 * -common schemas, authorizes and calls AccessRequestService.
 */
import { randomUUID } from 'node:crypto';
import {
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ConditionTransformer } from '@backstage/plugin-permission-node';
import {
  apiAccessRequestCreatePermission,
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
  bulkDecisionSchema,
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
import {
  BULK_DECISION_CONCURRENCY,
  BulkItemResult,
  itemFailure,
  mapInOrder,
} from './bulkDecisions';

export interface RequestRoutesOptions {
  requests: AccessRequestService;
  permissions: PermissionsService;
  /** Turns CONDITIONAL decisions on requests into store filters. */
  toRequestFilter: ConditionTransformer<RequestFilter>;
  /** Where an unexpected failure of one item of a bulk decision is logged. */
  logger?: LoggerService;
}

export function addRequestRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: RequestRoutesOptions,
) {
  const { requests, permissions, toRequestFilter, logger } = options;
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

  // Bulk: one decision and comment over up to 200 requests, one result each.
  router.post('/requests/decisions', async (req, res) => {
    const caller = await callerOf(req);
    const input = parse(bulkDecisionSchema, req.body, 'bulk decision');
    const { ids, ...decision } = input;
    const batchId = randomUUID();
    // One round trip to the permission framework for every id; each item is
    // then refused or decided exactly as the single route would.
    const allowed = await permissions.authorize(
      ids.map(id => ({
        permission: apiAccessRequestDecidePermission,
        resourceRef: id,
      })),
      { credentials: caller.credentials },
    );
    const results = await mapInOrder(
      ids,
      BULK_DECISION_CONCURRENCY,
      async (id, index): Promise<BulkItemResult> => {
        try {
          const result = await audited(
            req,
            'request-decide',
            'high',
            async () => {
              if (allowed[index].result !== AuthorizeResult.ALLOW) {
                throw new NotAllowedError(
                  `Permission ${apiAccessRequestDecidePermission.name} denied`,
                );
              }
              const decided = await requests.decide(id, decision, caller, {
                batchId,
              });
              return {
                result: decided,
                meta: {
                  requestId: id,
                  batchId,
                  decision: decision.decision,
                  from: decided.previousStatus,
                  to: decided.request.status,
                  grantId: decided.grant?.id,
                },
              };
            },
            { meta: { requestId: id, batchId } },
          );
          return {
            id,
            status: 201,
            requestStatus: result.request.status,
            ...(result.grant ? { grantId: result.grant.id } : {}),
          };
        } catch (error) {
          return itemFailure(id, error, logger);
        }
      },
    );
    res.json({ batchId, results });
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
