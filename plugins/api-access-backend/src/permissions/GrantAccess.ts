/*
 * Who may read a grant. Exactly its parties, whatever the policy says:
 * the requester, members of the group(s) that currently own the consumer
 * (the Component's owner in the catalog, or the partner/vendor Group itself),
 * members of the group that currently owns the API (catalog `ownedBy`, not the
 * owner recorded at approval), and admins (api-access.admin). On top of that
 * the permission policy answers api-access.grant.read: DENY hides everything,
 * CONDITIONAL narrows with the grant rules.
 *
 * Lists never filter in memory: the caller's party set becomes criteria
 * (requester = me OR api IN (APIs my groups own) OR consumer IN (Components
 * my groups own, my groups)) that the store turns into SQL beside the
 * policy's own conditions. A single grant the caller may not read is a 404,
 * the same answer as an unknown id, so no route reveals that it exists.
 */
import {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  PermissionCriteria,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { ConditionTransformer } from '@backstage/plugin-permission-node';
import {
  Grant,
  apiAccessGrantReadPermission,
} from '@api-access/backstage-plugin-api-access-common';
import { GrantStore } from '../grants/GrantStore';
import { AdminCheck } from './AdminCheck';
import { GrantFilter, GrantResource } from './grantPermissionRules';

export interface GrantCaller {
  userEntityRef: string;
  ownershipEntityRefs: string[];
  credentials: BackstageCredentials;
}

export interface GrantAccessOptions {
  grants: GrantStore;
  permissions: PermissionsService;
  catalog: CatalogService;
  auth: AuthService;
  admins: AdminCheck;
  /** CONDITIONAL decisions to store criteria, for lists. */
  toGrantFilter: ConditionTransformer<GrantFilter>;
  /** CONDITIONAL decisions applied to one loaded grant. */
  conditionApplies: (decision: PolicyDecision, grant: GrantResource) => boolean;
}

const lower = (refs: string[]) =>
  refs.map(ref => ref.toLocaleLowerCase('en-US'));

/** The refs a set, as stored and lowercased (the catalog compares refs case-insensitively). */
function bothCases(refs: string[]): string[] {
  return [...new Set([...refs, ...lower(refs)])];
}

function owners(entity: Entity | undefined): string[] {
  return lower(
    (entity?.relations ?? [])
      .filter(relation => relation.type === RELATION_OWNED_BY)
      .map(relation => relation.targetRef),
  );
}

export class GrantAccess {
  constructor(private readonly options: GrantAccessOptions) {}

  isAdmin(caller: GrantCaller): Promise<boolean> {
    return this.options.admins.isAdmin(caller.credentials);
  }

  /**
   * Criteria every grant the caller lists must meet, or 'none' when the
   * policy denies reading grants. Empty for an admin the policy allows.
   */
  async listFilters(
    caller: GrantCaller,
  ): Promise<PermissionCriteria<GrantFilter>[] | 'none'> {
    const [decision] = await this.options.permissions.authorizeConditional(
      [{ permission: apiAccessGrantReadPermission }],
      { credentials: caller.credentials },
    );
    if (decision.result === AuthorizeResult.DENY) return 'none';
    const filters: PermissionCriteria<GrantFilter>[] = [];
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      filters.push(this.options.toGrantFilter(decision.conditions));
    }
    const party = await this.partyFilter(caller);
    if (party) filters.push(party);
    return filters;
  }

  /** The caller's parties as criteria; undefined for an admin (every grant). */
  async partyFilter(
    caller: GrantCaller,
  ): Promise<PermissionCriteria<GrantFilter> | undefined> {
    if (await this.isAdmin(caller)) return undefined;
    const refs = caller.ownershipEntityRefs;
    const [apis, components] = await Promise.all([
      this.ownedBy('API', refs),
      this.ownedBy('Component', refs),
    ]);
    return {
      anyOf: [
        { requesterIn: [caller.userEntityRef] },
        { apiIn: bothCases(apis) },
        // A partner's or vendor's Group is the consumer itself.
        { consumerIn: bothCases([...components, ...refs]) },
      ],
    };
  }

  /** Whether the caller is one of the grant's parties (or an admin), per the catalog now. */
  async isParty(grant: Grant, caller: GrantCaller): Promise<boolean> {
    if (grant.requesterRef === caller.userEntityRef) return true;
    const mine = new Set(lower(caller.ownershipEntityRefs));
    if (mine.has(grant.consumerRef.toLocaleLowerCase('en-US'))) return true;
    const [api, consumer] = await this.entities([
      grant.apiRef,
      grant.consumerRef,
    ]);
    if (owners(api).some(ref => mine.has(ref))) return true;
    if (owners(consumer).some(ref => mine.has(ref))) return true;
    return this.isAdmin(caller);
  }

  /** Whether the caller is a member of the group (or the user) that owns the API now. */
  async ownsApiNow(apiRef: string, caller: GrantCaller): Promise<boolean> {
    const [api] = await this.entities([apiRef]);
    const mine = new Set(lower(caller.ownershipEntityRefs));
    return owners(api).some(ref => mine.has(ref));
  }

  /**
   * The APIs whose owner (catalog `ownedBy`, now) is the caller or one of
   * their groups, as refs in both cases: the APIs whose grants the caller
   * may revoke as an owner.
   */
  async apisOwnedNow(caller: GrantCaller): Promise<string[]> {
    return bothCases(await this.ownedBy('API', caller.ownershipEntityRefs));
  }

  /** The API's owners per the catalog now (lowercased refs). */
  async currentApiOwners(apiRef: string): Promise<string[]> {
    const [api] = await this.entities([apiRef]);
    return owners(api);
  }

  /**
   * Who speaks for the consumer now: the owners of a Component in the
   * catalog, or a partner's or vendor's Group itself (lowercased refs).
   */
  async currentConsumerOwners(consumerRef: string): Promise<string[]> {
    if (consumerRef.toLocaleLowerCase('en-US').startsWith('group:')) {
      return lower([consumerRef]);
    }
    const [consumer] = await this.entities([consumerRef]);
    return owners(consumer);
  }

  /**
   * The grant, if the caller may read it: a party (or admin) whom the policy
   * allows api-access.grant.read on it. Otherwise a 404, as for an unknown
   * grant.
   */
  async readable(id: string, caller: GrantCaller): Promise<Grant> {
    const notFound = () => new NotFoundError(`No grant '${id}'`);
    const [resource] = await this.options.grants.getGrantResources(
      this.options.grants.db,
      [id],
    );
    if (!resource) throw notFound();
    const [decision] = await this.options.permissions.authorizeConditional(
      [{ permission: apiAccessGrantReadPermission }],
      { credentials: caller.credentials },
    );
    if (
      decision.result === AuthorizeResult.DENY ||
      (decision.result === AuthorizeResult.CONDITIONAL &&
        !this.options.conditionApplies(decision, resource))
    ) {
      throw notFound();
    }
    if (!(await this.isParty(resource, caller))) throw notFound();
    const { approvedOwnerRef: _owner, ...grant } = resource;
    return grant;
  }

  private async credentials() {
    return this.options.auth.getOwnServiceCredentials();
  }

  private async entities(refs: string[]): Promise<Array<Entity | undefined>> {
    const { items } = await this.options.catalog.getEntitiesByRefs(
      { entityRefs: refs, fields: ['kind', 'metadata', 'relations'] },
      { credentials: await this.credentials() },
    );
    return items.map(item => item ?? undefined);
  }

  /** Entities of a kind whose `ownedBy` is one of the refs. */
  private async ownedBy(kind: string, refs: string[]): Promise<string[]> {
    if (refs.length === 0) return [];
    const { items } = await this.options.catalog.getEntities(
      {
        filter: { kind, 'relations.ownedBy': refs },
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      { credentials: await this.credentials() },
    );
    return items.map(entity => stringifyEntityRef(entity));
  }
}
