/* Shared by the browser tests: signing in as a persona, screenshots for the docs. */
import { APIRequestContext, Browser, expect, Page } from '@playwright/test';

export const BACKEND = 'http://localhost:7007';

/** Each persona gets a browser context of their own, as separate people would. */
export async function signInAs(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(
    page.getByRole('button', { name: `Sign in as ${name}` }),
  ).toBeHidden();
  return page;
}

/** Saves a screenshot for the user guide, scrolled to `focus` text when given. */
export async function shot(page: Page, name: string, focus?: string) {
  if (focus) {
    await page
      .getByText(focus, { exact: true })
      .first()
      .scrollIntoViewIfNeeded();
  }
  await page.screenshot({
    path: `docs/screenshots/${name}.png`,
    fullPage: false,
  });
}

/** Waits until the catalog has processed the examples and api-access can read petstore. */
export async function waitForCatalog(page: Page) {
  // The catalog processes the example files asynchronously after start-up.
  await expect
    .poll(
      async () => {
        const auth = await page.request.get(
          `${BACKEND}/api/auth/demo/refresh?userEntityRef=user:default/breanna.davison`,
          { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
        );
        if (!auth.ok()) return `auth ${auth.status()}`;
        const { backstageIdentity } = await auth.json();
        const profile = await page.request.get(
          `${BACKEND}/api/api-access/apis/default/petstore/profile`,
          { headers: { Authorization: `Bearer ${backstageIdentity.token}` } },
        );
        return profile.status();
      },
      { timeout: 120_000, intervals: [1000] },
    )
    .toBe(200);
}

/** A Backstage token for a demo persona, as the demo sign-in issues it. */
export async function tokenFor(request: APIRequestContext, user: string) {
  const response = await request.get(
    `${BACKEND}/api/auth/demo/refresh?userEntityRef=user:default/${user}`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  expect(response.ok()).toBe(true);
  const { backstageIdentity } = await response.json();
  return { Authorization: `Bearer ${backstageIdentity.token}` };
}
