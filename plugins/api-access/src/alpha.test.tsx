/*
 * The plugin page has a nav item in the new frontend system: the app's nav
 * lists a page only when it has a title and an icon.
 */
import { screen } from '@testing-library/react';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  PageBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import apiAccessPlugin from './alpha';
import { requestRouteRef } from './routes';

describe('api-access in the new frontend system', () => {
  it('gives its page a title and an icon', () => {
    const page = apiAccessPlugin.getExtension('page:api-access');
    const tester = createExtensionTester(page);
    expect(tester.get(coreExtensionData.routePath)).toBe('/api-access');
    expect(tester.get(coreExtensionData.title)).toBe('API access');
    expect(tester.get(coreExtensionData.icon)).toBeTruthy();
  });

  it('offers an "API access" tab on entity pages', () => {
    const tab = apiAccessPlugin.getExtension('entity-content:api-access');
    const tester = createExtensionTester(tab);
    expect(tester.get(coreExtensionData.routePath)).toBe('/api-access');
  });

  it('shows the page in the app nav, with its icon', async () => {
    renderTestApp({ features: [apiAccessPlugin] });
    const link = await screen.findByRole('link', { name: /API access/ });
    expect(link).toHaveAttribute('href', '/api-access');
    expect(link.querySelector('svg')).not.toBeNull();
  });

  it("resolves a request's link from the plugin's route, as the cards build it", async () => {
    function Probe() {
      const requestLink = useRouteRef(requestRouteRef);
      return <span data-testid="link">{requestLink({ id: 'req-1' })}</span>;
    }
    renderTestApp({
      features: [apiAccessPlugin],
      extensions: [
        PageBlueprint.make({
          name: 'probe',
          params: { path: '/probe', loader: async () => <Probe /> },
        }),
      ],
      initialRouteEntries: ['/probe'],
    });
    expect(await screen.findByTestId('link')).toHaveTextContent(
      '/api-access/requests/req-1',
    );
  });
});
