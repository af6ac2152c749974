import { screen, waitFor, within } from '@testing-library/react';
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
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { ReviewInboxCard } from './ReviewInboxCard';
import { pendingRequest, teamCEntity } from '../../testData';
import { rootRouteRef } from '../../routes';

jest.setTimeout(30_000);

function renderCard(
  ownershipEntityRefs: string[],
  apiAccess: Partial<ApiAccessApi>,
) {
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: ownershipEntityRefs[0],
      ownershipEntityRefs,
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
      <EntityProvider entity={teamCEntity}>
        <ReviewInboxCard />
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

describe('ReviewInboxCard', () => {
  it('tells a non-member that only members review, without asking the backend', async () => {
    const listRequests = jest.fn();
    await renderCard(['user:default/sam.rivera', 'group:default/security'], {
      listRequests,
    });
    expect(await screen.findByText(/You are not a member/)).toBeInTheDocument();
    expect(listRequests).not.toHaveBeenCalled();
  });

  it("lists the group's pending requests and approves one", async () => {
    const listRequests = jest
      .fn()
      .mockResolvedValueOnce({ items: [pendingRequest] })
      .mockResolvedValue({ items: [] });
    const decide = jest
      .fn()
      .mockResolvedValue({ ...pendingRequest, status: 'approved' });
    await renderCard(['user:default/calum.leavy', 'group:default/team-c'], {
      listRequests,
      decide,
    });

    // The link comes from the plugin's route ref, wherever the app mounts it.
    expect(
      await screen.findByRole('link', { name: 'Open request' }),
    ).toHaveAttribute(
      'href',
      `/api-access/requests/${encodeURIComponent(pendingRequest.id)}`,
    );
    const approve = await screen.findByRole('button', {
      name: 'Approve api:default/petstore for component:default/artist-lookup',
    });
    expect(listRequests).toHaveBeenCalledWith({
      view: 'reviewable',
      reviewerRef: 'group:default/team-c',
    });
    expect(
      screen.getByText('Show pets on the artist page.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Storage: Vault kv/artist-lookup'),
    ).toBeInTheDocument();

    await userEvent.click(approve);
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Comment (optional)' }),
      'ok',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Confirm approval' }),
    );

    await waitFor(() =>
      expect(decide).toHaveBeenCalledWith('req-1', {
        decision: 'approve',
        comment: 'ok',
      }),
    );
    expect(await screen.findByText(/now approved/)).toBeInTheDocument();
    expect(
      await screen.findByText("Nothing is waiting for this group's decision."),
    ).toBeInTheDocument();
  });

  it('needs a reason before a rejection can be confirmed', async () => {
    const decide = jest.fn();
    await renderCard(['user:default/calum.leavy', 'group:default/team-c'], {
      listRequests: jest.fn().mockResolvedValue({ items: [pendingRequest] }),
      decide,
    });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Reject api:default/petstore for component:default/artist-lookup',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', {
      name: 'Confirm rejection',
    });
    expect(confirm).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Reason (required)' }),
      'Use the public feed',
    );
    expect(confirm).toBeEnabled();
  });

  it('decides several requests at once and shows why one was refused', async () => {
    const other = {
      ...pendingRequest,
      id: 'req-2',
      consumerRef: 'component:default/wayback-search',
    };
    const listRequests = jest
      .fn()
      .mockResolvedValueOnce({ items: [pendingRequest, other] })
      .mockResolvedValue({ items: [other] });
    const decideMany = jest.fn().mockResolvedValue({
      batchId: 'b-1',
      results: [
        { id: 'req-1', status: 201, requestStatus: 'approved' },
        {
          id: 'req-2',
          status: 403,
          error: {
            name: 'NotAllowedError',
            message:
              'You belong to group:default/team-a, which owns the consumer component:default/wayback-search, so you cannot decide access for your own team',
          },
        },
      ],
    });
    await renderCard(['user:default/calum.leavy', 'group:default/team-c'], {
      listRequests,
      decideMany,
    });
    // Nothing selected: no bulk bar.
    await screen.findByRole('checkbox', {
      name: 'Select petstore for artist-lookup',
    });
    expect(
      screen.queryByRole('toolbar', { name: 'Decide the selected requests' }),
    ).not.toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Select every request' }),
    );
    const bar = screen.getByRole('toolbar', {
      name: 'Decide the selected requests',
    });
    expect(within(bar).getByText('2 selected')).toBeInTheDocument();
    await userEvent.click(
      within(bar).getByRole('button', { name: 'Reject 2' }),
    );
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Reject 2' });
    expect(confirm).toBeDisabled();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );

    await userEvent.click(
      within(bar).getByRole('button', { name: 'Approve 2' }),
    );
    const approveDialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(approveDialog).getByRole('textbox', { name: 'Comment' }),
      'Read-only sandbox access is fine.',
    );
    await userEvent.click(
      within(approveDialog).getByRole('button', { name: 'Approve 2' }),
    );
    await waitFor(() =>
      expect(decideMany).toHaveBeenCalledWith({
        ids: ['req-1', 'req-2'],
        decision: 'approve',
        comment: 'Read-only sandbox access is fine.',
      }),
    );
    expect(
      await within(approveDialog).findByText(/1 of 2 decided/),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('bulk-req-1')).getByText(
        'Decided: now approved',
      ),
    ).toBeInTheDocument();
    expect(
      within(screen.getByTestId('bulk-req-2')).getByText(
        /Not decided: .*cannot decide access for your own team/,
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      within(approveDialog).getByRole('button', { name: 'Done' }),
    );
    // The inbox reloads and the selection is gone.
    await waitFor(() => expect(listRequests).toHaveBeenCalledTimes(2));
    expect(
      screen.queryByRole('toolbar', { name: 'Decide the selected requests' }),
    ).not.toBeInTheDocument();
  });
});
