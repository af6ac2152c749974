/*
 * Permissions api-access checks in its backend. A permission policy can allow,
 * deny or (for resource permissions) condition any of them.
 */
import { createPermission } from '@backstage/plugin-permission-common';

export const API_ACCESS_REQUEST_RESOURCE_TYPE = 'api-access-request';

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

/** List grants held by consumers. */
export const apiAccessGrantReadPermission = createPermission({
  name: 'api-access.grant.read',
  attributes: { action: 'read' },
});

/**
 * Revoke a grant. Beyond this permission, only the grant's requester, the
 * API's owners and admins may revoke it.
 */
export const apiAccessGrantRevokePermission = createPermission({
  name: 'api-access.grant.revoke',
  attributes: { action: 'update' },
});

/** Verify the whole audit chain. */
export const apiAccessAuditVerifyPermission = createPermission({
  name: 'api-access.audit.verify',
  attributes: { action: 'read' },
});

export const apiAccessPermissions = [
  apiAccessAuditVerifyPermission,
  apiAccessRequestCreatePermission,
  apiAccessRequestReadPermission,
  apiAccessRequestDecidePermission,
  apiAccessGrantReadPermission,
  apiAccessGrantRevokePermission,
];
