/*
 * What every api-access route file needs: body and query validation with the
 * -common schemas, the signed-in caller, and permission checks. One copy,
 * shared by the main router and the feature routers.
 */
import {
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { describeZodError } from '@internal/plugin-api-access-common';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { Request } from 'express';
import { z } from 'zod';
import type { Caller } from './AccessRequestService';

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
