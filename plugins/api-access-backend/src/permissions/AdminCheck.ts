/*
 * Who is an api-access administrator: whoever the app's permission policy
 * grants `api-access.admin`. One place asks; every service that used to read
 * a config list of admins asks it instead.
 */
import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { apiAccessAdminPermission } from '@api-access/backstage-plugin-api-access-common';

export interface AdminCaller {
  credentials: BackstageCredentials;
}

export class AdminCheck {
  constructor(private readonly permissions: PermissionsService) {}

  /** Whether the policy grants the caller api-access.admin. */
  async isAdmin(credentials: BackstageCredentials): Promise<boolean> {
    const [decision] = await this.permissions.authorize(
      [{ permission: apiAccessAdminPermission }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** Throws 403 naming the permission unless the caller is an admin. */
  async requireAdmin(caller: AdminCaller, what?: string): Promise<void> {
    if (!(await this.isAdmin(caller.credentials))) {
      throw new NotAllowedError(
        what
          ? `Only api-access admins (permission api-access.admin) can ${what}`
          : 'Permission api-access.admin denied',
      );
    }
  }
}

/** For services built without a permission service (unit tests): nobody is an admin. */
export const noAdmins = {
  isAdmin: async () => false,
  requireAdmin: async (_caller: AdminCaller, what?: string) => {
    throw new NotAllowedError(
      `Only api-access admins (permission api-access.admin) can ${
        what ?? 'do this'
      }`,
    );
  },
} as unknown as AdminCheck;
