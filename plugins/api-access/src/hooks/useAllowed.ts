/*
 * Whether the signed-in user may take an action, as the app's permission
 * policy answers: its button is hidden otherwise, and while the answer is on
 * its way. The backend checks again on every call.
 */
import { usePermission } from '@backstage/plugin-permission-react';

type Permission = Parameters<typeof usePermission>[0]['permission'];

export function useAllowed(
  permission: Permission,
  resourceRef?: string,
): boolean {
  const { allowed } = usePermission(
    permission.type === 'resource'
      ? { permission, resourceRef }
      : { permission },
  );
  return allowed;
}
