/*
 * HTTP for grants: the paged list, revocation, renewal and a retry of
 * failed provisioning. Each route calls GrantService (renewal: the request
 * workflow, since a renewal is a request).
 */
import {
  apiAccessGrantRevokePermission,
  apiAccessRequestCreatePermission,
  excerpt,
  incidentRevocationSchema,
  listGrantsQuerySchema,
  renewGrantSchema,
  revokeGrantSchema,
} from '@api-access/backstage-plugin-api-access-common';
import type { AccessRequestService } from '../requests/AccessRequestService';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import { GrantService } from './GrantService';
import type { IncidentRevocationService } from './IncidentRevocationService';

export interface GrantRoutesOptions {
  grants: GrantService;
  requests: AccessRequestService;
  incidentRevocations: IncidentRevocationService;
}

export function addGrantRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: GrantRoutesOptions,
) {
  const { grants, requests, incidentRevocations } = options;
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
