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
import { Grant } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { ConsumerGrantsCard } from './ConsumerGrantsCard';

jest.setTimeout(30_000);

const artistLookup = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'artist-lookup', namespace: 'default' },
  spec: { owner: 'team-a' },
};

const grant: Grant = {
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
};

function renderCard(
  api: Partial<ApiAccessApi>,
  me = 'user:default/breanna.davison',
) {
  const identity = {
    getBackstageIdentity: async () => ({
      type: 'user' as const,
      userEntityRef: me,
      ownershipEntityRefs: [me],
    }),
  };
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, api],
        [identityApiRef, identity],
      ]}
    >
      <EntityProvider entity={artistLookup}>
        <ConsumerGrantsCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('ConsumerGrantsCard', () => {
  it("lists the component's grants with scopes, status, expiry and credential", async () => {
    const listGrants = jest.fn().mockResolvedValue([
      {
        ...grant,
        credential: {
          id: 'c1',
          prefix: 'aak_AbCdEfGh',
          createdAt: grant.createdAt,
        },
      },
    ]);
    await renderCard({ listGrants });
    const row = (await screen.findByText('pets:read')).closest('tr')!;
    expect(row).toHaveTextContent('petstore');
    expect(row).toHaveTextContent('development');
    expect(row).toHaveTextContent('Active');
    expect(row).toHaveTextContent('API key aak_AbCdEfGh…');
    expect(row).toHaveTextContent('never used');
    expect(
      within(row).getByRole('button', {
        name: 'Rotate credential for api:default/petstore',
      }),
    ).toBeInTheDocument();
    expect(listGrants).toHaveBeenCalledWith({
      consumerRef: 'component:default/artist-lookup',
    });
  });

  it('shows the key once after the requester accepts the usage terms', async () => {
    const issueCredential = jest.fn().mockResolvedValue({
      id: 'c1',
      grantId: 'g1',
      prefix: 'aak_AbCdEfGh',
      secret: 'aak_AbCdEfGh_secret-value',
      termsVersion: '7',
      createdAt: '2026-11-02T00:00:00.000Z',
    });
    await renderCard({
      listGrants: jest.fn().mockResolvedValue([grant]),
      getCredentialTerms: jest
        .fn()
        .mockResolvedValue({ version: '7', text: 'Keep it secret.' }),
      issueCredential,
    });
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Get credential for api:default/petstore',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText('Keep it secret.'),
    ).toBeInTheDocument();
    const show = within(dialog).getByRole('button', { name: 'Show my key' });
    expect(show).toBeDisabled();
    await userEvent.click(
      within(dialog).getByRole('checkbox', {
        name: 'I accept these usage terms',
      }),
    );
    await userEvent.click(show);
    await waitFor(() =>
      expect(issueCredential).toHaveBeenCalledWith('g1', '7'),
    );
    expect(
      within(dialog).getByRole('textbox', { name: 'API key' }),
    ).toHaveValue('aak_AbCdEfGh_secret-value');
    expect(
      within(dialog).getByText(/You will not see it again/),
    ).toBeInTheDocument();
  });

  it('offers no credential action to people other than the requester', async () => {
    await renderCard(
      { listGrants: jest.fn().mockResolvedValue([grant]) },
      'user:default/someone.else',
    );
    await screen.findByText('pets:read');
    expect(
      screen.queryByRole('button', { name: /credential for/ }),
    ).not.toBeInTheDocument();
  });

  it('says when the component holds no access', async () => {
    await renderCard({ listGrants: jest.fn().mockResolvedValue([]) });
    expect(
      await screen.findByText(/holds no API access yet/),
    ).toBeInTheDocument();
  });

  it('revokes with a reason and shows who revoked it and why', async () => {
    const revoked: Grant = {
      ...grant,
      status: 'revoked',
      revokedAt: '2026-11-03T10:00:00.000Z',
      revokedBy: 'user:default/breanna.davison',
      revocationReason: 'Feature dropped',
    };
    const listGrants = jest
      .fn()
      .mockResolvedValueOnce([grant])
      .mockResolvedValue([revoked]);
    const revokeGrant = jest.fn().mockResolvedValue(revoked);
    await renderCard({ listGrants, revokeGrant });
    await userEvent.click(
      await screen.findByRole('button', {
        name: "Revoke component:default/artist-lookup's access to api:default/petstore in development",
      }),
    );
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', {
      name: 'Revoke access',
    });
    expect(confirm).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'Feature dropped',
    );
    await userEvent.click(confirm);
    await waitFor(() =>
      expect(revokeGrant).toHaveBeenCalledWith('g1', 'Feature dropped'),
    );
    const row = (await screen.findByText(/Feature dropped/)).closest('tr')!;
    expect(row).toHaveTextContent('Revoked');
    expect(
      within(row).queryByRole('button', { name: /Revoke|credential for/ }),
    ).not.toBeInTheDocument();
  });

  it('shows a failed provisioning with its error and lets the requester retry', async () => {
    const failed: Grant = {
      ...grant,
      provisioning: {
        state: 'failed',
        tasks: [
          {
            id: 't1',
            provisionerId: 'kong-sync',
            action: 'provision',
            status: 'failed',
            attempts: 8,
            lastError: 'Webhook kong-sync answered HTTP 503',
          },
        ],
      },
    };
    const retryProvisioning = jest.fn().mockResolvedValue(grant);
    await renderCard({
      listGrants: jest.fn().mockResolvedValue([failed]),
      retryProvisioning,
    });
    const row = (await screen.findByText('pets:read')).closest('tr')!;
    expect(row).toHaveTextContent('Provisioning failed');
    expect(row).toHaveTextContent('Webhook kong-sync answered HTTP 503');
    await userEvent.click(
      within(row).getByRole('button', { name: 'Retry provisioning' }),
    );
    expect(retryProvisioning).toHaveBeenCalledWith('g1');
  });

  it('shows expiry as a countdown with flags, and renews from the grant', async () => {
    const soon = new Date(
      Date.now() + 3 * 86_400_000 + 3_600_000,
    ).toISOString();
    const expiring: Grant = {
      ...grant,
      expiresAt: soon,
      flags: ['expiring', 'stale'],
    };
    const renewGrant = jest.fn().mockResolvedValue({ id: 'r2' });
    const listGrants = jest
      .fn()
      .mockResolvedValueOnce([expiring])
      .mockResolvedValue([{ ...expiring, renewalRequestId: 'r2' }]);
    await renderCard({ listGrants, renewGrant });
    const row = (await screen.findByText('pets:read')).closest('tr')!;
    expect(row).toHaveTextContent('in 3 days');
    expect(within(row).getByLabelText('flag expiring')).toBeInTheDocument();
    expect(within(row).getByLabelText('flag stale')).toBeInTheDocument();
    await userEvent.click(
      within(row).getByRole('button', {
        name: "Renew component:default/artist-lookup's access to api:default/petstore in development",
      }),
    );
    const dialog = await screen.findByRole('dialog');
    const days = within(dialog).getByRole('spinbutton', {
      name: 'Duration (days)',
    });
    await userEvent.clear(days);
    await userEvent.type(days, '30');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Renew' }),
    );
    await waitFor(() =>
      expect(renewGrant).toHaveBeenCalledWith('g1', {
        durationDays: 30,
        justification: undefined,
      }),
    );
    expect(await screen.findByText('Renewal in review')).toBeInTheDocument();
  });

  it('shows a failed load in the error panel', async () => {
    await renderCard({
      listGrants: jest.fn().mockRejectedValue(new Error('grants are down')),
    });
    expect(
      (await screen.findAllByText(/grants are down/)).length,
    ).toBeGreaterThan(0);
  });
});
