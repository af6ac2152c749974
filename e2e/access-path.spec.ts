/*
 * The whole path as people would walk it: a team-a developer requests access
 * to team-c's petstore API for their component, a team-c member approves it
 * on team-c's page, and the grant shows on the component's page.
 * Screenshots of each step go to docs/screenshots for the README.
 */
import { expect, test } from '@playwright/test';
import { shot, signInAs, waitForCatalog } from './personas';

test('request on the API page, approve on the team page, grant on the component page', async ({
  page: signInPage,
  browser,
}) => {
  await waitForCatalog(signInPage);

  // 1. The requester, in team-a, opens team-c's petstore API.
  await signInPage.goto('/');
  await expect(
    signInPage.getByRole('button', { name: 'Sign in as breanna.davison' }),
  ).toBeVisible();
  await shot(signInPage, '00-sign-in');
  let page = await signInAs(browser, 'breanna.davison');
  await page.goto('/catalog/default/api/petstore');
  await expect(page.getByText('labelled on this API')).toBeVisible();
  await expect(
    page.getByRole('button', { name: 'Request access' }),
  ).toBeVisible();
  await shot(page, '01-api-access-card');

  // 2. The form offers only what the catalog knows.
  await page.getByRole('button', { name: 'Request access' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Consumer').click();
  await page.getByRole('option', { name: 'artist-lookup' }).click();
  await dialog.getByLabel('Environment').click();
  await page.getByRole('option', { name: 'development' }).click();
  await dialog.getByRole('checkbox', { name: 'pets:read' }).check();
  await dialog
    .getByRole('textbox', { name: 'Use case' })
    .fill("Show the artist's pets on the artist lookup page.");
  await dialog
    .getByRole('textbox', { name: 'Business justification' })
    .fill('Product asked for pet names on artist pages this quarter.');
  await dialog
    .getByRole('textbox', { name: 'Credential storage and rotation' })
    .fill('Vault kv/artist-lookup, rotated monthly by the deploy pipeline');
  await dialog.getByRole('spinbutton', { name: 'Duration (days)' }).fill('30');
  await expect(dialog.getByTestId('api-access-plan')).toContainText(
    'owner: team-c',
  );
  await shot(page, '02-request-form');
  await dialog.getByRole('button', { name: 'Submit request' }).click();
  await expect(
    page.getByText('Request sent to group:default/team-c for review'),
  ).toBeVisible();
  await shot(page, '03-request-sent', 'API access');

  // 3. A team-c member finds it on team-c's page and approves it.
  page = await signInAs(browser, 'calum.leavy');
  await page.goto('/catalog/default/group/team-c');
  const approve = page.getByRole('button', {
    name: 'Approve api:default/petstore for component:default/artist-lookup',
  });
  await expect(approve.first()).toBeVisible();
  await shot(page, '04-review-inbox', 'Access requests to review');
  await approve.first().click();
  await page
    .getByRole('dialog')
    .getByRole('textbox', { name: 'Comment (optional)' })
    .fill('Read-only in development is fine.');
  await page.getByRole('button', { name: 'Confirm approval' }).click();
  await expect(
    page.getByText(
      /Approved api:default\/petstore for component:default\/artist-lookup \(now approved\)/,
    ),
  ).toBeVisible();
  await shot(page, '05-approved', 'Access requests to review');

  // 4. The requester sees the grant on the component's page.
  page = await signInAs(browser, 'breanna.davison');
  await page.goto('/catalog/default/component/artist-lookup');
  const grants = page.getByRole('table', { name: 'API access held' });
  await expect(
    grants
      .getByRole('row')
      .filter({ hasText: 'petstore' })
      .filter({ hasText: 'development' })
      .first(),
  ).toContainText('Active');
  await expect(grants).toContainText('pets:read');
  await shot(page, '06-grant-on-component', 'API access held');

  // 5. The requester accepts the usage terms and sees the API key, once.
  await page
    .getByRole('button', { name: 'Get credential for api:default/petstore' })
    .first()
    .click();
  const keyDialog = page.getByRole('dialog');
  await keyDialog
    .getByRole('checkbox', { name: 'I accept these usage terms' })
    .check();
  await keyDialog.getByRole('button', { name: 'Show my key' }).click();
  await expect(keyDialog.getByRole('textbox', { name: 'API key' })).toHaveValue(
    /^aak_/,
  );
  await expect(keyDialog.getByText(/You will not see it again/)).toBeVisible();
  await shot(page, '08-credential-once');
  await keyDialog.getByRole('button', { name: 'Done' }).click();
  await expect(
    page
      .getByRole('button', {
        name: 'Rotate credential for api:default/petstore',
      })
      .first(),
  ).toBeVisible();

  // 6. Their own page lists the request as approved.
  await page.goto('/api-access');
  await expect(
    page.getByRole('table', { name: 'My access requests' }),
  ).toContainText('Approved');
  await shot(page, '07-my-requests');
});
