import { otherStepDecided, stakeInAccess } from './conflictOfInterest';

const access = {
  requesterRef: 'user:default/breanna',
  consumerRef: 'component:default/artist-lookup',
  consumerOwnerRefs: ['group:default/team-a'],
};

describe('stakeInAccess', () => {
  it('refuses the requester, even when they are in no consumer team', () => {
    expect(
      stakeInAccess({
        ...access,
        userRef: 'user:default/breanna',
        ownershipRefs: ['user:default/breanna', 'group:default/team-c'],
      }),
    ).toMatchObject({ reason: 'requester' });
  });

  it("refuses a member of the consumer's owner, naming the group", () => {
    const conflict = stakeInAccess({
      ...access,
      userRef: 'user:default/morgan',
      ownershipRefs: [
        'user:default/morgan',
        'group:default/team-a',
        'group:default/team-c',
      ],
    });
    expect(conflict?.reason).toBe('consumer_owner');
    expect(conflict?.message).toContain('group:default/team-a');
  });

  it('refuses the owning user of a consumer owned by a user', () => {
    expect(
      stakeInAccess({
        ...access,
        consumerOwnerRefs: ['user:default/morgan'],
        userRef: 'user:default/morgan',
        ownershipRefs: [],
      }),
    ).toMatchObject({ reason: 'consumer_owner' });
  });

  it('lets an owner-team member outside the consumer team decide', () => {
    expect(
      stakeInAccess({
        ...access,
        userRef: 'user:default/calum',
        ownershipRefs: ['user:default/calum', 'group:default/team-c'],
      }),
    ).toBeUndefined();
  });
});

describe('otherStepDecided', () => {
  const decided = [
    { deciderRef: 'user:default/morgan', stepKey: 'owner/owner' },
    { deciderRef: 'user:default/sam', stepKey: 'security/security' },
  ];
  it('refuses a second step to someone who decided one, in any round', () => {
    expect(
      otherStepDecided(
        'user:default/morgan',
        { stageName: 'security', name: 'security' },
        decided,
      ),
    ).toMatchObject({ reason: 'other_step' });
  });
  it('lets someone decide the same step again in a later round', () => {
    expect(
      otherStepDecided(
        'user:default/sam',
        { stageName: 'security', name: 'security' },
        decided,
      ),
    ).toBeUndefined();
  });
  it('lets someone who decided nothing decide', () => {
    expect(
      otherStepDecided(
        'user:default/carmen',
        { stageName: 'compliance', name: 'compliance' },
        decided,
      ),
    ).toBeUndefined();
  });
});
