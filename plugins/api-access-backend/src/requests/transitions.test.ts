/*
 * What a decision does to a request, without a database or HTTP: the final
 * and a non-final stage, quorum, reject, request changes, narrowed terms and
 * each reason a decision is refused.
 */
import {
  ReviewDecision,
  ReviewStep,
} from '@api-access/backstage-plugin-api-access-common';
import { DecisionFacts, decideRequest } from './transitions';

const now = new Date('2026-12-02T10:00:00Z');
const OWNERS = 'group:default/pets-owners';
const SECURITY = 'group:default/security';
const OPS = 'group:default/ops';
const morgan = {
  userEntityRef: 'user:default/morgan',
  ownershipEntityRefs: ['user:default/morgan', OWNERS],
};
const sam = {
  userEntityRef: 'user:default/sam',
  ownershipEntityRefs: ['user:default/sam', SECURITY],
};
const alex = {
  userEntityRef: 'user:default/alex',
  ownershipEntityRefs: ['user:default/alex', SECURITY],
};

function step(overrides: Partial<ReviewStep>): ReviewStep {
  return {
    id: 'step-owner',
    round: 1,
    stageIndex: 0,
    stageName: 'owner',
    name: 'owner',
    reviewerRef: OWNERS,
    quorum: 1,
    status: 'pending',
    reason: 'API owner',
    rules: [],
    ...overrides,
  };
}

const ownerStep = step({});
const securityStep = step({
  id: 'step-security',
  stageIndex: 1,
  stageName: 'security',
  name: 'security',
  reviewerRef: SECURITY,
  quorum: 2,
  status: 'waiting',
});

function decision(overrides: Partial<ReviewDecision>): ReviewDecision {
  return {
    id: 'd1',
    stepId: 'step-owner',
    round: 1,
    deciderRef: 'user:default/someone',
    decision: 'approve',
    createdAt: now.toISOString(),
    ...overrides,
  };
}

function facts(overrides: Partial<DecisionFacts> = {}): DecisionFacts {
  const request = {
    id: 'r1',
    status: 'in_review' as const,
    reviewRound: 1,
    requesterRef: 'user:default/breanna',
    consumerRef: 'component:default/artist-lookup',
    approvedScopes: ['pets:read', 'pets:write'],
    approvedDurationDays: 90,
  };
  return {
    request,
    askedAbout: {
      requesterRef: request.requesterRef,
      consumerRef: request.consumerRef,
    },
    steps: [ownerStep, securityStep],
    decisions: [],
    stepIdentities: new Map([
      [ownerStep.id, ownerStep],
      [securityStep.id, securityStep],
    ]),
    caller: morgan,
    input: { decision: 'approve' },
    now,
    ...overrides,
  };
}

