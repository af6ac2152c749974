/* The request form on an API that offers plans: side by side, and the chosen one limits the terms. */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { identityApiRef } from '@backstage/core-plugin-api';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { RequestAccessDialog } from './RequestAccessDialog';
import {
  pendingRequest,
  petstoreProfile,
  petstoreProfileWithPlans,
} from '../../testData';

jest.setTimeout(60_000);

async function renderForm(profile = petstoreProfileWithPlans) {
  const apiAccess = {
    previewPlan: jest
      .fn()
      .mockResolvedValue({ autoApproved: false, stages: [] }),
    assess: jest.fn().mockResolvedValue({
      findings: [],
      risk: { score: 10, reasons: [] },
    }),
    createRequest: jest.fn().mockResolvedValue(pendingRequest),
  };
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
      ownershipEntityRefs: ['group:default/team-a'],
    }),
  };
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [apiAccessApiRef, apiAccess],
        [catalogApiRef, catalog],
        [identityApiRef, identity],
      ]}
    >
      <RequestAccessDialog
        open
        profile={profile}
        onClose={jest.fn()}
        onSubmitted={jest.fn()}
      />
    </TestApiProvider>,
  );
  const dialog = await screen.findByRole('dialog');
  await waitFor(() =>
    expect(within(dialog).getByText('artist-lookup')).toBeInTheDocument(),
  );
  return { dialog, apiAccess };
}

describe('RequestAccessDialog with plans', () => {
  it('shows the plans side by side, limits the terms to the chosen one and sends it', async () => {
    const { dialog, apiAccess } = await renderForm();
    const starter = within(dialog).getByTestId('plan-starter');
    expect(starter).toHaveTextContent('2 requests per 1 s');
    expect(starter).toHaveTextContent('40 per day');
    expect(starter).toHaveTextContent('up to 30 days');
    expect(starter).toHaveTextContent('Approved automatically');
    const standard = within(dialog).getByTestId('plan-standard');
    expect(standard).toHaveTextContent('100,000 per month');
    expect(standard).toHaveTextContent("Always reviewed by the API's owner");
    // No plan chosen yet: every scope is offered, and the backend will
    // take the smallest plan that fits.
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:write' }),
    );
    expect(
      within(dialog).getByText(/No plan chosen: the smallest plan/),
    ).toBeInTheDocument();

    await userEvent.click(
      within(dialog).getByRole('radio', { name: 'Starter' }),
    );
    // Starter reads only, for 30 days at most: pets:write is gone.
    expect(
      within(dialog).queryByRole('checkbox', { name: 'pets:write' }),
    ).not.toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: 'pets:read' }),
    );
    expect(
      within(dialog).getByRole('spinbutton', { name: 'Duration (days)' }),
    ).toHaveValue(30);
    expect(
      within(dialog).getByText('At most 30 days on the Starter plan'),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(apiAccess.previewPlan).toHaveBeenLastCalledWith(
        expect.objectContaining({ plan: 'starter', scopes: ['pets:read'] }),
      ),
    );

    const paste = async (name: string, value: string) => {
      await userEvent.click(within(dialog).getByRole('textbox', { name }));
      await userEvent.paste(value);
    };
    await paste('Use case', "Show the artist's pets on the artist page.");
    await paste('Business justification', 'Product asked for it this quarter.');
    await paste('Credential storage and rotation', 'Vault kv/artist-lookup');
    const submit = within(dialog).getByRole('button', {
      name: 'Submit request',
    });
    await waitFor(() => expect(submit).toBeEnabled());
    await userEvent.click(submit);
    await waitFor(() =>
      expect(apiAccess.createRequest).toHaveBeenCalledWith(
        expect.objectContaining({
          apiRef: 'api:default/petstore',
          plan: 'starter',
          scopes: ['pets:read'],
          environment: 'development',
          durationDays: 30,
        }),
      ),
    );
  });

  it('looks as before on an API without plans and sends no plan', async () => {
    const { dialog, apiAccess } = await renderForm(petstoreProfile);
    expect(within(dialog).queryByRole('radio')).not.toBeInTheDocument();
    await waitFor(() => expect(apiAccess.previewPlan).toHaveBeenCalled());
    expect(apiAccess.previewPlan).not.toHaveBeenCalledWith(
      expect.objectContaining({ plan: expect.anything() }),
    );
  });
});
