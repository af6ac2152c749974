/*
 * Permissions api-access checks in its backend. A permission policy can allow,
 * deny or (for resource permissions) condition any of them.
 */
import { createPermission } from '@backstage/plugin-permission-common';

export const API_ACCESS_REQUEST_RESOURCE_TYPE = 'api-access-request';
export const API_ACCESS_GRANT_RESOURCE_TYPE = 'api-access-grant';

/**
 * An api-access administrator: reads every request, grant and history, may
 * revoke any grant, runs the lifecycle and access reviews by hand and
 * verifies the audit chain. Administrators are whoever the app's permission
 * policy grants this permission; there is no config list. An allow-all
 * policy makes every signed-in user an administrator.
 */
export const apiAccessAdminPermission = createPermission({
  name: 'api-access.admin',
  attributes: {},
});

/** Submit a new access request. */
export const apiAccessRequestCreatePermission = createPermission({
  name: 'api-access.request.create',
  attributes: { action: 'create' },
});

/** Read one access request. */
export const apiAccessRequestReadPermission = createPermission({
  name: 'api-access.request.read',
  attributes: { action: 'read' },
  resourceType: API_ACCESS_REQUEST_RESOURCE_TYPE,
});

/** Record a review decision on an access request. */
export const apiAccessRequestDecidePermission = createPermission({
  name: 'api-access.request.decide',
  attributes: { action: 'update' },
  resourceType: API_ACCESS_REQUEST_RESOURCE_TYPE,
});

/**
 * Read a grant (lists and single grants). A resource permission: a policy
 * may condition it with the grant rules (requester, consumer, API, owner at
 * approval, environment), which lists apply in SQL. Whatever the policy
 * answers, only the grant's parties (requester, members of the consumer's
 * and of the API's current owners) and admins see it.
 */
export const apiAccessGrantReadPermission = createPermission({
  name: 'api-access.grant.read',
  attributes: { action: 'read' },
  resourceType: API_ACCESS_GRANT_RESOURCE_TYPE,
});

/**
 * Revoke a grant. Beyond this permission, only the grant's requester, the
 * API's owners and admins may revoke it.
 */
export const apiAccessGrantRevokePermission = createPermission({
  name: 'api-access.grant.revoke',
  attributes: { action: 'update' },
});

/** Verify the audit chain; needs api-access.admin besides. */
export const apiAccessAuditVerifyPermission = createPermission({
  name: 'api-access.audit.verify',
  attributes: { action: 'read' },
});

/**
 * Export the audit history of a period (GET /audit/export), for auditors and
 * a compliance group. Admins may export without it; anyone else needs it.
 * Like api-access.admin, a policy should answer it deliberately: a policy
 * that allows everything gives every signed-in user the whole history.
 */
export const apiAccessAuditExportPermission = createPermission({
  name: 'api-access.audit.export',
  attributes: { action: 'read' },
});

export const apiAccessPermissions = [
  apiAccessAdminPermission,
  apiAccessAuditVerifyPermission,
  apiAccessAuditExportPermission,
  apiAccessRequestCreatePermission,
  apiAccessRequestReadPermission,
  apiAccessRequestDecidePermission,
  apiAccessGrantReadPermission,
  apiAccessGrantRevokePermission,
];
