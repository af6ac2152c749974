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
  catalogApiRef,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { ApiAccessCard } from './ApiAccessCard';
import {
  petstoreEntity,
  petstoreProfile,
  petstoreProfileWithPlans,
  pendingRequest,
} from '../../testData';

function setup(overrides: Partial<ApiAccessApi> = {}) {
  const apiAccess = {
    getProfile: jest.fn().mockResolvedValue(petstoreProfile),
    previewPlan: jest.fn().mockResolvedValue({
      autoApproved: false,
      stages: [
        {
          name: 'owner',
          steps: [
            { reviewerRef: 'group:default/team-c', quorum: 1, reason: '' },
          ],
        },
      ],
    }),
    createRequest: jest.fn().mockResolvedValue(pendingRequest),
    assess: jest.fn().mockResolvedValue({
      findings: [],
      risk: { score: 0, reasons: [] },
    }),
    ...overrides,
  } as unknown as jest.Mocked<ApiAccessApi>;
  const catalog = catalogApiMock({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'artist-lookup', namespace: 'default' },
        spec: { owner: 'team-a' },
        relations: [{ type: 'ownedBy', targetRef: 'group:default/team-a' }],
      },
    ],
  });
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: 'user:default/breanna.davison',
      ownershipEntityRefs: [
        'user:default/breanna.davison',
        'group:default/team-a',
      ],
    }),
  };
  const render = () =>
    renderInTestApp(
      <TestApiProvider
        apis={[
          [permissionApiRef, mockApis.permission()],
          [apiAccessApiRef, apiAccess],
          [catalogApiRef, catalog],
          [identityApiRef, identity],
        ]}
      >
        <EntityProvider entity={petstoreEntity}>
          <ApiAccessCard />
        </EntityProvider>
      </TestApiProvider>,
      // EntityRefLink needs the catalog's entity route mounted.
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
  return { apiAccess, render };
}

/** Waits for the preselected consumer, then ticks pets:read and fills the text fields. */
async function fillRequestForm(
  dialog: HTMLElement,
  text: { useCase: string; justification: string; storage: string },
) {
  await waitFor(() =>
    expect(within(dialog).getByText('artist-lookup')).toBeInTheDocument(),
  );
  await userEvent.click(
    within(dialog).getByRole('checkbox', { name: 'pets:read' }),
  );
  const field = (name: string) => within(dialog).getByRole('textbox', { name });
  await userEvent.type(field('Use case'), text.useCase);
  await userEvent.type(field('Business justification'), text.justification);
  await userEvent.type(field('Credential storage and rotation'), text.storage);
}

// Typing into MUI fields in jsdom is slow on a 2-core machine.
jest.setTimeout(30_000);

describe('ApiAccessCard', () => {
  it('shows the owner, the classification and where it came from', async () => {
    const { render, apiAccess } = setup();
    await render();
    expect(await screen.findByText('confidential')).toBeInTheDocument();
    expect(screen.getByText(/inherited from system/)).toBeInTheDocument();
    expect(screen.getByText('pets:write')).toBeInTheDocument();
    expect(screen.getByText('development, production')).toBeInTheDocument();
    expect(apiAccess.getProfile).toHaveBeenCalledWith('api:default/petstore');
  });

  it('submits a request with only catalog-known choices and reports who reviews it', async () => {
    const { render, apiAccess } = setup();
    await render();
    await userEvent.click(
      await screen.findByRole('button', { name: 'Request access' }),
    );
    const dialog = await screen.findByRole('dialog');
    const submit = within(dialog).getByRole('button', {
      name: 'Submit request',
    });
    expect(submit).toBeDisabled();

    // The only component the user's groups own is preselected.
    await fillRequestForm(dialog, {
      useCase: 'Show pets',
      justification: 'Roadmap',
      storage: 'Vault, monthly',
    });
    await waitFor(() =>
      expect(within(dialog).getByTestId('api-access-plan')).toHaveTextContent(
        'owner: team-c',
      ),
    );
    expect(submit).toBeEnabled();
    await userEvent.click(submit);

    await waitFor(() =>
      expect(apiAccess.createRequest).toHaveBeenCalledTimes(1),
    );
    expect(apiAccess.createRequest).toHaveBeenCalledWith({
      apiRef: 'api:default/petstore',
      consumerRef: 'component:default/artist-lookup',
      environment: 'development',
      scopes: ['pets:read'],
      credentialType: 'api-key',
      useCase: 'Show pets',
      justification: 'Roadmap',
      credentialStorage: 'Vault, monthly',
      durationDays: 90,
    });
    expect(
      await screen.findByText(
        /Request sent to group:default\/team-c for review/,
      ),
    ).toBeInTheDocument();
  });

  it("keeps the form open and shows the backend's message when it refuses", async () => {
    const { render } = setup({
      createRequest: jest
        .fn()
        .mockRejectedValue(new Error('durationDays must be at most 365 days')),
    });
    await render();
    await userEvent.click(
      await screen.findByRole('button', { name: 'Request access' }),
    );
    const dialog = await screen.findByRole('dialog');
    await fillRequestForm(dialog, {
      useCase: 'x',
      justification: 'y',
      storage: 'z',
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Submit request' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'durationDays must be at most 365 days',
    );
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });
});

describe('ApiAccessCard with plans', () => {
  const profile = {
    ...petstoreProfileWithPlans,
    planErrors: [
      "Annotation api-access/plans, plan 3: 'gold' is not a plan the platform defines",
    ],
  };
  async function renderAs(ownershipEntityRefs: string[]) {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [permissionApiRef, mockApis.permission()],
          [
            apiAccessApiRef,
            { getProfile: jest.fn().mockResolvedValue(profile) },
          ],
          [
            identityApiRef,
            {
              getBackstageIdentity: async () => ({
                type: 'user' as const,
                userEntityRef: 'user:default/someone',
                ownershipEntityRefs,
              }),
            },
          ],
        ]}
      >
        <EntityProvider entity={petstoreEntity}>
          <ApiAccessCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
  }

  it("lists the plans and shows the declaration's problems to the API's owners", async () => {
    await renderAs(['group:default/team-c']);
    expect(
      await screen.findByText(/2 requests per 1 s, 40 per day/),
    ).toBeInTheDocument();
    expect(
      await screen.findByTestId('api-access-plan-errors'),
    ).toHaveTextContent("'gold' is not a plan the platform defines");
  });

  it('does not show the problems to others', async () => {
    await renderAs(['group:default/team-a']);
    expect(
      await screen.findByText(/20 requests per 1 s, 100,000 per month/),
    ).toBeInTheDocument();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(screen.queryByTestId('api-access-plan-errors')).toBeNull();
  });
});
