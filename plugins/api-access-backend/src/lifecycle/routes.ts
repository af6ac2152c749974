/*
 * HTTP for admins: run the lifecycle tick and due provisioning tasks now,
 * instead of waiting for the scheduler (after an outage, or to try a policy
 * change).
 */
import type { AdminCheck } from '../permissions/AdminCheck';
import type { ProvisioningService } from '../provisioning/ProvisioningService';
import { RouteKit } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import type { LifecycleService } from './LifecycleService';

export interface LifecycleRoutesOptions {
  admins: AdminCheck;
  lifecycle?: LifecycleService;
  provisioning?: ProvisioningService;
}

export function addLifecycleRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: LifecycleRoutesOptions,
) {
  const { callerOf, audited } = kit;
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
}
