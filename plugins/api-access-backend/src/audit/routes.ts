/*
 * HTTP for the history: a subject's events, read like the subject itself,
 * and the admins' check of the hash chain.
 */
import {
  apiAccessAuditVerifyPermission,
  apiAccessRequestReadPermission,
  auditQuerySchema,
} from '@api-access/backstage-plugin-api-access-common';
import type { AdminCheck } from '../permissions/AdminCheck';
import type { AccessRequestService } from '../requests/AccessRequestService';
import type { GrantService } from '../grants/GrantService';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';

export interface AuditRoutesOptions {
  requests: AccessRequestService;
  grants: GrantService;
  admins: AdminCheck;
}

export function addAuditRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: AuditRoutesOptions,
) {
  const { requests, grants, admins } = options;
  const { callerOf, authorize } = kit;

  // A history is read like its subject: the policy decides on the request
  // (api-access.request.read) or the grant (api-access.grant.read, where a
  // non-party gets the 404 of an unknown grant), then the built-in party
  // check of the request.
  router.get('/audit', async (req, res) => {
    const caller = await callerOf(req);
    const { subjectId } = parse(auditQuerySchema, req.query, 'query');
    if (await grants.isGrant(subjectId)) {
      await grants.readable(subjectId, caller);
    } else {
      await authorize(caller, apiAccessRequestReadPermission, subjectId);
    }
    res.json({ items: await requests.history(subjectId, caller) });
  });

  // Admins only; incremental from the last signed checkpoint (full=true
  // rehashes the whole chain).
  router.get('/audit/verify', async (req, res) => {
    const caller = await callerOf(req);
    await admins.requireAdmin(caller, 'verify the audit chain');
    await authorize(caller, apiAccessAuditVerifyPermission);
    const full = req.query.full === 'true' || req.query.full === '1';
    res.json(await requests.verifyAudit({ full }));
  });
}
