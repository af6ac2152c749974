/*
 * A grant's plan, limits and suspension on the grants table, and the owner's
 * actions: suspend, resume, change plan, usage (the API's calls are mocked).
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
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
import { petstoreProfileWithPlans } from '../../testData';

jest.setTimeout(60_000);

const me = 'user:default/owner';
const onStarter: Grant = {
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
  plan: {
    name: 'starter',
    title: 'Starter',
    rateLimit: { requests: 2, perSeconds: 1 },
    quota: { requests: 40, period: 'day' },
  },
} as Grant;

const suspended: Grant = {
  ...onStarter,
  id: 'g2',
  consumerRef: 'component:default/playback',
  status: 'suspended',
  suspension: {
    at: '2026-11-20T10:00:00.000Z',
    by: 'user:default/owner',
    reason: 'Hammering the API at night',
  },
};

async function renderTable(
  apiAccess: object,
  grants: Grant[],
  canAdminister = true,
) {
  const onChanged = jest.fn();
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [permissionApiRef, mockApis.permission()],
        [apiAccessApiRef, apiAccess],
      ]}
    >
      <GrantsTable
        grants={grants}
        show="consumer"
        me={me}
        canManage={() => canAdminister}
        canAdminister={() => canAdminister}
        onChanged={onChanged}
        label="Access granted to this API"
      />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  return { onChanged };
}

describe('GrantsTable with plans and suspension', () => {
  it('shows each grant plan and limits, and a suspension with its reason', async () => {
    await renderTable({}, [onStarter, suspended], false);
    expect(await screen.findByTestId('grant-plan-g1')).toHaveTextContent(
      'Plan: Starter · 2 requests per 1 s, 40 per day',
    );
    const chip = screen.getByLabelText('Suspended: Hammering the API at night');
    expect(chip).toBeInTheDocument();
    expect(
      screen.getByText(
        /by user:default\/owner on .*: Hammering the API at night/,
      ),
    ).toBeInTheDocument();
    // Not the API's owner: usage, but no owner actions.
    expect(screen.getAllByRole('button', { name: /^Usage of/ })).toHaveLength(
      2,
    );
    expect(screen.queryByRole('button', { name: /^Suspend/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Resume/ })).toBeNull();
    expect(
      screen.queryByRole('button', { name: /^Change the plan/ }),
    ).toBeNull();
  });

  it('suspends with a reason, and shows the refusal when the backend says no', async () => {
    const suspendGrant = jest
      .fn()
      .mockRejectedValueOnce(new Error('The grant is not active'))
      .mockResolvedValueOnce(suspended);
    const { onChanged } = await renderTable({ suspendGrant }, [onStarter]);
    await userEvent.click(
      await screen.findByRole('button', { name: /^Suspend component/ }),
    );
    const dialog = screen.getByRole('dialog');
    const confirm = within(dialog).getByRole('button', {
      name: 'Suspend access',
    });
    expect(confirm).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'Calls at night',
    );
    await userEvent.click(confirm);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'The grant is not active',
    );
    await userEvent.click(confirm);
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(suspendGrant).toHaveBeenLastCalledWith('g1', 'Calls at night');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('resumes a suspended grant', async () => {
    const resumeGrant = jest.fn().mockResolvedValue(onStarter);
    const { onChanged } = await renderTable({ resumeGrant }, [suspended]);
    await userEvent.click(
      await screen.findByRole('button', { name: /^Resume component/ }),
    );
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveTextContent('Hammering the API at night');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Comment (optional)' }),
      'Fixed their retry loop',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Resume access' }),
    );
    await waitFor(() =>
      expect(resumeGrant).toHaveBeenCalledWith('g2', 'Fixed their retry loop'),
    );
    expect(onChanged).toHaveBeenCalled();
  });

  it("changes the plan among the API's plans and shows why an upgrade was refused", async () => {
    const getProfile = jest.fn().mockResolvedValue(petstoreProfileWithPlans);
    const changeGrantPlan = jest
      .fn()
      .mockRejectedValueOnce(
        new Error(
          "The upgrade to 'standard' needs review beyond the owner: security",
        ),
      )
      .mockResolvedValueOnce({ ...onStarter, plan: undefined });
    const { onChanged } = await renderTable({ getProfile, changeGrantPlan }, [
      onStarter,
    ]);
    await userEvent.click(
      await screen.findByRole('button', { name: /^Change the plan/ }),
    );
    const dialog = screen.getByRole('dialog');
    expect(dialog).toHaveTextContent('A downgrade takes effect at once');
    const current = await within(dialog).findByRole('radio', {
      name: /^Starter \(current plan\)/,
    });
    expect(current).toBeDisabled();
    const confirm = within(dialog).getByRole('button', { name: 'Change plan' });
    expect(confirm).toBeDisabled();
    await userEvent.click(
      within(dialog).getByRole('radio', { name: /^Standard/ }),
    );
    await userEvent.click(confirm);
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'needs review beyond the owner: security',
    );
    expect(changeGrantPlan).toHaveBeenCalledWith('g1', { plan: 'standard' });
    await userEvent.click(confirm);
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
  });

  it('opens the usage chart of a grant', async () => {
    const getGrantUsage = jest.fn().mockResolvedValue({
      days: [
        { date: '2026-11-29', calls: 12, refused: 0 },
        { date: '2026-11-30', calls: 40, refused: 3 },
      ],
      quota: {
        used: 40,
        limit: 40,
        period: 'day',
        resetsAt: '2026-12-01T00:00:00.000Z',
      },
    });
    await renderTable({ getGrantUsage }, [onStarter], false);
    await userEvent.click(
      await screen.findByRole('button', { name: /^Usage of/ }),
    );
    const chart = await screen.findByRole('img', { name: /Calls per day/ });
    expect(chart).toHaveAccessibleName(
      'Calls per day over the last 2 days: 52 calls, 3 refused; quota 40 per day',
    );
    expect(getGrantUsage).toHaveBeenCalledWith('g1', 30);
  });
});
