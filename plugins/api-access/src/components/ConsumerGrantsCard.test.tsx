import { screen } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { apiAccessApiRef } from '../api/ApiAccessApi';
import { ConsumerGrantsCard } from './ConsumerGrantsCard';

const artistLookup = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'artist-lookup', namespace: 'default' },
  spec: { owner: 'team-a' },
};

describe('ConsumerGrantsCard', () => {
  it("lists the component's grants with scopes, status and expiry", async () => {
    const listGrants = jest.fn().mockResolvedValue([
      {
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
        expiresAt: '2026-12-01T00:00:00.000Z',
      },
    ]);
    await renderInTestApp(
      <TestApiProvider apis={[[apiAccessApiRef, { listGrants }]]}>
        <EntityProvider entity={artistLookup}>
          <ConsumerGrantsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    const row = (await screen.findByText('pets:read')).closest('tr')!;
    expect(row).toHaveTextContent('petstore');
    expect(row).toHaveTextContent('development');
    expect(row).toHaveTextContent('Active');
    expect(row).toHaveTextContent('2026');
    expect(listGrants).toHaveBeenCalledWith({
      consumerRef: 'component:default/artist-lookup',
    });
  });

  it('says when the component holds no access', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [apiAccessApiRef, { listGrants: jest.fn().mockResolvedValue([]) }],
        ]}
      >
        <EntityProvider entity={artistLookup}>
          <ConsumerGrantsCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(
      await screen.findByText(/holds no API access yet/),
    ).toBeInTheDocument();
  });
});
