import { screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/test-utils';
import { GrantUsage } from '@api-access/backstage-plugin-api-access-common';
import { UsageChart } from './UsageChart';

const days: GrantUsage['days'] = [
  { date: '2026-11-28', calls: 0, refused: 0 },
  { date: '2026-11-29', calls: 20, refused: 0 },
  { date: '2026-11-30', calls: 40, refused: 5 },
];

describe('UsageChart', () => {
  it('draws calls and refusals per day, the daily quota as a line, and labels each', async () => {
    await renderInTestApp(
      <UsageChart
        usage={{
          days,
          quota: {
            used: 40,
            limit: 40,
            period: 'day',
            resetsAt: '2026-12-01T00:00:00.000Z',
          },
        }}
        plan={{
          name: 'starter',
          title: 'Starter',
          rateLimit: { requests: 2, perSeconds: 1 },
          quota: { requests: 40, period: 'day' },
        }}
      />,
    );
    const chart = screen.getByRole('img');
    expect(chart).toHaveAccessibleName(
      'Calls per day over the last 3 days: 60 calls, 5 refused; quota 40 per day',
    );
    // One bar per day, the refused part stacked on the allowed part.
    const busy = screen.getByTestId('usage-bar-2026-11-30');
    expect(busy.querySelector('title')).toHaveTextContent(
      '2026-11-30: 40 calls, 5 refused',
    );
    const calls = busy.querySelector('rect[data-kind="calls"]')!;
    const refused = busy.querySelector('rect[data-kind="refused"]')!;
    expect(Number(refused.getAttribute('y'))).toBeLessThan(
      Number(calls.getAttribute('y')),
    );
    expect(
      screen.getByTestId('usage-bar-2026-11-28').querySelectorAll('rect'),
    ).toHaveLength(0);
    // The quota line sits at the height of a 40-call bar.
    const line = screen.getByTestId('usage-quota-line').querySelector('line')!;
    expect(line.getAttribute('y1')).toBe(calls.getAttribute('y'));
    expect(screen.getByTestId('usage-quota-line')).toHaveTextContent(
      'quota 40 per day',
    );
    // Every day is in a table for screen readers.
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(
      within(table).getByRole('row', { name: '2026-11-30 40 5' }),
    ).toBeInTheDocument();
    expect(screen.getByTestId('usage-quota')).toHaveTextContent(
      '40 of 40 calls of the daily quota used today',
    );
  });

  it('shows a monthly quota as text, not a line', async () => {
    await renderInTestApp(
      <UsageChart
        usage={{
          days,
          quota: {
            used: 60,
            limit: 100000,
            period: 'month',
            resetsAt: '2026-12-01T00:00:00.000Z',
          },
        }}
      />,
    );
    expect(screen.queryByTestId('usage-quota-line')).not.toBeInTheDocument();
    expect(screen.getByRole('img')).toHaveAccessibleName(
      'Calls per day over the last 3 days: 60 calls, 5 refused',
    );
    expect(screen.getByTestId('usage-quota')).toHaveTextContent(
      /60 of 100,000 calls of the monthly quota used this month; it resets on/,
    );
  });
});
