/*
 * Who has a stake in some access: its requester and the owners of its
 * consumer. The owners come from the catalog as it is now and from what was
 * recorded at submission, and anyone in either list is refused, so a team
 * change in the catalog can neither open nor dodge the rule. Used by every
 * path that decides access: decide (including escalated steps), delegation,
 * renewal and access-review answers.
 */
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_MEMBER_OF,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  Conflict,
  stakeInAccess,
} from '@api-access/backstage-plugin-api-access-common';

/** A consumer's owners: a Component's owners; a partner or vendor Group owns itself. */
export function ownersOfConsumer(consumer: Entity): string[] {
  const ref = stringifyEntityRef(consumer);
  if (consumer.kind.toLocaleLowerCase('en-US') === 'group') return [ref];
  return (consumer.relations ?? [])
    .filter(relation => relation.type === RELATION_OWNED_BY)
    .map(relation => relation.targetRef);
}

/** A user's ownership refs as the catalog knows them: the user and their groups. */
export function ownershipOfUser(user: Entity): string[] {
  return [
    stringifyEntityRef(user),
    ...(user.relations ?? [])
      .filter(relation => relation.type === RELATION_MEMBER_OF)
      .map(relation => relation.targetRef),
  ];
}

export class StakeCheck {
  constructor(private readonly catalog: CatalogService) {}

  /** The consumer's owners now and at submission, together. */
  async consumerOwners(
    consumerRef: string,
    recorded: string[],
    credentials: BackstageCredentials,
  ): Promise<string[]> {
    let current: string[] = [];
    try {
      const consumer = await this.catalog.getEntityByRef(consumerRef, {
        credentials,
      });
      current = consumer ? ownersOfConsumer(consumer) : [];
    } catch {
      // The catalog being unreachable must not open the door: the recorded
      // owners still apply.
    }
    return Array.from(new Set([...recorded, ...current]));
  }

  /** The stake a person has in the access, or undefined when they may decide it. */
  async conflict(
    person: { userEntityRef: string; ownershipEntityRefs: string[] },
    access: {
      requesterRef: string;
      consumerRef: string;
      consumerOwnerRefs?: string[];
    },
    credentials: BackstageCredentials,
  ): Promise<Conflict | undefined> {
    return stakeInAccess({
      userRef: person.userEntityRef,
      ownershipRefs: person.ownershipEntityRefs,
      requesterRef: access.requesterRef,
      consumerRef: access.consumerRef,
      consumerOwnerRefs: await this.consumerOwners(
        access.consumerRef,
        access.consumerOwnerRefs ?? [],
        credentials,
      ),
    });
  }
}
