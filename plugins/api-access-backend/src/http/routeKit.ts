/*
 * What every api-access route file needs: body and query validation with the
 * -common schemas, the signed-in caller, permission checks and the auditor
 * event around a state change. One copy, shared by every feature's routes.
 */
import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  describeZodError,
  excerpt,
  sanitizeError,
} from '@api-access/backstage-plugin-api-access-common';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Caller } from '../requests/workflowTypes';

/** Validates input; a failure is a 400 naming every bad field. */
export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new InputError(`Invalid ${what}: ${describeZodError(result.error)}`);
  }
  return result.data;
}

/** The longest path segment (an id, an entity name) any route accepts. */
export const MAX_PATH_SEGMENT_CHARS = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * In front of every api-access route: a path segment (a request, grant,
 * review or step id, an entity's namespace or name) is at most 256 printable
 * characters. Everything after it may then quote an id in a message and hand
 * it to SQL: PostgreSQL refuses a NUL in text with an error, not a miss, and
 * a CR/LF or a 5,000-character id would reach the log through the auditor.
 */
export function rejectMalformedPaths(): RequestHandler {
  return (req, _res, next) => {
    for (const raw of req.path.split('/')) {
      if (!raw) continue;
      let segment: string;
      try {
        segment = decodeURIComponent(raw);
      } catch {
        next(
          new InputError(
            `Invalid path: '${excerpt(raw, 80)}' is not valid percent-encoding`,
          ),
        );
        return;
      }
      if (segment.length > MAX_PATH_SEGMENT_CHARS || CONTROL.test(segment)) {
        next(
          new InputError(
            `Invalid path: each segment must be at most ${MAX_PATH_SEGMENT_CHARS} printable characters, not '${excerpt(
              segment,
              80,
            )}'`,
          ),
        );
        return;
      }
    }
    next();
  };
}

export function createCallerKit(options: {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions?: PermissionsService;
}) {
  const { httpAuth, userInfo, permissions } = options;

  /** The signed-in user (users only) with the refs they own or belong to. */
  async function callerOf(req: Request): Promise<Caller> {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const info = await userInfo.getUserInfo(credentials);
    return {
      credentials,
      userEntityRef: info.userEntityRef,
      ownershipEntityRefs: info.ownershipEntityRefs,
    };
  }

  /** Throws 403 unless the permission framework allows it (for the resource, when given). */
  async function authorize(
    caller: Caller,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ) {
    if (!permissions) {
      throw new Error('createCallerKit: no permissions service given');
    }
    const [decision] = await permissions.authorize(
      [
        resourceRef
          ? { permission: permission as ResourcePermission, resourceRef }
          : { permission: permission as BasicPermission },
      ],
      { credentials: caller.credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Permission ${permission.name} denied`);
    }
  }

  return { callerOf, authorize };
}

/**
 * Runs a state-changing action inside a Backstage auditor event, which
 * records who tried what and whether it succeeded (never request bodies).
 * The auditor writes `error.message` and the meta to the log, so both carry
 * request input only as bounded, escaped excerpts. The event opens with the
 * path's id as `requestId`, which the success meta repeats; a route that names
 * its subject otherwise passes `opening`, and its success meta is the action's
 * alone.
 */
type AuditorMeta = NonNullable<
  Parameters<AuditorService['createEvent']>[0]['meta']
>;

export function createAuditedAction(auditor: AuditorService) {
  return async function audited<T>(
    req: Request,
    eventId: string,
    severityLevel: 'low' | 'medium' | 'high',
    action: () => Promise<{ result: T; meta: Record<string, unknown> }>,
    opening?: { meta?: Record<string, unknown> },
  ): Promise<T> {
    let openingMeta: AuditorMeta | undefined;
    if (opening) openingMeta = opening.meta as AuditorMeta | undefined;
    else if (req.params.id) openingMeta = { requestId: excerpt(req.params.id) };
    const event = await auditor.createEvent({
      eventId,
      severityLevel,
      request: req,
      meta: openingMeta,
    });
    try {
      const { result, meta } = await action();
      await event.success({
        meta: opening
          ? (meta as AuditorMeta)
          : { requestId: req.params.id && excerpt(req.params.id), ...meta },
      });
      return result;
    } catch (error) {
      await event.fail({ error: sanitizeError(error) });
      throw error;
    }
  };
}

/** The signed-in caller, permission checks and audited actions, for one router. */
export function createRouteKit(options: {
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
}) {
  return {
    ...createCallerKit(options),
    audited: createAuditedAction(options.auditor),
  };
}

export type RouteKit = ReturnType<typeof createRouteKit>;
