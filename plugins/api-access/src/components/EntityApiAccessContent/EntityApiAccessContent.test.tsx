/* The tab shows each kind's grants and reviews, full width. */
import { screen } from '@testing-library/react';
import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { rootRouteRef } from '../../routes';
import { teamCEntity } from '../../testData';
import {
  EntityApiAccessContent,
  hasApiAccessContent,
} from './EntityApiAccessContent';

const me = 'user:default/calum.leavy';

function renderTab(entity: Entity) {
  const apiAccess = {
    listGrants: jest.fn().mockResolvedValue([]),
    listRequests: jest.fn().mockResolvedValue({ items: [] }),
    listAccessReviews: jest.fn().mockResolvedValue([]),
  };
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: me,
      ownershipEntityRefs: [me, 'group:default/team-c'],
    }),
  };
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, apiAccess],
        [identityApiRef, identity],
      ]}
    >
      <EntityProvider entity={entity}>
        <EntityApiAccessContent />
      </EntityProvider>
    </TestApiProvider>,
    {
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef,
        '/api-access': rootRouteRef,
      },
    },
  );
}

describe('EntityApiAccessContent', () => {
  it("gives a component's page the access it holds", async () => {
    await renderTab({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'artist-lookup', namespace: 'default' },
      spec: { owner: 'team-a' },
    });
    expect(await screen.findByText('API access held')).toBeInTheDocument();
  });

  it("gives a group's page its reviews and the access to its APIs", async () => {
    await renderTab(teamCEntity);
    expect(
      await screen.findByText('Access to our APIs that needs a look'),
    ).toBeInTheDocument();
    expect(screen.queryByText('API access held')).not.toBeInTheDocument();
  });

  it('is offered on APIs, components and groups only', () => {
    const entity = (kind: string): Entity => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: { name: 'x' },
    });
    expect(hasApiAccessContent(entity('API'))).toBe(true);
    expect(hasApiAccessContent(entity('Component'))).toBe(true);
    expect(hasApiAccessContent(entity('Group'))).toBe(true);
    expect(hasApiAccessContent(entity('User'))).toBe(false);
  });
});
