import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import { ReviewStep } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { DelegateStepDialog } from './DelegateStepDialog';
import { pendingRequest } from '../../testData';

jest.setTimeout(30_000);

const step: ReviewStep = {
  id: 'step-owner',
  round: 1,
  stageIndex: 0,
  stageName: 'owner',
  name: 'owner',
  reviewerRef: 'group:default/team-c',
  quorum: 1,
  status: 'pending',
  reason: 'team-c owns the API',
  rules: [],
};
const user = (name: string, displayName?: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: displayName ? { profile: { displayName } } : {},
});

function renderDialog(api: Partial<ApiAccessApi>, onDelegated = jest.fn()) {
  const catalog = {
    getEntities: jest.fn().mockResolvedValue({
      items: [
        user('calum.leavy', 'Calum Leavy'),
        user('frank.tiernan', 'Frank Tiernan'),
        user(pendingRequest.requesterRef.split('/')[1]),
      ],
    }),
  };
  return {
    catalog,
    onDelegated,
    rendered: renderInTestApp(
      <TestApiProvider
        apis={[
          [apiAccessApiRef, api],
          [catalogApiRef, catalog],
        ]}
      >
        <DelegateStepDialog
          request={pendingRequest}
          step={step}
          userEntityRef="user:default/calum.leavy"
          onClose={jest.fn()}
          onDelegated={onDelegated}
        />
      </TestApiProvider>,
    ),
  };
}

describe('DelegateStepDialog', () => {
  it('offers the other members of the group and delegates to one', async () => {
    const delegateStep = jest.fn().mockResolvedValue(pendingRequest);
    const { catalog, onDelegated, rendered } = renderDialog({ delegateStep });
    await rendered;
    expect(catalog.getEntities).toHaveBeenCalledWith(
      expect.objectContaining({
        filter: { kind: 'User', 'relations.memberOf': step.reviewerRef },
      }),
    );
    await userEvent.click(await screen.findByLabelText('Delegate to'));
    const options = await screen.findAllByRole('option');
    // Not the reviewer, not the requester.
    expect(options.map(o => o.textContent)).toEqual([
      'Frank Tiernan (user:default/frank.tiernan)',
    ]);
    await userEvent.click(options[0]);
    await userEvent.type(
      screen.getByLabelText('Comment (optional)'),
      'Back from leave, please take it',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Delegate' }));
    await waitFor(() => expect(onDelegated).toHaveBeenCalled());
    expect(delegateStep).toHaveBeenCalledWith(pendingRequest.id, step.id, {
      to: 'user:default/frank.tiernan',
      comment: 'Back from leave, please take it',
    });
  });

  it('shows why the backend refused', async () => {
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'ConflictError',
          message: 'The step was decided meanwhile; reload the request',
        },
        response: { statusCode: 409 },
      }),
      { status: 409, headers: { 'Content-Type': 'application/json' } },
    );
    const delegateStep = jest
      .fn()
      .mockRejectedValue(await ResponseError.fromResponse(response as any));
    const { rendered } = renderDialog({ delegateStep });
    await rendered;
    await userEvent.click(await screen.findByLabelText('Delegate to'));
    await userEvent.click((await screen.findAllByRole('option'))[0]);
    await userEvent.click(screen.getByRole('button', { name: 'Delegate' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The step was decided meanwhile',
    );
  });
});
