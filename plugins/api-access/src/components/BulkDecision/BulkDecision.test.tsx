import { useState } from 'react';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { AccessRequest } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { pendingRequest } from '../../testData';
import { BulkDecisionBar, useSelection } from './BulkDecision';

jest.setTimeout(30_000);

const second: AccessRequest = {
  ...pendingRequest,
  id: 'req-2',
  consumerRef: 'component:default/wayback-search',
};

/** The bar over a list the test can shrink, as a live update would. */
let setItems: (items: AccessRequest[]) => void = () => {};
function Harness(props: { initial: AccessRequest[] }) {
  const [items, set] = useState<AccessRequest[]>(props.initial);
  setItems = set;
  const selection = useSelection(items.map(r => r.id));
  return (
    <>
      {items.map(r => (
        <button key={r.id} onClick={() => selection.toggle(r.id)}>
          select {r.id}
        </button>
      ))}
      <BulkDecisionBar
        requests={items}
        selection={selection}
        onDecided={() => {}}
      />
    </>
  );
}

describe('BulkDecisionBar', () => {
  it('decides what the reviewer opened, even when a live update removes a row meanwhile', async () => {
    const decideMany = jest.fn().mockResolvedValue({
      batchId: 'b',
      results: [
        { id: 'req-1', status: 201, requestStatus: 'approved' },
        {
          id: 'req-2',
          status: 409,
          error: {
            name: 'ConflictError',
            message:
              'The request is rejected; it is no longer awaiting a decision',
          },
        },
      ],
    });
    await renderInTestApp(
      <TestApiProvider apis={[[apiAccessApiRef, { decideMany }]]}>
        <Harness initial={[pendingRequest, second]} />
      </TestApiProvider>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'select req-1' }));
    await userEvent.click(screen.getByRole('button', { name: 'select req-2' }));
    await userEvent.click(screen.getByRole('button', { name: 'Approve 2' }));
    const dialog = await screen.findByRole('dialog');

    // A teammate rejected req-2: the list reloads without it.
    act(() => setItems([pendingRequest]));
    expect(
      within(dialog).getByRole('button', { name: 'Approve 2' }),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Approve 2' }),
    );
    await waitFor(() =>
      expect(decideMany).toHaveBeenCalledWith({
        ids: ['req-1', 'req-2'],
        decision: 'approve',
        comment: undefined,
      }),
    );
    expect(
      await within(dialog).findByText(/Not decided: The request is rejected/),
    ).toBeInTheDocument();
  });
});
