/*
 * What the catalog says about an API for access purposes: owner (ownedBy
 * relation), classification (API -> System -> Domain -> default), scopes and
 * environments. Nothing here is typed in by a requester.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_OWNED_BY,
  RELATION_PART_OF,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  API_ACCESS_ENVIRONMENTS_ANNOTATION,
  API_ACCESS_PLANS_ANNOTATION,
  API_ACCESS_SCOPES_ANNOTATION,
  ApiAccessProfile,
  isApiAccessAvailable,
  parseListAnnotation,
  resolveClassification,
  resolvePlans,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessConfig } from '../config';
import { scopesFromDefinition } from '../domain/definitionScopes';

function relationTarget(
  entity: Entity | undefined,
  type: string,
  kind: string,
) {
  return entity?.relations?.find(
    relation =>
      relation.type === type &&
      parseEntityRef(relation.targetRef).kind.toLocaleLowerCase('en-US') ===
        kind,
  )?.targetRef;
}

function scopesSource(
  annotated: string[],
  fromDefinition: string[],
): ApiAccessProfile['scopesSource'] {
  if (annotated.length > 0) return 'annotation';
  if (fromDefinition.length > 0) return 'definition';
  return 'none';
}

export class ApiProfileService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly config: ApiAccessConfig,
  ) {}

  /** The profile of an API; NotFoundError when the catalog has no such API or it opts out. */
  async getProfile(
    apiRef: string,
    credentials: BackstageCredentials,
  ): Promise<ApiAccessProfile> {
    const api = await this.catalog.getEntityByRef(apiRef, { credentials });
    if (!api || api.kind.toLocaleLowerCase('en-US') !== 'api') {
      throw new NotFoundError(`No API '${apiRef}' in the catalog`);
    }
    if (!isApiAccessAvailable(api)) {
      throw new NotFoundError(
        `Access to '${apiRef}' cannot be requested through api-access`,
      );
    }
    const systemRef = relationTarget(api, RELATION_PART_OF, 'system');
    const system = systemRef
      ? await this.catalog.getEntityByRef(systemRef, { credentials })
      : undefined;
    const domainRef = relationTarget(system, RELATION_PART_OF, 'domain');
    const domain = domainRef
      ? await this.catalog.getEntityByRef(domainRef, { credentials })
      : undefined;

    const annotatedScopes = parseListAnnotation(
      api.metadata.annotations?.[API_ACCESS_SCOPES_ANNOTATION],
    );
    const definition = api.spec?.definition;
    const definitionScopes =
      annotatedScopes.length > 0
        ? []
        : scopesFromDefinition(
            typeof definition === 'string' ? definition : undefined,
          );
    const environments = parseListAnnotation(
      api.metadata.annotations?.[API_ACCESS_ENVIRONMENTS_ANNOTATION],
    );

    const scopes =
      annotatedScopes.length > 0 ? annotatedScopes : definitionScopes;
    const offeredEnvironments =
      environments.length > 0 ? environments : this.config.environments;
    const { plans, errors: planErrors } = resolvePlans(
      api.metadata.annotations?.[API_ACCESS_PLANS_ANNOTATION],
      this.config.plans,
      { scopes, environments: offeredEnvironments },
    );

    return {
      apiRef: stringifyEntityRef(api),
      title: api.metadata.title ?? api.metadata.name,
      description: api.metadata.description,
      ownerRef:
        relationTarget(api, RELATION_OWNED_BY, 'group') ??
        relationTarget(api, RELATION_OWNED_BY, 'user'),
      classification: resolveClassification([api, system, domain], {
        levels: this.config.classification.levels,
        defaultLevel: this.config.classification.default,
      }),
      regulated: [api, system, domain].some(
        entity =>
          entity?.metadata.labels?.[this.config.regulatedLabel] === 'true',
      ),
      scopes,
      scopesSource: scopesSource(annotatedScopes, definitionScopes),
      environments: offeredEnvironments,
      lifecycle:
        typeof api.spec?.lifecycle === 'string'
          ? api.spec.lifecycle
          : undefined,
      type: typeof api.spec?.type === 'string' ? api.spec.type : undefined,
      plans,
      ...(planErrors.length > 0 ? { planErrors } : {}),
    };
  }
}
