/*
 * The demo sidebar lists the API access page (its PageBlueprint has a title
 * and an icon) in its Menu group, next to the catalog and API docs.
 */
import { screen } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { notificationsApiRef } from '@backstage/plugin-notifications';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import apiAccessPlugin from '@api-access/backstage-plugin-api-access/alpha';
import { navModule } from '.';

describe('demo sidebar', () => {
  it('lists the API access page with its icon', async () => {
    renderTestApp({
      features: [navModule, apiAccessPlugin, notificationsPlugin],
      apis: [
        [
          notificationsApiRef,
          {
            getStatus: async () => ({ unread: 0, read: 0 }),
            getNotifications: async () => ({
              notifications: [],
              totalCount: 0,
            }),
          },
        ],
      ],
    });
    const link = await screen.findByRole('link', { name: /API access/ });
    expect(link).toHaveAttribute('href', '/api-access');
    expect(link.querySelector('svg')).not.toBeNull();
  });
});
