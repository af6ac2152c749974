/*
 * Active grants for the catalog graph: the distinct (consumer, API) pairs
 * the catalog module turns into consumesApi / apiConsumedBy relations. Only
 * the service subjects in apiAccess.catalogRelations.allowedSubjects (the
 * catalog backend, `plugin:catalog`, by default) may read the whole map;
 * users read grants through GET /grants and its permission rules.
 */
import { NotAllowedError } from '@backstage/errors';
import { excerpt } from '@api-access/backstage-plugin-api-access-common';
import type { ApiAccessClock } from '../clock';
import type { GrantStore } from '../grants/GrantStore';

export interface CatalogRelationPair {
  consumerRef: string;
  apiRef: string;
}

export interface CatalogRelationServiceOptions {
  grants: GrantStore;
  /** apiAccess.catalogRelations.allowedSubjects. */
  allowedSubjects: string[];
  clock: ApiAccessClock;
}

export class CatalogRelationService {
  private readonly grants: GrantStore;
  private readonly readers: Set<string>;
  private readonly clock: ApiAccessClock;

  constructor(options: CatalogRelationServiceOptions) {
    this.grants = options.grants;
    this.readers = new Set(options.allowedSubjects);
    this.clock = options.clock;
  }

  /** Throws 403 unless the service subject is an allowed reader. */
  assertReader(subject: string) {
    if (!this.readers.has(subject)) {
      throw new NotAllowedError(
        `The service '${excerpt(
          subject,
          100,
        )}' may not read catalog relations: only the subjects listed in apiAccess.catalogRelations.allowedSubjects may call GET /catalog/relations`,
      );
    }
  }

  /** Every (consumer, API) pair holding an active, unexpired grant now. */
  async activePairs(): Promise<{
    items: CatalogRelationPair[];
    generatedAt: string;
  }> {
    const now = this.clock.now();
    const items = await this.grants.activeConsumerApiPairs(this.grants.db, now);
    return { items, generatedAt: now.toISOString() };
  }
}
