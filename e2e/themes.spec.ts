/*
 * The pages each persona meets, in the light and the dark theme, for the
 * user guide (docs/screenshots/theme-*.png). It runs after the other specs
 * (files run in name order), so the demo has requests and grants to show;
 * run alone, it makes one grant first.
 * Each page is checked to really be in the theme it is named after, and to
 * show api-access's own content, before it is photographed.
 */
import { expect, Page, test } from '@playwright/test';
import {
  BACKEND,
  grantWithKey,
  shot,
  signInAs,
  waitForCatalog,
} from './personas';

const THEMES = ['light', 'dark'] as const;

/** Relative luminance (WCAG) of a CSS rgb() colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0'])
    .slice(0, 3)
    .map(v => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function expectTheme(page: Page, theme: (typeof THEMES)[number]) {
  const background = await page.evaluate(() => {
    const main = document.querySelector('main') ?? document.body;
    let el: Element | null = main;
    while (el) {
      const colour = getComputedStyle(el).backgroundColor;
      if (colour && !colour.endsWith(', 0)') && colour !== 'transparent') {
        return colour;
      }
      el = el.parentElement;
    }
    return getComputedStyle(document.body).backgroundColor;
  });
  if (theme === 'dark') expect(luminance(background)).toBeLessThan(0.2);
  else expect(luminance(background)).toBeGreaterThan(0.6);
}

async function themed(
  browser: Parameters<typeof signInAs>[0],
  persona: string,
  theme: (typeof THEMES)[number],
) {
  const page = await signInAs(browser, persona);
  await page.evaluate(t => window.localStorage.setItem('theme', t), theme);
  return page;
}

/** The id of one of breanna's requests, for the request page. */
async function oneRequestId(page: Page): Promise<string> {
  const auth = await page.request.get(
    `${BACKEND}/api/auth/demo/refresh?userEntityRef=user:default/breanna.davison`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  const { backstageIdentity } = await auth.json();
  const mine = async () =>
    (
      await (
        await page.request.get(`${BACKEND}/api/api-access/requests?view=mine`, {
          headers: { Authorization: `Bearer ${backstageIdentity.token}` },
        })
      ).json()
    ).items as Array<{ id: string }>;
  let items = await mine();
  if (items.length === 0) {
    // Run on its own, without the specs before it: one grant to show.
    await grantWithKey(page, 'Show pets on the artist page.');
    items = await mine();
  }
  expect(items.length).toBeGreaterThan(0);
  return items[0].id;
}

for (const theme of THEMES) {
  test(`API, Component and Group pages and a request, ${theme} theme`, async ({
    page: first,
    browser,
  }) => {
    await waitForCatalog(first);
    const requestId = await oneRequestId(first);

    // The requester's view: the API page with its access card.
    let page = await themed(browser, 'breanna.davison', theme);
    await page.goto('/catalog/default/api/petstore');
    await expect(
      page.getByRole('button', { name: 'Request access' }),
    ).toBeVisible();
    await expectTheme(page, theme);
    await shot(page, `theme-${theme}-api`);

    // The consumer's component: its API access tab, grants at full width.
    await page.goto('/catalog/default/component/artist-lookup/api-access');
    await expect(page.getByText('API access held')).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'petstore' }).first(),
    ).toBeVisible();
    await expectTheme(page, theme);
    await shot(page, `theme-${theme}-component`);

    // The request page.
    await page.goto(`/api-access/requests/${requestId}`);
    await expect(page.getByText('History').first()).toBeVisible();
    await expectTheme(page, theme);
    await shot(page, `theme-${theme}-request`);

    // The owner's view: team-c's page with its review inbox.
    page = await themed(browser, 'calum.leavy', theme);
    await page.goto('/catalog/default/group/team-c');
    await expect(
      page.getByText('Access requests to review').first(),
    ).toBeVisible();
    await expectTheme(page, theme);
    await shot(page, `theme-${theme}-group`, 'Access requests to review');
  });
}
