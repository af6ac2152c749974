/*
 * The grants table shows only the actions the permission policy allows (in
 * its own file: usePermission caches answers for the whole test module).
 */
import { screen, waitFor } from '@testing-library/react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { GrantsTable } from './GrantsTable';

const me = 'user:default/breanna.davison';
const grant: Grant = {
  id: 'g1',
  requestId: 'r1',
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  requesterRef: me,
  environment: 'development',
  scopes: ['pets:read'],
  credentialType: 'api-key',
  status: 'active',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-12-01T00:00:00.000Z',
} as Grant;

describe('GrantsTable', () => {
  it('hides Revoke and Renew when the permission policy denies them', async () => {
    const authorize = jest.fn((request: { permission: { name: string } }) =>
      request.permission.name === 'api-access.grant.revoke' ||
      request.permission.name === 'api-access.request.create'
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    );
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [permissionApiRef, mockApis.permission({ authorize })],
          [apiAccessApiRef, {}],
        ]}
      >
        <GrantsTable
          grants={[grant]}
          show="api"
          me={me}
          canManage={() => true}
          onChanged={() => {}}
          label="API access held"
        />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByRole('button', { name: /Get credential/ }),
    ).toBeInTheDocument();
    // Both answers are in before the buttons are looked for.
    await waitFor(() => expect(authorize).toHaveBeenCalledTimes(2));
    expect(
      screen.queryByRole('button', { name: /^Revoke/ }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: /^Renew/ }),
    ).not.toBeInTheDocument();
  });
});
