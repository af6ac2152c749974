/*
 * HTTP for grants: the paged list, revocation, renewal, a retry of failed
 * provisioning, and a live grant's plan, suspension and usage. Each route
 * calls GrantService or GrantPlanService (renewal: the request workflow,
 * since a renewal is a request).
 */
import {
  apiAccessGrantRevokePermission,
  apiAccessRequestCreatePermission,
  changeGrantPlanSchema,
  excerpt,
  grantUsageQuerySchema,
  incidentRevocationSchema,
  listGrantsQuerySchema,
  renewGrantSchema,
  resumeGrantSchema,
  revokeGrantSchema,
  suspendGrantSchema,
} from '@api-access/backstage-plugin-api-access-common';
import type { AccessRequestService } from '../requests/AccessRequestService';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import { GrantService } from './GrantService';
import type { GrantPlanService } from './GrantPlanService';
import type { IncidentRevocationService } from './IncidentRevocationService';

export interface GrantRoutesOptions {
  grants: GrantService;
  requests: AccessRequestService;
  incidentRevocations: IncidentRevocationService;
  /** Plan changes, suspension and usage of a live grant. */
  grantPlans: GrantPlanService;
}

export function addGrantRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: GrantRoutesOptions,
) {
  const { grants, requests, incidentRevocations, grantPlans } = options;
  const { callerOf, authorize, audited } = kit;

  // Paged like /requests. Only the grants' parties and admins see rows; the
  // policy on api-access.grant.read can deny (empty list) or narrow with the
  // grant rules, and both become SQL.
  router.get('/grants', async (req, res) => {
    const caller = await callerOf(req);
    const query = parse(listGrantsQuerySchema, req.query, 'query');
    res.json(await grants.list(query, caller));
  });

  router.post('/grants/:id/revoke', async (req, res) => {
    const revoked = await audited(req, 'grant-revoke', 'high', async () => {
      const caller = await callerOf(req);
      const { reason } = parse(revokeGrantSchema, req.body, 'revocation');
      await authorize(caller, apiAccessGrantRevokePermission);
      const grant = await grants.revoke(req.params.id, reason, caller);
      return { result: grant, meta: { grantId: grant.id } };
    });
    res.json(revoked);
  });

  // Incident revocation: every active grant of one API, consumer or
  // requester that the caller may revoke (owners of the API now, admins).
  // A dry run answers 200 and writes nothing; a real run answers 201 with
  // the batch, once each grant has been tried.
  router.post('/grants/revoke', async (req, res) => {
    const answer = await audited(
      req,
      'grant-incident-revoke',
      'high',
      async () => {
        const caller = await callerOf(req);
        const input = parse(incidentRevocationSchema, req.body, 'revocation');
        await authorize(caller, apiAccessGrantRevokePermission);
        const result = await incidentRevocations.revoke(input, caller);
        return {
          result,
          meta: {
            dryRun: result.dryRun,
            batchId: result.batchId,
            selector: Object.fromEntries(
              Object.entries(result.selector).map(([k, v]) => [k, excerpt(v)]),
            ),
            grants: result.grants.length,
            leftOut: result.leftOut,
            ...(result.counts ?? {}),
          },
        };
      },
      { meta: { dryRun: (req.body as { dryRun?: unknown })?.dryRun === true } },
    );
    res.status(answer.dryRun ? 200 : 201).json(answer);
  });

  // The batch's progress, until every provisioner has confirmed.
  router.get('/grants/revocations/:batchId', async (req, res) => {
    const caller = await callerOf(req);
    res.json(await incidentRevocations.batch(req.params.batchId, caller));
  });

  router.post('/grants/:id/renew', async (req, res) => {
    const renewal = await audited(req, 'grant-renew', 'medium', async () => {
      const caller = await callerOf(req);
      const input = parse(renewGrantSchema, req.body, 'renewal');
      await grants.readable(req.params.id, caller);
      await authorize(caller, apiAccessRequestCreatePermission);
      const { requestId } = await requests.renew(req.params.id, input, caller);
      return {
        result: await requests.get(requestId, caller),
        meta: { grantId: req.params.id, renewalRequestId: requestId },
      };
    });
    res.status(201).json(renewal);
  });

  // The API's owners (catalog ownedBy, now) and admins pause a grant: its
  // key is refused at once on every replica and purged from the gateways.
  router.post('/grants/:id/suspend', async (req, res) => {
    const grant = await audited(req, 'grant-suspend', 'high', async () => {
      const caller = await callerOf(req);
      const { reason } = parse(suspendGrantSchema, req.body, 'suspension');
      const result = await grantPlans.suspend(req.params.id, reason, caller);
      return { result, meta: { grantId: result.id } };
    });
    res.json(grant);
  });

  router.post('/grants/:id/resume', async (req, res) => {
    const grant = await audited(req, 'grant-resume', 'medium', async () => {
      const caller = await callerOf(req);
      const { comment } = parse(resumeGrantSchema, req.body, 'resumption');
      const result = await grantPlans.resume(req.params.id, comment, caller);
      return { result, meta: { grantId: result.id } };
    });
    res.json(grant);
  });

  // Same credential, another plan: downgrades at once, upgrades when the
  // policy needs no review beyond the owner (else 409 naming the stages).
  router.post('/grants/:id/plan', async (req, res) => {
    const grant = await audited(
      req,
      'grant-plan-change',
      'medium',
      async () => {
        const caller = await callerOf(req);
        const input = parse(changeGrantPlanSchema, req.body, 'plan change');
        const result = await grantPlans.changePlan(
          req.params.id,
          input,
          caller,
        );
        return {
          result,
          meta: { grantId: result.id, plan: result.plan?.name },
        };
      },
    );
    res.json(grant);
  });

  // Calls and refusals per day, and the quota's state: whoever may read the grant.
  router.get('/grants/:id/usage', async (req, res) => {
    const caller = await callerOf(req);
    const { days } = parse(grantUsageQuerySchema, req.query, 'query');
    res.json(await grantPlans.usage(req.params.id, days, caller));
  });

  router.post('/grants/:id/provisioning/retry', async (req, res) => {
    const grant = await audited(
      req,
      'grant-provisioning-retry',
      'medium',
      async () => {
        const caller = await callerOf(req);
        await authorize(caller, apiAccessGrantRevokePermission);
        const result = await grants.retryProvisioning(req.params.id, caller);
        return { result, meta: { grantId: result.id } };
      },
    );
    res.json(grant);
  });
}
