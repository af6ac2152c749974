/*
 * The demo's permission policy: everything is allowed except
 * `api-access.admin`, which only members of group:default/api-access-admins
 * get (the demo's alex.admin), and `api-access.audit.export`, which only the
 * compliance group gets (carmen.diaz; admins export by being admins). An
 * allow-all policy would make every
 * signed-in user an api-access administrator: able to read every request,
 * grant and history and to revoke any grant. A real install writes its own
 * policy; docs/install.md has an example.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';

/** The group whose members the demo policy makes api-access administrators. */
export const DEMO_ADMIN_GROUP = 'group:default/api-access-admins';
/** The group the demo policy lets export the audit history (auditors). */
export const DEMO_COMPLIANCE_GROUP = 'group:default/compliance';

export class DemoPermissionPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (request.permission.name === 'api-access.admin') {
      return {
        result: user?.info.ownershipEntityRefs.includes(DEMO_ADMIN_GROUP)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    // The whole history of every request and grant: only on purpose.
    if (request.permission.name === 'api-access.audit.export') {
      return {
        result: user?.info.ownershipEntityRefs.includes(DEMO_COMPLIANCE_GROUP)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export const permissionModuleDemoPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DemoPermissionPolicy());
      },
    });
  },
});
