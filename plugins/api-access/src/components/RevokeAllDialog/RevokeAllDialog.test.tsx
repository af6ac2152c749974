import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import type { IncidentRevocationResult } from '@api-access/backstage-plugin-api-access-common';
import { Route, Routes } from 'react-router-dom';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { rootRouteRef } from '../../routes';
import { RevokeAllDialog } from './RevokeAllDialog';

jest.setTimeout(30_000);

const grants = [
  {
    id: 'g1',
    apiRef: 'api:default/petstore',
    consumerRef: 'component:default/artist-lookup',
    requesterRef: 'user:default/breanna.davison',
    environment: 'production',
    expiresAt: '2027-01-01T00:00:00.000Z',
  },
  {
    id: 'g2',
    apiRef: 'api:default/petstore',
    consumerRef: 'component:default/artist-lookup',
    requesterRef: 'user:default/breanna.davison',
    environment: 'development',
    expiresAt: '2027-02-01T00:00:00.000Z',
  },
];

describe('RevokeAllDialog', () => {
  it('dry-runs first, lists what ends and what is left out, then revokes and opens the progress page', async () => {
    const revokeGrantsInBulk = jest.fn(
      async (input: any): Promise<IncidentRevocationResult> => ({
        dryRun: input.dryRun,
        selector: { consumerRef: input.consumerRef },
        reason: input.reason,
        grants,
        leftOut: 1,
        ...(input.dryRun ? {} : { batchId: 'b-1' }),
      }),
    );
    const onClose = jest.fn();
    await renderInTestApp(
      <TestApiProvider apis={[[apiAccessApiRef, { revokeGrantsInBulk }]]}>
        <Routes>
          <Route
            path="/"
            element={
              <RevokeAllDialog
                selector={{ consumerRef: 'component:default/artist-lookup' }}
                onClose={onClose}
              />
            }
          />
          <Route
            path="/api-access/revocations/:batchId"
            element={<div>progress page</div>}
          />
        </Routes>
      </TestApiProvider>,
      { mountedRoutes: { '/api-access': rootRouteRef } },
    );
    const show = screen.getByRole('button', { name: 'Show what ends' });
    expect(show).toBeDisabled();
    await userEvent.type(
      screen.getByRole('textbox', { name: /reason/i }),
      'Key leaked in a public repository.',
    );
    await userEvent.click(show);
    expect(await screen.findByText('These 2 grants will end')).toBeVisible();
    expect(revokeGrantsInBulk).toHaveBeenLastCalledWith({
      consumerRef: 'component:default/artist-lookup',
      reason: 'Key leaked in a public repository.',
      dryRun: true,
    });
    expect(
      screen.getByText(/1 more active grant is on APIs you do not own/),
    ).toBeVisible();
    expect(
      screen.getByRole('table', { name: 'Grants that will end' }),
    ).toHaveTextContent('petstore');
    await userEvent.click(
      screen.getByRole('button', { name: 'Revoke 2 grants' }),
    );
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(revokeGrantsInBulk).toHaveBeenLastCalledWith({
      consumerRef: 'component:default/artist-lookup',
      reason: 'Key leaked in a public repository.',
      dryRun: false,
    });
    expect(await screen.findByText('progress page')).toBeInTheDocument();
  });
});
