import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { DecisionDialog } from './DecisionDialog';
import { pendingRequest, petstoreProfileWithPlans } from '../../testData';

jest.setTimeout(30_000);

const twoScopes = {
  ...pendingRequest,
  scopes: ['pets:read', 'pets:write'],
  approvedScopes: ['pets:read', 'pets:write'],
};

async function renderDialog(
  decision: 'approve' | 'request_changes',
  decide = jest.fn(),
) {
  decide.mockResolvedValue({ ...twoScopes, status: 'approved' });
  const onDecided = jest.fn();
  await renderInTestApp(
    <TestApiProvider apis={[[apiAccessApiRef, { decide }]]}>
      <DecisionDialog
        request={twoScopes}
        decision={decision}
        onClose={jest.fn()}
        onDecided={onDecided}
      />
    </TestApiProvider>,
  );
  return { decide, onDecided };
}

describe('DecisionDialog', () => {
  it('approves narrower terms when the reviewer unticks a scope and shortens the duration', async () => {
    const { decide, onDecided } = await renderDialog('approve');
    await userEvent.click(screen.getByRole('checkbox', { name: 'pets:write' }));
    const duration = screen.getByRole('spinbutton', {
      name: 'Approve for (days)',
    });
    await userEvent.clear(duration);
    await userEvent.type(duration, '7');
    await userEvent.click(
      screen.getByRole('button', { name: 'Confirm approval' }),
    );
    await waitFor(() =>
      expect(decide).toHaveBeenCalledWith('req-1', {
        decision: 'approve',
        comment: undefined,
        scopes: ['pets:read'],
        durationDays: 7,
      }),
    );
    expect(onDecided).toHaveBeenCalled();
  });

  it('sends unchanged terms as a plain approval', async () => {
    const { decide } = await renderDialog('approve');
    await userEvent.click(
      screen.getByRole('button', { name: 'Confirm approval' }),
    );
    await waitFor(() =>
      expect(decide).toHaveBeenCalledWith('req-1', {
        decision: 'approve',
        comment: undefined,
      }),
    );
  });

  it('needs a reason to send a request back', async () => {
    const { decide } = await renderDialog('request_changes');
    const send = screen.getByRole('button', { name: 'Send back for changes' });
    expect(send).toBeDisabled();
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Reason (required)' }),
      'Name the vault path',
    );
    await userEvent.click(send);
    await waitFor(() =>
      expect(decide).toHaveBeenCalledWith('req-1', {
        decision: 'request_changes',
        comment: 'Name the vault path',
      }),
    );
  });

  it('approves a lower plan than asked: only lower plans are offered, and the scopes narrow to it', async () => {
    const onStandard = {
      ...twoScopes,
      requestedPlan: 'standard',
      approvedPlan: 'standard',
    };
    const decide = jest.fn().mockResolvedValue(onStandard);
    const getProfile = jest.fn().mockResolvedValue(petstoreProfileWithPlans);
    await renderInTestApp(
      <TestApiProvider apis={[[apiAccessApiRef, { decide, getProfile }]]}>
        <DecisionDialog
          request={onStandard}
          decision="approve"
          onClose={jest.fn()}
          onDecided={jest.fn()}
        />
      </TestApiProvider>,
    );
    const select = await screen.findByRole('button', {
      name: /Approve on plan/,
    });
    expect(select).toHaveTextContent('Standard (as requested)');
    await userEvent.click(select);
    const options = screen.getAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'Standard (as requested)',
      'Starter (2 requests per 1 s, 40 per day)',
    ]);
    await userEvent.click(screen.getByRole('option', { name: /^Starter/ }));
    expect(
      screen.getByText(
        /A lower plan narrows the scopes to what it allows: pets:read/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('checkbox', { name: 'pets:write' }),
    ).not.toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Confirm approval' }),
    );
    await waitFor(() =>
      expect(decide).toHaveBeenCalledWith('req-1', {
        decision: 'approve',
        comment: undefined,
        plan: 'starter',
      }),
    );
  });

  it('offers no plan choice on the smallest plan', async () => {
    const onStarter = {
      ...pendingRequest,
      requestedPlan: 'starter',
      approvedPlan: 'starter',
    };
    const getProfile = jest.fn().mockResolvedValue(petstoreProfileWithPlans);
    await renderInTestApp(
      <TestApiProvider
        apis={[[apiAccessApiRef, { decide: jest.fn(), getProfile }]]}
      >
        <DecisionDialog
          request={onStarter}
          decision="approve"
          onClose={jest.fn()}
          onDecided={jest.fn()}
        />
      </TestApiProvider>,
    );
    await waitFor(() => expect(getProfile).toHaveBeenCalled());
    expect(
      screen.queryByRole('button', { name: /Approve on plan/ }),
    ).not.toBeInTheDocument();
  });
});
