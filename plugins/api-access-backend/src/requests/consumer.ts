/*
 * Who may ask for access on behalf of a consumer, once: a Component one of
 * the requester's groups owns, or a partner or vendor Group the requester
 * belongs to. The workflow turns a problem into an error (AccessRequestService),
 * the request assistant into a finding (AssessmentService).
 */
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConsumerKind,
  EXTERNAL_GROUP_TYPES,
} from '@api-access/backstage-plugin-api-access-common';
import { ownersOfConsumer } from '../reviews/stake';

export type ConsumerVerdict =
  | { found: false; ref: string }
  | {
      found: true;
      ref: string;
      /** Unset for a group that is not a partner or vendor. */
      kind?: ConsumerKind;
      ownerRefs: string[];
      /** Why the requester may not act for this consumer, if they may not. */
      problem?: 'group_type' | 'not_member' | 'not_owner';
      /** The group's spec.type, for the group_type message. */
      groupType?: string;
    };

/** The consumer `consumerRef` names (the catalog's entity, or undefined) judged for a requester. */
export function judgeConsumer(
  consumerRef: string,
  entity: Entity | undefined,
  ownershipRefs: string[],
): ConsumerVerdict {
  if (!entity) return { found: false, ref: consumerRef };
  const ref = stringifyEntityRef(entity);
  if (entity.kind.toLocaleLowerCase('en-US') === 'group') {
    const type = String(entity.spec?.type ?? '');
    if (!EXTERNAL_GROUP_TYPES.includes(type)) {
      return {
        found: true,
        ref,
        ownerRefs: [],
        problem: 'group_type',
        groupType: type,
      };
    }
    return {
      found: true,
      ref,
      kind: 'external',
      ownerRefs: [ref],
      problem: ownershipRefs.includes(ref) ? undefined : 'not_member',
    };
  }
  const owners = ownersOfConsumer(entity);
  return {
    found: true,
    ref,
    kind: 'internal',
    ownerRefs: owners,
    problem: owners.some(owner => ownershipRefs.includes(owner))
      ? undefined
      : 'not_owner',
  };
}

/** "a partner group, untyped group ..." as both messages word it. */
export function groupTypeWords(type: string | undefined): string {
  return type || 'untyped';
}
