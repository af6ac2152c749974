import { act, screen } from '@testing-library/react';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import type { RevocationBatch } from '@api-access/backstage-plugin-api-access-common';
import { apiAccessApiRef } from '../../api/ApiAccessApi';
import { REVOCATION_POLL_MS, RevocationProgress } from './RevocationPage';

jest.setTimeout(30_000);

function batch(confirmed: boolean): RevocationBatch {
  return {
    id: 'b-1',
    startedBy: 'user:default/owner.one',
    startedAt: '2026-12-02T10:00:00.000Z',
    finishedAt: '2026-12-02T10:00:01.000Z',
    selector: { consumerRef: 'component:default/artist-lookup' },
    reason: 'Key leaked in a public repository.',
    leftOut: 0,
    counts: {
      total: 2,
      revoked: 1,
      alreadyEnded: 1,
      failed: 0,
      confirmed: confirmed ? 1 : 0,
    },
    done: confirmed,
    settled: confirmed,
    items: [
      {
        id: 'g1',
        apiRef: 'api:default/petstore',
        consumerRef: 'component:default/artist-lookup',
        requesterRef: 'user:default/breanna.davison',
        environment: 'production',
        expiresAt: '2027-01-01T00:00:00.000Z',
        outcome: 'revoked',
        status: 'revoked',
        provisioning: confirmed ? 'confirmed' : 'pending',
        tasks: [
          {
            provisionerId: 'webhook',
            status: confirmed ? 'confirmed' : 'pending',
            attempts: confirmed ? 1 : 0,
          },
        ],
      },
      {
        id: 'g2',
        apiRef: 'api:default/petstore',
        consumerRef: 'component:default/artist-lookup',
        requesterRef: 'user:default/breanna.davison',
        environment: 'development',
        expiresAt: '2027-01-01T00:00:00.000Z',
        outcome: 'already_ended',
        status: 'revoked',
        provisioning: 'confirmed',
        tasks: [],
      },
    ],
  };
}

describe('RevocationProgress', () => {
  it('polls the batch until every provisioner has confirmed, then stops', async () => {
    jest.useFakeTimers();
    const getRevocationBatch = jest
      .fn()
      .mockResolvedValueOnce(batch(false))
      .mockResolvedValue(batch(true));
    await renderInTestApp(
      <TestApiProvider apis={[[apiAccessApiRef, { getRevocationBatch }]]}>
        <RevocationProgress batchId="b-1" />
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(
      await screen.findByText(/Waiting for provisioners: 0 of 1 confirmed/),
    ).toBeVisible();
    expect(screen.getByText('webhook: pending')).toBeVisible();
    expect(screen.getByText('Already ended')).toBeVisible();
    await act(async () => {
      jest.advanceTimersByTime(REVOCATION_POLL_MS);
    });
    expect(
      await screen.findByText(/every provisioner confirmed/),
    ).toBeVisible();
    expect(screen.getByText('webhook: confirmed')).toBeVisible();
    await act(async () => {
      jest.advanceTimersByTime(REVOCATION_POLL_MS * 3);
    });
    expect(getRevocationBatch).toHaveBeenCalledTimes(2);
    jest.useRealTimers();
  });
});
