/*
 * HTTP for the history: a subject's events, read like the subject itself,
 * the admins' check of the hash chain, and the auditors' export of a period.
 */
import { NotAllowedError } from '@backstage/errors';
import {
  apiAccessAuditExportPermission,
  apiAccessAuditVerifyPermission,
  apiAccessRequestReadPermission,
  auditExportQuerySchema,
  auditQuerySchema,
} from '@api-access/backstage-plugin-api-access-common';
import type { AdminCheck } from '../permissions/AdminCheck';
import type { AccessRequestService } from '../requests/AccessRequestService';
import type { GrantService } from '../grants/GrantService';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import { ExportAbortedError, writeAuditExport } from './auditExport';

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
  const { callerOf, authorize, audited } = kit;

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

  // Admins, or whoever the policy grants api-access.audit.export (e.g. a
  // compliance group). Streams the period's events with their hashes and a
  // trailer; a Backstage auditor event records who exported which range,
  // never the content.
  router.get('/audit/export', async (req, res) => {
    const caller = await callerOf(req);
    const query = parse(auditExportQuerySchema, req.query, 'query');
    const range = { from: query.from, to: query.to };
    try {
      await audited(
        req,
        'audit-export',
        'medium',
        async () => {
          if (!(await admins.isAdmin(caller.credentials))) {
            try {
              await authorize(caller, apiAccessAuditExportPermission);
            } catch {
              throw new NotAllowedError(
                'Exporting the audit history needs api-access.admin or api-access.audit.export',
              );
            }
          }
          const trailer = await writeAuditExport({
            audit: requests.auditLog,
            range,
            format: query.format,
            res,
            now: new Date(),
          });
          return {
            result: trailer,
            meta: {
              count: trailer.count,
              firstSeq: trailer.firstSeq,
              lastSeq: trailer.lastSeq,
              verified: trailer.verification.ok,
            },
          };
        },
        {
          meta: {
            from: range.from?.toISOString() ?? null,
            to: range.to?.toISOString() ?? null,
            format: query.format,
          },
        },
      );
    } catch (error) {
      if (!res.headersSent) throw error;
      // Mid-stream, an answer can no longer say what went wrong: the file
      // ends without its trailer, which the offline check refuses.
      res.destroy();
      if (!(error instanceof ExportAbortedError)) throw error;
    }
  });
}
