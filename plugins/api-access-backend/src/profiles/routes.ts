/*
 * HTTP for an API's access profile: environments, scopes, classification
 * and limits as the request form shows them.
 */
import { RouteKit } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import { ApiProfileService } from './ApiProfileService';

export function addProfileRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: { profiles: ApiProfileService },
) {
  router.get('/apis/:namespace/:name/profile', async (req, res) => {
    const caller = await kit.callerOf(req);
    const apiRef = `api:${req.params.namespace}/${req.params.name}`;
    res.json(await options.profiles.getProfile(apiRef, caller.credentials));
  });
}
