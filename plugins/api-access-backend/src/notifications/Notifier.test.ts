/*
 * Notification links: the request's page by default, where config puts it
 * otherwise (an app may mount the api-access page elsewhere), and a link a
 * notification brings itself (a Group page) as it is.
 */
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { readApiAccessConfig, readRequestLink } from '../config';
import { BackstageNotifier } from './Notifier';

function notifierWith(requestLink: string) {
  const sent: any[] = [];
  const notifier = new BackstageNotifier({
    notifications: { send: async (n: any) => void sent.push(n) } as any,
    logger: mockServices.logger.mock(),
    requestLink,
  });
  return { notifier, sent };
}

describe('notification links', () => {
  it("lead to the request's page, by default under /api-access", async () => {
    const { notifier, sent } = notifierWith(
      readRequestLink(new ConfigReader({})),
    );
    await notifier.notify(['group:default/team-c'], {
      title: 'A request to review',
      requestId: 'r-1',
    });
    expect(sent[0].payload.link).toBe('/api-access/requests/r-1');
    expect(sent[0].recipients).toEqual({
      type: 'entity',
      entityRef: ['group:default/team-c'],
    });
  });

  it('follow apiAccess.notifications.requestLink, with the id encoded', async () => {
    const { notifier, sent } = notifierWith(
      readRequestLink(
        new ConfigReader({
          apiAccess: {
            notifications: { requestLink: '/access/request/{requestId}/view' },
          },
        }),
      ),
    );
    await notifier.notify(['user:default/a'], {
      title: 'Approved',
      requestId: 'r 2/x',
    });
    await notifier.notify(['user:default/a'], {
      title: 'Review',
      requestId: 'r-3',
      link: '/catalog/default/group/team-c',
    });
    expect(sent.map(n => n.payload.link)).toEqual([
      '/access/request/r%202%2Fx/view',
      '/catalog/default/group/team-c',
    ]);
  });

  it('refuse, at start-up, a link with nowhere to put the id', () => {
    expect(() =>
      readRequestLink(
        new ConfigReader({
          apiAccess: { notifications: { requestLink: '/access/requests' } },
        }),
      ),
    ).toThrow(
      "Invalid config at apiAccess.notifications.requestLink: '/access/requests' must contain {requestId}",
    );
  });

  it('keep the review policy parser from seeing the key', () => {
    // readApiAccessConfig rejects unknown keys; notifications is read apart.
    expect(() =>
      readApiAccessConfig(
        new ConfigReader({
          apiAccess: { notifications: { requestLink: '/x/{requestId}' } },
        }),
      ),
    ).not.toThrow();
  });
});
