/*
 * HTTP to service calls: authenticate, validate with the -common schemas,
 * authorize, call the workflow, emit auditor events. No SQL and no workflow
 * rules live here.
 */
import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  apiAccessAuditVerifyPermission,
  apiAccessGrantRevokePermission,
  apiAccessRequestCreatePermission,
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
  createAccessRequestSchema,
  decisionSchema,
  listGrantsQuerySchema,
  listRequestsQuerySchema,
  auditQuerySchema,
  introspectSchema,
  issueCredentialSchema,
  excerpt,
  sanitizeError,
  planDraftSchema,
  resubmitSchema,
  revokeGrantSchema,
  renewGrantSchema,
} from '@api-access/backstage-plugin-api-access-common';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { ConditionTransformer } from '@backstage/plugin-permission-node';
import { RequestFilter } from '../permissions/rules';
import type { AdminCheck } from '../permissions/AdminCheck';
import { AssessmentBlockedError } from '../assessment/AssessmentService';
import { AccessRequestService } from '../requests/AccessRequestService';
import { ApiProfileService } from '../profiles/ApiProfileService';
import { CredentialService } from '../credentials/CredentialService';
import { GrantService } from '../grants/GrantService';
import { createCallerKit, parse } from './routeKit';
import type { LifecycleService } from '../lifecycle/LifecycleService';
import type { ProvisioningService } from '../provisioning/ProvisioningService';

export interface RouterOptions {
  keys: CredentialService;
  grants: GrantService;
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
}

