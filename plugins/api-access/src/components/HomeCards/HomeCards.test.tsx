import { act, screen, waitFor } from '@testing-library/react';
import { identityApiRef } from '@backstage/core-plugin-api';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { signalApiRef } from '@backstage/plugin-signals-react';
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { pendingRequest } from '../../testData';
import { rootRouteRef } from '../../routes';
import {
  ExpiringAccessHomeCardContent,
  ReviewQueueHomeCardContent,
  expiringSoon,
} from './HomeCards';

jest.setTimeout(30_000);

const me = 'user:default/breanna.davison';
const DAY = 24 * 60 * 60 * 1000;
const grant = (id: string, days: number, status = 'active'): Grant =>
  ({
    id,
    requestId: `r-${id}`,
    apiRef: 'api:default/petstore',
    consumerRef: `component:default/${id}`,
    requesterRef: me,
    environment: 'development',
    scopes: ['pets:read'],
    credentialType: 'api-key',
    status,
    createdAt: new Date(Date.now() - 60 * DAY).toISOString(),
    expiresAt: new Date(Date.now() + days * DAY).toISOString(),
  } as Grant);

/** A signals API the test drives: subscribers get what `send` sends. */
function fakeSignals() {
  const listeners: Array<(m: any) => void> = [];
  return {
    api: {
      subscribe: (_channel: string, onMessage: (m: any) => void) => {
        listeners.push(onMessage);
        return { unsubscribe: () => {} };
      },
    },
    send: (message: object) => listeners.forEach(l => l(message)),
  };
}

function render(node: React.ReactNode, apiAccess: Partial<ApiAccessApi>) {
  const signals = fakeSignals();
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: me,
      ownershipEntityRefs: [me, 'group:default/team-c'],
    }),
  };
  return {
    signals,
    rendered: renderInTestApp(
      <TestApiProvider
        apis={[
          [apiAccessApiRef, apiAccess],
          [identityApiRef, identity],
          [signalApiRef, signals.api],
        ]}
      >
        {node}
      </TestApiProvider>,
      {
        mountedRoutes: {
          '/catalog/:namespace/:kind/:name': entityRouteRef,
          '/api-access': rootRouteRef,
        },
      },
    ),
  };
}

describe('home cards', () => {
  it('expiringSoon keeps active grants ending within the window, soonest first', () => {
    const grants = [
      grant('late', 40),
      grant('soon', 3),
      grant('sooner', 1),
      grant('revoked', 2, 'revoked'),
      grant('past', -1),
    ];
    expect(expiringSoon(grants, 30).map(g => g.id)).toEqual(['sooner', 'soon']);
  });

  it('"Waiting for my review" lists the queue and reloads when a live update arrives', async () => {
    const listRequests = jest
      .fn()
      .mockResolvedValueOnce({ items: [] })
      .mockResolvedValue({ items: [pendingRequest] });
    const { signals, rendered } = render(<ReviewQueueHomeCardContent />, {
      listRequests,
    });
    await rendered;
    expect(
      await screen.findByText('Nothing is waiting for your review.'),
    ).toBeInTheDocument();
    expect(listRequests).toHaveBeenCalledWith({ view: 'reviewable' });

    act(() =>
      signals.send({
        kind: 'request',
        id: pendingRequest.id,
        status: 'in_review',
      }),
    );
    expect(
      await screen.findByRole('link', { name: 'petstore for artist-lookup' }),
    ).toHaveAttribute(
      'href',
      `/api-access/requests/${encodeURIComponent(pendingRequest.id)}`,
    );
    expect(listRequests).toHaveBeenCalledTimes(2);
  });

  it('"My access expiring soon" asks for my grants and shows those ending within 30 days', async () => {
    const listGrants = jest
      .fn()
      .mockResolvedValue([grant('late', 45), grant('soon', 5.5)]);
    const { rendered } = render(<ExpiringAccessHomeCardContent />, {
      listGrants,
    });
    await rendered;
    expect(
      await screen.findByRole('link', { name: 'petstore for soon' }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(listGrants).toHaveBeenCalledWith({ requesterRef: me }),
    );
    expect(screen.getByText(/ends in 5 days/)).toBeInTheDocument();
    expect(
      screen.queryByRole('link', { name: 'petstore for late' }),
    ).not.toBeInTheDocument();
  });
});
