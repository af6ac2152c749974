/*
 * The browser half of the install test, on the freshly scaffolded app that
 * scripts/install-test/run.sh set up with the guide's "try it in five
 * minutes" steps. The guest (user:default/guest, team `guests`, owner of the
 * scaffold's example-website) requests access to orders-api; nobody reviews
 * their own request, so the guide then switches the guest identity to the
 * reviewer (user:default/riley, team `orders-team`) by running its own
 * `reviewer` step, and riley finds the request on orders-team's page.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { APIRequestContext, Browser, expect, test } from '@playwright/test';

const BACKEND = process.env.INSTALL_BACKEND_URL ?? 'http://localhost:7107';
const APP_DIR = process.env.INSTALL_APP_DIR;

async function guestIdentity(request: APIRequestContext) {
  const auth = await request.get(`${BACKEND}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!auth.ok()) return undefined;
  const { backstageIdentity } = await auth.json();
  return backstageIdentity as {
    token: string;
    identity: { userEntityRef: string; ownershipEntityRefs: string[] };
  };
}

/** The guest's sign-in page, in a browser context of its own (a new person). */
async function enterAsGuest(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByRole('button', { name: 'Enter' })).toBeHidden();
  return page;
}

test('a fresh scaffold with the guide applied: card, request, review inbox', async ({
  browser,
  request,
}) => {
  if (!APP_DIR)
    throw new Error(
      'INSTALL_APP_DIR is not set; run scripts/install-test/run.sh',
    );

  // The catalog reads the example files after start-up; wait for the guest's
  // identity from the catalog and for orders-api.
  await expect
    .poll(
      async () => {
        const guest = await guestIdentity(request);
        if (!guest) return 'no guest sign-in yet';
        const profile = await request.get(
          `${BACKEND}/api/api-access/apis/default/orders-api/profile`,
          { headers: { Authorization: `Bearer ${guest.token}` } },
        );
        return `${guest.identity.ownershipEntityRefs.join(
          ',',
        )} ${profile.status()}`;
      },
      { timeout: 120_000, intervals: [1000] },
    )
    .toBe('user:default/guest,group:default/guests 200');

  // 1. The guest opens the API page: the API access card is there.
  let page = await enterAsGuest(browser);
  await page.goto('/catalog/default/api/orders-api');
  await expect(page.getByText('labelled on this API')).toBeVisible();
  const requestAccess = page.getByRole('button', { name: 'Request access' });
  await expect(requestAccess).toBeVisible();

  // 2. The guest requests access for their team's example-website.
  await requestAccess.click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Consumer').click();
  await page.getByRole('option', { name: 'example-website' }).click();
  await dialog.getByLabel('Environment').click();
  await page.getByRole('option', { name: 'development' }).click();
  await dialog.getByRole('checkbox', { name: 'orders:read' }).check();
  await dialog
    .getByRole('textbox', { name: 'Use case' })
    .fill('Show order status on the example website.');
  await dialog
    .getByRole('textbox', { name: 'Business justification' })
    .fill('Customers asked to see their order status without calling support.');
  await dialog
    .getByRole('textbox', { name: 'Credential storage and rotation' })
    .fill('Vault kv/example-website, rotated monthly by the deploy pipeline');
  await dialog.getByRole('spinbutton', { name: 'Duration (days)' }).fill('30');
  await expect(dialog.getByTestId('api-access-plan')).toContainText(
    'owner: orders-team',
  );
  await dialog.getByRole('button', { name: 'Submit request' }).click();
  await expect(
    page.getByText('Request sent to group:default/orders-team for review'),
  ).toBeVisible();

  // The guest is a requester: orders-team's page tells them they do not review.
  await page.goto('/catalog/default/group/orders-team');
  await expect(page.getByText('You are not a member.')).toBeVisible();
  await page.context().close();

  // 3. The guide's reviewer step: the guest identity becomes riley.
  execFileSync(
    'node',
    [
      resolve(__dirname, '../scripts/install-test/guide.mjs'),
      'run',
      APP_DIR,
      'reviewer',
    ],
    { stdio: 'inherit' },
  );
  await expect
    .poll(async () => (await guestIdentity(request))?.identity.userEntityRef, {
      timeout: 60_000,
      intervals: [1000],
    })
    .toBe('user:default/riley');

  // 4. riley finds the request on orders-team's page, ready to decide.
  page = await enterAsGuest(browser);
  await page.goto('/catalog/default/group/orders-team');
  await expect(
    page
      .getByRole('button', {
        name: 'Approve api:default/orders-api for component:default/example-website',
      })
      .first(),
  ).toBeVisible();
  await expect(
    page.getByRole('table', { name: 'Access requests awaiting review' }),
  ).toContainText('orders:read');
  await page.context().close();
});
