/*
 * HTTP for the catalog module: GET /catalog/relations, the active
 * (consumer, API) pairs, for the service subjects in
 * apiAccess.catalogRelations.allowedSubjects only.
 */
import { HttpAuthService } from '@backstage/backend-plugin-api';
import type { DocumentedRouter } from '../schema/typedRouter';
import { CatalogRelationService } from './CatalogRelationService';

export interface CatalogRelationRoutesOptions {
  relations: CatalogRelationService;
  httpAuth: HttpAuthService;
}

export function addCatalogRelationRoutes(
  router: DocumentedRouter,
  options: CatalogRelationRoutesOptions,
) {
  const { relations, httpAuth } = options;

  // Services only: a user token is a 403 (users have GET /grants), and so
  // is a service not listed as a reader.
  router.get('/catalog/relations', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    relations.assertReader(credentials.principal.subject);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await relations.activePairs());
  });
}
