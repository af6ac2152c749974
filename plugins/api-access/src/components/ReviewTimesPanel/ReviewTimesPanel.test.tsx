import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TestApiProvider, renderInTestApp } from '@backstage/test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { TimeToDecisionReport } from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessApi, apiAccessApiRef } from '../../api/ApiAccessApi';
import { ReviewTimesPanel, formatHours } from './ReviewTimesPanel';

jest.setTimeout(30_000);

const DAY_MS = 24 * 60 * 60 * 1000;

const report: TimeToDecisionReport = {
  from: '2026-09-01T00:00:00.000Z',
  to: '2026-11-30T00:00:00.000Z',
  overall: { count: 9, p50Hours: 4, p90Hours: 8.4 },
  byApi: [
    { apiRef: 'api:default/petstore', count: 8, p50Hours: 3.5, p90Hours: 7.2 },
    {
      apiRef: 'api:default/streetlights',
      count: 1,
      p50Hours: 80,
      p90Hours: 80,
    },
  ],
  byApiAndStage: [
    {
      apiRef: 'api:default/petstore',
      stage: 'owner',
      count: 7,
      p50Hours: 3,
      p90Hours: 7.6,
    },
    {
      apiRef: 'api:default/petstore',
      stage: 'security',
      count: 1,
      p50Hours: 5,
      p90Hours: 5,
    },
    {
      apiRef: 'api:default/streetlights',
      stage: 'owner',
      count: 1,
      p50Hours: 80,
      p90Hours: 80,
    },
  ],
  byStage: [
    { stage: 'owner', count: 8, p50Hours: 3.5, p90Hours: 8.6 },
    { stage: 'security', count: 1, p50Hours: 5, p90Hours: 5 },
  ],
  truncated: false,
};

function renderPanel(api: Partial<ApiAccessApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[apiAccessApiRef, api]]}>
      <ReviewTimesPanel />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

const rowTexts = (table: HTMLElement) =>
  within(table)
    .getAllByRole('row')
    .map(row =>
      within(row)
        .queryAllByRole('cell')
        .map(cell => cell.textContent),
    )
    .filter(cells => cells.length > 0);

describe('ReviewTimesPanel', () => {
  it('shows p50, p90 and counts per API and stage for the last 90 days, then for the chosen period', async () => {
    const getTimeToDecision = jest.fn().mockResolvedValue(report);
    const before = Date.now();
    await renderPanel({ getTimeToDecision });

    const table = await screen.findByRole('table', {
      name: 'Review times per API and stage',
    });
    expect(rowTexts(table)).toEqual([
      ['petstore', 'all stages', '8', '3.5 h', '7.2 h'],
      ['', 'owner', '7', '3 h', '7.6 h'],
      ['', 'security', '1', '5 h', '5 h'],
      ['streetlights', 'all stages', '1', '80 h (3.3 d)', '80 h (3.3 d)'],
      ['', 'owner', '1', '80 h (3.3 d)', '80 h (3.3 d)'],
      ['all APIs', 'owner', '8', '3.5 h', '8.6 h'],
      ['all APIs', 'security', '1', '5 h', '5 h'],
    ]);
    expect(
      screen.getByText(/9 decided steps in the last 90 days/),
    ).toBeInTheDocument();
    const from90 = Date.parse(getTimeToDecision.mock.calls[0][0].from);
    expect(from90).toBeGreaterThanOrEqual(before - 90 * DAY_MS - 1000);
    expect(from90).toBeLessThanOrEqual(Date.now() - 90 * DAY_MS + 1000);

    await userEvent.click(screen.getByLabelText('Period'));
    await userEvent.click(
      await screen.findByRole('option', { name: 'Last 30 days' }),
    );
    await waitFor(() => expect(getTimeToDecision).toHaveBeenCalledTimes(2));
    const from30 = Date.parse(getTimeToDecision.mock.calls[1][0].from);
    expect(Math.round((Date.now() - from30) / DAY_MS)).toBe(30);
    expect(
      await screen.findByText(/9 decided steps in the last 30 days/),
    ).toBeInTheDocument();
  });

  it('says so when nothing was decided', async () => {
    await renderPanel({
      getTimeToDecision: jest.fn().mockResolvedValue({
        ...report,
        overall: { count: 0, p50Hours: 0, p90Hours: 0 },
        byApi: [],
        byApiAndStage: [],
        byStage: [],
      }),
    });
    expect(
      await screen.findByText(
        'No review step was decided in the last 90 days.',
      ),
    ).toBeInTheDocument();
  });

  it('shows the error when the backend refuses', async () => {
    await renderPanel({
      getTimeToDecision: jest
        .fn()
        .mockRejectedValue(
          new Error('Permission api-access.request.read denied'),
        ),
    });
    expect(
      await screen.findByText(/Permission api-access.request.read denied/),
    ).toBeInTheDocument();
  });

  it('formats hours, and days from two days on', () => {
    expect(formatHours(5.55)).toBe('5.6 h');
    expect(formatHours(47.9)).toBe('47.9 h');
    expect(formatHours(120)).toBe('120 h (5 d)');
  });
});
