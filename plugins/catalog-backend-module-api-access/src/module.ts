/*
 * The catalog module: registers the processor that turns active api-access
 * grants into consumesApi / apiConsumedBy relations, fed by one call to the
 * api-access backend's GET /catalog/relations per cache period, and the one
 * that reports a bad api-access/plans declaration on the API.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { ResponseError } from '@backstage/errors';
import {
  API_ACCESS_PLUGIN_ID,
  ApiAccessHttpClient,
} from '@api-access/backstage-plugin-api-access-common';
import { ActiveGrantPairs } from './ActiveGrantPairs';
import { ApiAccessGrantsProcessor } from './ApiAccessGrantsProcessor';
import { ApiAccessPlansProcessor } from './ApiAccessPlansProcessor';
import { readGrantRelationsConfig, readPlanCheckPolicy } from './config';

/** A fetch that takes longer fails (and the last good map is kept). */
const FETCH_TIMEOUT_MS = 10_000;

/**
 * Shows active api-access grants in the catalog graph: a Component or Group
 * holding an active grant to an API gets a `consumesApi` relation to it, and
 * the API `apiConsumedBy` back. Also reports each problem with an API's
 * `api-access/plans` declaration as a processing error on the API.
 *
 * @public
 */
export const catalogModuleApiAccessGrants = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'api-access-grants',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({ config, logger, discovery, auth, catalog }) {
        const settings = readGrantRelationsConfig(config);
        const planPolicy = readPlanCheckPolicy(config);
        const client = new ApiAccessHttpClient({ discoveryApi: discovery });
        const pairs = new ActiveGrantPairs({
          cacheMs: settings.cacheSeconds * 1000,
          maxStaleMs: settings.maxStaleSeconds * 1000,
          logger,
          async fetchPairs() {
            // As the catalog itself: the api-access backend lets only the
            // subjects in apiAccess.catalogRelations.allowedSubjects read
            // this (plugin:catalog by default).
            const { token } = await auth.getPluginRequestToken({
              onBehalfOf: await auth.getOwnServiceCredentials(),
              targetPluginId: API_ACCESS_PLUGIN_ID,
            });
            const response = await client.listCatalogRelations(undefined, {
              token,
              signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
            });
            if (!response.ok) {
              // The backend's own reason (e.g. a 403 naming the config key
              // that lists who may read this) goes into the warning.
              const error = await ResponseError.fromResponse(response);
              const reason = error.body?.error?.message;
              throw new Error(
                reason ? `${error.message}: ${reason}` : error.message,
              );
            }
            return (await response.json()).items;
          },
        });
        catalog.addProcessor(new ApiAccessGrantsProcessor(pairs));
        // Needs no call to the api-access backend: the tiers are in config.
        catalog.addProcessor(new ApiAccessPlansProcessor(planPolicy));
        logger.info(
          `api-access grants show as consumesApi / apiConsumedBy relations, from the active grants fetched at most every ${settings.cacheSeconds} s`,
        );
      },
    });
  },
});
