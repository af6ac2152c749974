import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  renderInTestApp,
  mockApis,
} from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { OwnerGrantsCard, needsAttention } from './OwnerGrantsCard';

jest.setTimeout(30_000);

const teamC = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name: 'team-c', namespace: 'default' },
  spec: { type: 'team', children: [] },
};

const base: Grant = {
  id: 'g1',
  requestId: 'r1',
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  requesterRef: 'user:default/breanna.davison',
  environment: 'development',
  scopes: ['pets:read'],
  credentialType: 'api-key',
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2027-12-01T00:00:00.000Z',
  flags: [],
};

const orphaned: Grant = {
  ...base,
  id: 'g2',
  consumerRef: 'component:default/old-service',
  flags: ['orphaned'],
  orphanReason:
    'consumer component:default/old-service is no longer in the catalog',
};

describe('OwnerGrantsCard', () => {
  it('knows which grants need a look', () => {
    expect(needsAttention(base)).toBe(false);
    expect(needsAttention(orphaned)).toBe(true);
    expect(needsAttention({ ...base, status: 'revocation_failed' })).toBe(true);
    expect(
      needsAttention({ ...base, status: 'revoked', flags: ['stale'] }),
    ).toBe(false);
  });

  it("lists the group's flagged grants with the reason, and all on request", async () => {
    const listGrants = jest.fn().mockResolvedValue([base, orphaned]);
    const identity = {
      getBackstageIdentity: async () => ({
        type: 'user' as const,
        userEntityRef: 'user:default/calum.leavy',
        ownershipEntityRefs: [
          'user:default/calum.leavy',
          'group:default/team-c',
        ],
      }),
    };
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [permissionApiRef, mockApis.permission()],
          [apiAccessApiRef, { listGrants }],
          [identityApiRef, identity],
        ]}
      >
        <EntityProvider entity={teamC}>
          <OwnerGrantsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByText(/old-service is no longer in the catalog/),
    ).toBeInTheDocument();
    expect(listGrants).toHaveBeenCalledWith({
      ownerRef: 'group:default/team-c',
    });
    expect(screen.queryByText('artist-lookup')).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', {
        name: "Revoke component:default/old-service's access to api:default/petstore in development",
      }),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Show all 2 grants'));
    expect(await screen.findByText('artist-lookup')).toBeInTheDocument();
  });
});
