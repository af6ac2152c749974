/* Shared by the browser tests: signing in as a persona, screenshots for the docs. */
import { Browser, expect, Page } from '@playwright/test';

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
