/*
 * Active api-access grants as catalog relations: a Component or Group that
 * holds an active grant to an API gets `consumesApi` to it, and the API
 * `apiConsumedBy` back. Relations emitted while processing an entity live
 * only until its next processing, so a grant that ended is gone at the
 * consumer's next refresh; relations from spec.consumesApis come from the
 * catalog's own processor and are left alone.
 */
import {
  Entity,
  RELATION_API_CONSUMED_BY,
  RELATION_CONSUMES_API,
  getCompoundEntityRef,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import type { ActiveGrantPairs } from './ActiveGrantPairs';

/** Kinds that can be a grant's consumer: a Component, or a partner or vendor Group. */
const CONSUMER_KINDS = new Set(['component', 'group']);

export class ApiAccessGrantsProcessor implements CatalogProcessor {
  constructor(private readonly pairs: Pick<ActiveGrantPairs, 'apisOf'>) {}

  getProcessorName(): string {
    return 'ApiAccessGrantsProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    _location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (!CONSUMER_KINDS.has(entity.kind.toLocaleLowerCase('en-US'))) {
      return entity;
    }
    const consumer = getCompoundEntityRef(entity);
    const apiRefs = await this.pairs.apisOf(stringifyEntityRef(consumer));
    for (const apiRef of apiRefs) {
      let api;
      try {
        api = parseEntityRef(apiRef);
      } catch {
        continue; // not an entity ref; the backend validates them anyway
      }
      if (api.kind.toLocaleLowerCase('en-US') !== 'api') continue;
      emit(
        processingResult.relation({
          source: consumer,
          type: RELATION_CONSUMES_API,
          target: api,
        }),
      );
      emit(
        processingResult.relation({
          source: api,
          type: RELATION_API_CONSUMED_BY,
          target: consumer,
        }),
      );
    }
    return entity;
  }
}
