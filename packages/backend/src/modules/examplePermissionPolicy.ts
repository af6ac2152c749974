/*
 * The permission policy docs/install.md shows to platform engineers, kept as
 * a real, tested file (examplePermissionPolicy.test.ts also checks that the
 * guide quotes it verbatim). The demo does not install it; it uses
 * demoPermissionPolicy.ts.
 */
// docs:example-policy:start
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  apiAccessGrantReadPermission,
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
} from '@api-access/backstage-plugin-api-access-common';
import {
  apiAccessGrantConditions,
  apiAccessRequestConditions,
  createApiAccessGrantConditionalDecision,
  createApiAccessRequestConditionalDecision,
} from '@api-access/backstage-plugin-api-access-backend';

const ADMINS = 'group:default/api-access-admins';
const AUDITORS = 'group:default/compliance';
const CONTRACTORS = 'group:default/contractors';

export class ApiAccessPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];

    // Administrators: whoever this answers ALLOW for. Never allow it to all.
    if (request.permission.name === 'api-access.admin') {
      return {
        result: claims.includes(ADMINS)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }

    // The audit export hands over the whole history: answer it on purpose.
    // Admins export by being admins; auditors in compliance may too.
    if (request.permission.name === 'api-access.audit.export') {
      return {
        result: claims.includes(AUDITORS)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }

    if (claims.includes(CONTRACTORS)) {
      // Contractors see only their own requests and grants, and review
      // nothing in production. api-access applies these conditions in SQL
      // for lists and to the loaded request or grant for single reads.
      if (isPermission(request.permission, apiAccessRequestReadPermission)) {
        return createApiAccessRequestConditionalDecision(
          request.permission,
          apiAccessRequestConditions.isRequester({ claims }),
        );
      }
      if (isPermission(request.permission, apiAccessRequestDecidePermission)) {
        return createApiAccessRequestConditionalDecision(request.permission, {
          not: apiAccessRequestConditions.hasEnvironment({
            environments: ['production'],
          }),
        });
      }
      if (isPermission(request.permission, apiAccessGrantReadPermission)) {
        return createApiAccessGrantConditionalDecision(
          request.permission,
          apiAccessGrantConditions.isGrantRequester({ claims }),
        );
      }
    }

    // Everything else: allowed. api-access still shows a request or grant
    // only to its parties, and its workflow rules (no deciding your own or
    // your team's access, one decision per person) hold whatever this says.
    return { result: AuthorizeResult.ALLOW };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'api-access-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new ApiAccessPolicy());
      },
    });
  },
});
// docs:example-policy:end