describe('decideRequest', () => {
  it('approving a non-final stage approves its step and opens the next', () => {
    const { outcome } = decideRequest(facts());
    expect(outcome?.status).toBe('in_review');
    expect(outcome?.step.id).toBe('step-owner');
    expect(outcome?.stepUpdates).toEqual([
      { ids: ['step-owner'], status: 'approved' },
      { ids: ['step-security'], status: 'pending' },
    ]);
    expect(outcome?.opened.map(s => s.id)).toEqual(['step-security']);
    expect(outcome?.events.map(e => e.action)).toEqual([
      'step.approval_recorded',
      'stage.opened',
    ]);
    expect(outcome?.events[1].details).toEqual({
      stage: 'security',
      reviewerRefs: [SECURITY],
    });
  });

  it('one approval short of the quorum records it and moves nothing', () => {
    const { outcome } = decideRequest(
      facts({
        caller: sam,
        steps: [
          { ...ownerStep, status: 'approved' },
          { ...securityStep, status: 'pending' },
        ],
      }),
    );
    expect(outcome?.status).toBe('in_review');
    expect(outcome?.stepUpdates).toEqual([]);
    expect(outcome?.events).toHaveLength(1);
    expect(outcome?.events[0].details).toMatchObject({
      approvals: 1,
      quorum: 2,
    });
  });

  it('the approval that meets the quorum of the final stage approves the request', () => {
    const { outcome } = decideRequest(
      facts({
        caller: alex,
        steps: [
          { ...ownerStep, status: 'approved' },
          { ...securityStep, status: 'pending' },
        ],
        decisions: [
          decision({ deciderRef: morgan.userEntityRef }),
          decision({
            id: 'd2',
            stepId: 'step-security',
            deciderRef: sam.userEntityRef,
          }),
        ],
      }),
    );
    expect(outcome?.status).toBe('approved');
    expect(outcome?.stepUpdates).toEqual([
      { ids: ['step-security'], status: 'approved' },
    ]);
    const approved = outcome?.events.find(e => e.action === 'request.approved');
    expect(approved).toMatchObject({
      fromStatus: 'in_review',
      toStatus: 'approved',
      actorRef: alex.userEntityRef,
      occurredAt: now,
      details: {
        approvedScopes: ['pets:read', 'pets:write'],
        approvedDurationDays: 90,
      },
    });
  });

  it('a stage with another step still open stays open', () => {
    const second = step({ id: 'step-ops', name: 'ops', reviewerRef: OPS });
    const { outcome } = decideRequest(
      facts({ steps: [ownerStep, second, securityStep] }),
    );
    expect(outcome?.stepUpdates).toEqual([
      { ids: ['step-owner'], status: 'approved' },
    ]);
    expect(outcome?.opened).toEqual([]);
  });

  it('narrowed terms go into the approval and the request', () => {
    const { outcome } = decideRequest(
      facts({
        steps: [ownerStep],
        input: { decision: 'approve', scopes: ['pets:read'] },
      }),
    );
    expect(outcome?.status).toBe('approved');
    expect(outcome?.narrowed).toEqual({
      scopes: ['pets:read'],
      durationDays: 90,
    });
    expect(outcome?.narrowedScopes).toEqual(['pets:read']);
    expect(outcome?.narrowedDurationDays).toBeUndefined();
    expect(outcome?.events[1].details).toEqual({
      approvedScopes: ['pets:read'],
      approvedDurationDays: 90,
    });
  });

  it('rejecting ends the request and rejects the step', () => {
    const { outcome } = decideRequest(
      facts({ input: { decision: 'reject', comment: 'no' } }),
    );
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.stepUpdates).toEqual([
      { ids: ['step-owner'], status: 'rejected' },
    ]);
    expect(outcome?.events).toEqual([
      expect.objectContaining({
        action: 'request.rejected',
        fromStatus: 'in_review',
        toStatus: 'rejected',
        details: expect.objectContaining({ comment: 'no', step: 'owner' }),
      }),
    ]);
  });

  it('requesting changes leaves the steps as they are', () => {
    const { outcome } = decideRequest(
      facts({ input: { decision: 'request_changes' } }),
    );
    expect(outcome?.status).toBe('changes_requested');
    expect(outcome?.stepUpdates).toEqual([]);
    expect(outcome?.events[0].action).toBe('request.changes_requested');
  });

  it('a member of the group a step was escalated to decides it, and the history says so', () => {
    const { outcome } = decideRequest(
      facts({
        caller: {
          userEntityRef: 'user:default/ops',
          ownershipEntityRefs: [OPS],
        },
        steps: [{ ...ownerStep, escalatedTo: OPS }, securityStep],
      }),
    );
    expect(outcome?.events[0].details).toMatchObject({ escalatedTo: OPS });
  });

  describe('refuses', () => {
    it.each([
      [
        'the caller with a stake',
        facts({ stake: { reason: 'requester', message: 'You asked for it' } }),
        'stake',
        'not_allowed',
      ],
      [
        'when the consumer changed since the stake was asked',
        facts({
          askedAbout: {
            requesterRef: 'user:default/breanna',
            consumerRef: 'component:default/other',
          },
        }),
        'changed',
        'conflict',
      ],
      [
        'someone in none of the reviewer groups',
        facts({
          caller: {
            userEntityRef: 'user:default/x',
            ownershipEntityRefs: [OPS],
          },
        }),
        'not_reviewer',
        'not_allowed',
      ],
      [
        'a request no longer in review',
        facts({ request: { ...facts().request, status: 'approved' } }),
        'not_in_review',
        'conflict',
      ],
      [
        'a second decision by the same person in a round',
        facts({ decisions: [decision({ deciderRef: morgan.userEntityRef })] }),
        'already_decided',
        'not_allowed',
      ],
      [
        'a reviewer of a stage that is not open yet',
        facts({ caller: sam }),
        'not_waiting_for_caller',
        'not_allowed',
      ],
      [
        'a second step to someone who decided another in an earlier round',
        facts({
          caller: {
            ...sam,
            ownershipEntityRefs: [...sam.ownershipEntityRefs, OWNERS],
          },
          request: { ...facts().request, reviewRound: 2 },
          steps: [{ ...ownerStep, round: 2 }, securityStep],
          decisions: [
            decision({
              round: 1,
              stepId: 'step-security',
              deciderRef: sam.userEntityRef,
            }),
          ],
        }),
        'other_step',
        'not_allowed',
      ],
      [
        'narrowing when not approving',
        facts({ input: { decision: 'reject', scopes: ['pets:read'] } }),
        'narrowing',
        'input',
      ],
      [
        'widening the scopes',
        facts({ input: { decision: 'approve', scopes: ['pets:admin'] } }),
        'narrowing',
        'input',
      ],
      [
        'dropping every scope',
        facts({ input: { decision: 'approve', scopes: [] } }),
        'narrowing',
        'input',
      ],
      [
        'a longer duration',
        facts({ input: { decision: 'approve', durationDays: 91 } }),
        'narrowing',
        'input',
      ],
    ])('%s', (_name, given, reason, error) => {
      const result = decideRequest(given);
      expect(result.outcome).toBeUndefined();
      expect(result.refused).toMatchObject({ reason, error });
      expect(result.refused?.message).toEqual(expect.any(String));
    });

    it('names the groups a request is waiting for', () => {
      expect(decideRequest(facts({ caller: sam })).refused?.message).toBe(
        `The request is waiting for ${OWNERS}, not for a group you belong to`,
      );
    });
  });
});
