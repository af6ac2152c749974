/*
 * Checks the plans an API declares (annotation api-access/plans) against the
 * platform's tiers in apiAccess.plans and the API's own scopes and
 * environments, and reports each problem as a catalog processing error on
 * the API, naming it: the owner sees it on the entity page and in
 * GET /entities/by-name/...'s status.items. The check is the one the
 * api-access backend applies when it answers the API's profile (resolvePlans
 * over the same scopes and environments), so a plan the catalog accepts is a
 * plan requesters are offered.
 *
 * As with every catalog processing error, the catalog keeps serving the
 * API's last good version until the declaration is fixed (a new API with a
 * bad declaration does not appear until then).
 */
import { Entity } from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  API_ACCESS_ENVIRONMENTS_ANNOTATION,
  API_ACCESS_PLANS_ANNOTATION,
  API_ACCESS_SCOPES_ANNOTATION,
  PlanTier,
  isApiAccessAvailable,
  parseListAnnotation,
  resolvePlans,
  scopesFromDefinition,
} from '@api-access/backstage-plugin-api-access-common';

/** What the check needs from apiAccess: the tiers, and the environments an API offers when it names none. */
export interface PlanCheckPolicy {
  plans: readonly PlanTier[];
  environments: readonly string[];
}

/** The scopes and environments the api-access backend's profile offers for an API. */
export function planFactsOf(
  entity: Entity,
  defaultEnvironments: readonly string[],
): { scopes: string[]; environments: string[] } {
  const annotations = entity.metadata.annotations ?? {};
  const annotatedScopes = parseListAnnotation(
    annotations[API_ACCESS_SCOPES_ANNOTATION],
  );
  const definition = entity.spec?.definition;
  const scopes =
    annotatedScopes.length > 0
      ? annotatedScopes
      : scopesFromDefinition(
          typeof definition === 'string' ? definition : undefined,
        );
  const environments = parseListAnnotation(
    annotations[API_ACCESS_ENVIRONMENTS_ANNOTATION],
  );
  return {
    scopes,
    environments:
      environments.length > 0 ? environments : [...defaultEnvironments],
  };
}

export class ApiAccessPlansProcessor implements CatalogProcessor {
  constructor(private readonly policy: PlanCheckPolicy) {}

  getProcessorName(): string {
    return 'ApiAccessPlansProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const annotation =
      entity.metadata.annotations?.[API_ACCESS_PLANS_ANNOTATION];
    // Only APIs open to access requests offer plans; an API that opts out
    // (api-access/enabled: "false") is never asked for its plans.
    if (annotation === undefined || !isApiAccessAvailable(entity)) {
      return entity;
    }
    const { errors } = resolvePlans(
      annotation,
      this.policy.plans,
      planFactsOf(entity, this.policy.environments),
    );
    for (const error of errors) {
      emit(processingResult.inputError(location, error));
    }
    return entity;
  }
}
