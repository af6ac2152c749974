/*
 * Time to decision on the plugin page, with the decisions the earlier specs
 * made (access-path approves a petstore request). Specs run in file-name
 * order, so this one comes after access-path; it makes no decision itself.
 * Its screenshot is the one the note shows: docs/screenshots/13-review-times.png.
 */
import { expect, test } from '@playwright/test';
import { shot, signInAs, waitForCatalog } from './personas';

test('the Review times tab shows p50 and p90 per API and stage', async ({
  page: first,
  browser,
}) => {
  await waitForCatalog(first);
  const page = await signInAs(browser, 'calum.leavy');
  await page.goto('/api-access');
  await page.getByRole('tab', { name: 'Review times' }).click();

  const table = page.getByRole('table', {
    name: 'Review times per API and stage',
  });
  await expect(table).toBeVisible();
  const petstore = table.getByRole('row').filter({ hasText: 'petstore' });
  await expect(petstore.first()).toContainText('all stages');
  await expect(
    table.getByRole('row').filter({ hasText: 'owner' }).first(),
  ).toContainText(/\d+(\.\d+)? h/);
  await expect(
    page.getByText(/decided steps in the last 90 days/),
  ).toBeVisible();

  // The period selector asks again; a year holds at least as much.
  await page.getByRole('button', { name: /^Period/ }).click();
  await page.getByRole('option', { name: 'Last 365 days' }).click();
  await expect(
    page.getByText(/decided steps in the last 365 days/),
  ).toBeVisible();
  await page.getByRole('button', { name: /^Period/ }).click();
  await page.getByRole('option', { name: 'Last 90 days' }).click();
  await expect(petstore.first()).toBeVisible();

  await shot(page, '13-review-times');
});