/** Reads a request body of at most `limit` bytes; a larger one is a 400 naming the limit. */
function readSmallBody(req: Request, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new InputError(
            `Invalid introspection request: the body must be at most ${limit} bytes`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `token=...` as a form, or `{"token": "..."}` as JSON. */
function parseIntrospectionBody(
  raw: string,
  contentType: string | undefined,
): Record<string, unknown> {
  if ((contentType ?? '').includes('json')) {
    try {
      const value = JSON.parse(raw || '{}');
      return value && typeof value === 'object' ? value : {};
    } catch {
      throw new InputError(
        'Invalid introspection request: the body is not JSON',
      );
    }
  }
  const form = new URLSearchParams(raw);
  const result: Record<string, unknown> = {};
  for (const key of ['token', 'token_type_hint']) {
    const value = form.get(key);
    if (value !== null) result[key] = value;
  }
  return result;
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    userInfo,
    permissions,
    auditor,
    requests,
    profiles,
    toRequestFilter,
    keys,
    grants,
  } = options;
  const router = Router();

  /** Only the gateways named in apiAccess.gateway.allowedSubjects may ask about keys. */
  async function gatewayOf(req: Request) {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    keys.assertGateway(credentials.principal.subject);
  }

  // RFC 7662: gateways post `token=...` (form-encoded, or JSON) with a service
  // token. The hot path of every call behind a gateway, so it is mounted
  // before the router-wide JSON parser and reads its few bytes itself; the
  // benchmark (docs/benchmarks.md) measures it.
  router.post('/introspect', async (req, res) => {
    await gatewayOf(req);
    const { token } = parse(
      introspectSchema,
      parseIntrospectionBody(
        await readSmallBody(req, 4096),
        req.headers['content-type'],
      ),
      'introspection request',
    );
    const body = JSON.stringify(await keys.introspect(token));
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
  });

  router.use(express.json({ limit: '100kb' }));

  const { callerOf, authorize } = createCallerKit({
    httpAuth,
    userInfo,
    permissions,
  });

  /**
   * Runs a state-changing action inside a Backstage auditor event, which
   * records who tried what and whether it succeeded (never request bodies).
   * The auditor writes `error.message` and the meta to the log, so both carry
   * request input only as bounded, escaped excerpts.
   */
  async function audited<T>(
    req: Request,
    eventId: string,
    severityLevel: 'low' | 'medium' | 'high',
    action: () => Promise<{ result: T; meta: Record<string, unknown> }>,
  ): Promise<T> {
    const event = await auditor.createEvent({
      eventId,
      severityLevel,
      request: req,
      meta: req.params.id ? { requestId: excerpt(req.params.id) } : undefined,
    });
    try {
      const { result, meta } = await action();
      await event.success({
        meta: { requestId: req.params.id && excerpt(req.params.id), ...meta },
      });
      return result;
    } catch (error) {
      await event.fail({ error: sanitizeError(error) });
      throw error;
    }
  }

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/apis/:namespace/:name/profile', async (req, res) => {
    const caller = await callerOf(req);
    const apiRef = `api:${req.params.namespace}/${req.params.name}`;
    res.json(await profiles.getProfile(apiRef, caller.credentials));
  });

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
    await options.admins.requireAdmin(caller, 'verify the audit chain');
    await authorize(caller, apiAccessAuditVerifyPermission);
    const full = req.query.full === 'true' || req.query.full === '1';
    res.json(await requests.verifyAudit({ full }));
  });

  router.get('/credentials/terms', async (req, res) => {
    await callerOf(req);
    res.json(keys.terms());
  });

  router.post('/grants/:id/credentials', async (req, res) => {
    const issued = await audited(req, 'credential-issue', 'high', async () => {
      const caller = await callerOf(req);
      const { acceptTerms } = parse(
        issueCredentialSchema,
        req.body,
        'credential request',
      );
      // A grant the caller may not read is a 404, as an unknown one.
      await grants.readable(req.params.id, caller);
      const credential = await keys.issue(req.params.id, acceptTerms, caller);
      return {
        result: credential,
        meta: {
          grantId: credential.grantId,
          prefix: credential.prefix,
          rotated: !!credential.previousValidUntil,
        },
      };
    });
    // The secret is in this body and nowhere else: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.status(201).json(issued);
  });

  /**
   * For gateways (nginx auth_request, Envoy ext_authz): the presented key in
   * X-Api-Access-Key, the protected API in X-Api-Access-Api, optionally the
   * scope the call needs and the environment. Answers 200, 401 or 403.
   */
  router.all('/authorize', async (req, res) => {
    await gatewayOf(req);
    const api = req.header('x-api-access-api');
    if (!api) {
      throw new InputError(
        'The X-Api-Access-Api header is required: the entity ref of the API the gateway protects',
      );
    }
    let apiRef: string;
    try {
      apiRef = stringifyEntityRef(
        parseEntityRef(api, {
          defaultKind: 'api',
          defaultNamespace: 'default',
        }),
      );
    } catch {
      // The parser's message quotes the header: name it only as an excerpt.
      throw new InputError(
        `The X-Api-Access-Api header is not an entity ref: '${excerpt(api)}'`,
      );
    }
    const answer = await keys.authorize(req.header('x-api-access-key'), {
      apiRef,
      scope: req.header('x-api-access-scope') || undefined,
      environment: req.header('x-api-access-environment') || undefined,
    });
    res.setHeader('Cache-Control', 'no-store');
    if (answer.status === 200) {
      const { result } = answer;
      res.setHeader('X-Api-Access-Consumer', result.client_id ?? '');
      res.setHeader('X-Api-Access-Grant', result.grant_id ?? '');
      res.setHeader('X-Api-Access-Scopes', result.scope ?? '');
      if (result.rate_limit) {
        res.setHeader(
          'X-Api-Access-Rate-Limit',
          `${result.rate_limit.requests};w=${result.rate_limit.per_seconds}`,
        );
      }
      res.status(200).json({ allowed: true });
      return;
    }
    if (answer.status === 401) {
      res.setHeader('WWW-Authenticate', 'ApiKey realm="api-access"');
    }
    res.setHeader('X-Api-Access-Reason', answer.reason ?? '');
    res
      .status(answer.status)
      .json({ allowed: false, reason: answer.reason ?? '' });
  });

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

  /**
   * Admins: run the lifecycle tick and due provisioning tasks now, instead of
   * waiting for the scheduler (after an outage, or to try a policy change).
   */
  router.post('/admin/lifecycle/run', async (req, res) => {
    const result = await audited(req, 'lifecycle-run', 'medium', async () => {
      const caller = await callerOf(req);
      await options.admins.requireAdmin(caller, 'run the lifecycle');
      const rules = (await options.lifecycle?.tick()) ?? {};
      const provisioned = (await options.provisioning?.runDue()) ?? 0;
      return { result: { rules, provisioned }, meta: {} };
    });
    res.json(result);
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
