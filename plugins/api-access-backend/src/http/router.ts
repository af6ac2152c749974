/*
 * The plugin's main router: each feature's routes (requests, grants,
 * credentials, audit, profiles, lifecycle) on one express router, the
 * introspection route before the router-wide JSON parser, and the request
 * assistant's error body. Routes translate HTTP to service calls; no SQL and
 * no workflow rules live here.
 */
import {
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import express, { Request } from 'express';
import {
  createDocumentedRouter,
  DocumentedRouter,
} from '../schema/typedRouter';
import { ConditionTransformer } from '@backstage/plugin-permission-node';
import { RequestFilter } from '../permissions/rules';
import type { AdminCheck } from '../permissions/AdminCheck';
import { AssessmentBlockedError } from '../assessment/AssessmentService';
import { AccessRequestService } from '../requests/AccessRequestService';
import { addRequestRoutes } from '../requests/routes';
import { ApiProfileService } from '../profiles/ApiProfileService';
import { addProfileRoutes } from '../profiles/routes';
import { CredentialService } from '../credentials/CredentialService';
import {
  addCredentialRoutes,
  addIntrospectionRoute,
} from '../credentials/routes';
import { addCredentialTypeRoutes } from '../credentials/typeRoutes';
import type { CredentialIssuer } from '../credentials/CredentialIssuer';
import type { CredentialTypeRegistry } from '../credentials/CredentialTypeRegistry';
import { GrantService } from '../grants/GrantService';
import { addGrantRoutes } from '../grants/routes';
import type { IncidentRevocationService } from '../grants/IncidentRevocationService';
import type { GrantPlanService } from '../grants/GrantPlanService';
import { addAuditRoutes } from '../audit/routes';
import { addLifecycleRoutes } from '../lifecycle/routes';
import { addCatalogRelationRoutes } from '../catalogRelations/routes';
import type { CatalogRelationService } from '../catalogRelations/CatalogRelationService';
import type { LifecycleService } from '../lifecycle/LifecycleService';
import type { ProvisioningService } from '../provisioning/ProvisioningService';
import { createRouteKit } from './routeKit';

export interface RouterOptions {
  keys: CredentialService;
  /** The installed credential types (GET /credential-types). */
  credentialTypes: CredentialTypeRegistry;
  /** Issues any type's credential (POST /grants/:id/credentials). */
  issuer: CredentialIssuer;
  grants: GrantService;
  /** POST /grants/revoke and the batches' progress. */
  incidentRevocations: IncidentRevocationService;
  /** A live grant's plan, suspension and usage. */
  grantPlans: GrantPlanService;
  /** GET /catalog/relations: active grants for the catalog module. */
  catalogRelations: CatalogRelationService;
  /** For the admins' "run due work now" route. */
  lifecycle?: LifecycleService;
  provisioning?: ProvisioningService;
  /** Who is an admin: whoever the permission policy grants api-access.admin. */
  admins: AdminCheck;
  /** Turns CONDITIONAL decisions on requests into store filters. */
  toRequestFilter: ConditionTransformer<RequestFilter>;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
  requests: AccessRequestService;
  profiles: ApiProfileService;
  /** For failures the answer does not detail (one item of a bulk decision). */
  logger?: LoggerService;
}

export async function createRouter(
  options: RouterOptions,
): Promise<DocumentedRouter> {
  const { requests, grants, keys, admins } = options;
  const router = createDocumentedRouter();

  // RFC 7662: gateways post `token=...` (form-encoded, or JSON) with a service
  // token. The hot path of every call behind a gateway, so it is mounted
  // before the router-wide JSON parser and reads its few bytes itself; the
  // benchmark (docs/benchmarks.md) measures it.
  addIntrospectionRoute(router, { keys, httpAuth: options.httpAuth });

  router.use(express.json({ limit: '100kb' }));

  const kit = createRouteKit(options);

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  addProfileRoutes(router, kit, { profiles: options.profiles });
  addRequestRoutes(router, kit, {
    requests,
    permissions: options.permissions,
    toRequestFilter: options.toRequestFilter,
    logger: options.logger,
  });
  addAuditRoutes(router, kit, { requests, grants, admins });
  addCredentialRoutes(router, kit, {
    keys,
    grants,
    httpAuth: options.httpAuth,
  });
  addCredentialTypeRoutes(router, kit, {
    credentialTypes: options.credentialTypes,
    issuer: options.issuer,
    grants,
  });
  addGrantRoutes(router, kit, {
    grants,
    requests,
    incidentRevocations: options.incidentRevocations,
    grantPlans: options.grantPlans,
  });
  addCatalogRelationRoutes(router, {
    relations: options.catalogRelations,
    httpAuth: options.httpAuth,
  });
  addLifecycleRoutes(router, kit, {
    admins,
    lifecycle: options.lifecycle,
    provisioning: options.provisioning,
  });

  // The request assistant's blockers: Backstage's error body plus the findings,
  // so the form can show each one at its field.
  router.use(
    (
      error: unknown,
      req: Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (!(error instanceof AssessmentBlockedError)) {
        next(error);
        return;
      }
      res.status(400).json({
        error: { name: error.name, message: error.message },
        request: { method: req.method, url: req.originalUrl },
        response: { statusCode: 400 },
        findings: error.findings,
      });
    },
  );

  return router;
}
