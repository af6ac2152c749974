import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  renderInTestApp,
  mockApis,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  AccessReview,
  Grant,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { AccessReviewCard } from './AccessReviewCard';
import { teamCEntity } from '../../testData';

jest.setTimeout(30_000);

const grant = (id: string, overrides: Partial<Grant> = {}): Grant => ({
  id,
  requestId: `req-${id}`,
  apiRef: 'api:default/petstore',
  consumerRef: 'component:default/artist-lookup',
  requesterRef: 'user:default/breanna.davison',
  environment: 'development',
  scopes: ['pets:read'],
  credentialType: 'api-key',
  status: 'active',
  createdAt: '2026-06-01T10:00:00.000Z',
  expiresAt: '2026-12-01T10:00:00.000Z',
  lastUsedAt: '2026-09-27T08:30:00.000Z',
  credential: {
    id: `cred-${id}`,
    prefix: `aak_${id}`,
    createdAt: '2026-06-01T10:05:00.000Z',
  },
  ...overrides,
});

const review: AccessReview = {
  id: 'rev-1',
  ownerRef: 'group:default/team-c',
  period: '2026-09-28',
  trigger: 'scheduled',
  startedBy: 'api-access',
  createdAt: '2026-09-28T00:05:00.000Z',
  dueAt: '2026-10-12T00:05:00.000Z',
  status: 'open',
  items: [
    { grantId: 'g1', grant: grant('g1') },
    {
      grantId: 'g2',
      grant: grant('g2', {
        consumerRef: 'component:default/playback-order',
        environment: 'production',
      }),
      decision: 'keep',
      comment: 'Orders page reads it nightly',
      decidedBy: 'user:default/calum.leavy',
      decidedAt: '2026-09-29T09:00:00.000Z',
    },
    {
      grantId: 'g3',
      grant: grant('g3', { status: 'revoked', environment: 'staging' }),
      decision: 'revoke',
      comment: 'Not answered by the due date',
      decidedBy: 'api-access',
      decidedAt: '2026-10-12T00:05:00.000Z',
    },
  ],
};

async function forbidden() {
  return ResponseError.fromResponse({
    ok: false,
    status: 403,
    statusText: 'Forbidden',
    url: 'http://localhost/api/api-access/access-reviews',
    headers: { get: () => 'application/json' },
    text: async () =>
      JSON.stringify({
        error: { name: 'NotAllowedError', message: 'Only members' },
        request: { method: 'GET', url: '/access-reviews' },
        response: { statusCode: 403 },
      }),
  } as any);
}

function renderCard(apiAccess: Partial<ApiAccessApi>) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, apiAccess],
      ]}
    >
      <EntityProvider entity={teamCEntity}>
        <AccessReviewCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('AccessReviewCard', () => {
  it("lists the group's campaign with its due date, each grant, and who answered what", async () => {
    const listAccessReviews = jest.fn().mockResolvedValue([review]);
    await renderCard({ listAccessReviews });

    const table = await screen.findByRole('table', {
      name: /Grants in Access review for the period from/,
    });
    expect(listAccessReviews).toHaveBeenCalledWith({
      ownerRef: 'group:default/team-c',
      status: 'all',
    });
    expect(screen.getByText(/Due .*2026/)).toBeInTheDocument();
    expect(screen.getByText(/2 of 3 answered/)).toBeInTheDocument();
    const open = within(table).getByTestId('access-review-item-g1');
    expect(within(open).getByText('pets:read')).toBeInTheDocument();
    expect(within(open).getByText('aak_g1…')).toBeInTheDocument();
    expect(
      within(open).getByRole('button', {
        name: "Keep component:default/artist-lookup's access to api:default/petstore in development",
      }),
    ).toBeInTheDocument();
    expect(
      within(open).getByRole('button', {
        name: "Revoke component:default/artist-lookup's access to api:default/petstore in development",
      }),
    ).toBeInTheDocument();

    const answered = within(table).getByTestId('access-review-item-g2');
    expect(within(answered).getByText('Kept')).toBeInTheDocument();
    expect(
      within(answered).getByText('Orders page reads it nightly'),
    ).toBeInTheDocument();
    expect(within(answered).getByText(/calum.leavy/)).toBeInTheDocument();
    expect(
      within(answered).queryByRole('button', { name: /^Keep/ }),
    ).toBeNull();
    const unanswered = within(table).getByTestId('access-review-item-g3');
    expect(
      within(unanswered).getByText(/api-access \(not answered in time\)/),
    ).toBeInTheDocument();
  });

  it('needs a comment to keep a grant, then sends it and shows the answer', async () => {
    const kept: AccessReview = {
      ...review,
      status: 'closed',
      closedAt: '2026-09-30T10:00:00.000Z',
      items: [
        {
          ...review.items[0],
          decision: 'keep',
          comment: 'Artist page still shows pets',
          decidedBy: 'user:default/calum.leavy',
          decidedAt: '2026-09-30T10:00:00.000Z',
        },
        review.items[1],
        review.items[2],
      ],
    };
    const listAccessReviews = jest
      .fn()
      .mockResolvedValueOnce([review])
      .mockResolvedValue([kept]);
    const answerAccessReview = jest.fn().mockResolvedValue(kept);
    await renderCard({ listAccessReviews, answerAccessReview });

    await userEvent.click(
      await screen.findByRole('button', {
        name: "Keep component:default/artist-lookup's access to api:default/petstore in development",
      }),
    );
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Keep access' });
    expect(confirm).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', {
        name: /Why is this access still needed/,
      }),
      'Artist page still shows pets',
    );
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);

    await waitFor(() =>
      expect(answerAccessReview).toHaveBeenCalledWith('rev-1', 'g1', {
        decision: 'keep',
        comment: 'Artist page still shows pets',
      }),
    );
    expect(
      await screen.findByText(/The review is complete/),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('Artist page still shows pets'),
    ).toBeInTheDocument();
    expect(screen.getByText('Closed')).toBeInTheDocument();
  });

  it('revokes with a reason and shows the backend error when it refuses', async () => {
    const answerAccessReview = jest
      .fn()
      .mockRejectedValueOnce(new Error('The grant is already revoked'));
    await renderCard({
      listAccessReviews: jest.fn().mockResolvedValue([review]),
      answerAccessReview,
    });
    await userEvent.click(
      await screen.findByRole('button', {
        name: "Revoke component:default/artist-lookup's access to api:default/petstore in development",
      }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'Feature retired',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Revoke access' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The grant is already revoked',
    );
    expect(answerAccessReview).toHaveBeenCalledWith('rev-1', 'g1', {
      decision: 'revoke',
      comment: 'Feature retired',
    });
  });

  it('tells a non-member that only members review', async () => {
    await renderCard({
      listAccessReviews: jest.fn().mockRejectedValue(await forbidden()),
    });
    expect(await screen.findByText(/You are not a member/)).toBeInTheDocument();
  });

  it('says when there is no review yet', async () => {
    await renderCard({ listAccessReviews: jest.fn().mockResolvedValue([]) });
    expect(
      await screen.findByText(/No access review for this group yet/),
    ).toBeInTheDocument();
  });
});
