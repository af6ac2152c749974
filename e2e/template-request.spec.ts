/*
 * Requests from templates in the browser: breanna.davison (team-a) runs the
 * "New integration" software template, which generates a component's files
 * and requests access to team-c's petstore API for artist-lookup (a component
 * team-a owns) with the api-access:request action, as her. The request is
 * hers, and it waits in team-c's inbox on team-c's Group page for calum.leavy.
 */
import { expect, test } from '@playwright/test';
import { BACKEND, shot, signInAs, tokenFor, waitForCatalog } from './personas';

const API = `${BACKEND}/api/api-access`;

test('a template run requests access as the user who runs it, and the request shows in the owning team’s inbox', async ({
  page: first,
  browser,
}) => {
  await waitForCatalog(first);
  const requester = await tokenFor(first.request, 'breanna.davison');
  // The template is one more catalog file; wait until it is served too.
  await expect
    .poll(
      async () =>
        (
          await first.request.get(
            `${BACKEND}/api/catalog/entities/by-name/template/default/new-integration`,
            { headers: requester },
          )
        ).status(),
      { timeout: 120_000, intervals: [1000] },
    )
    .toBe(200);

  const page = await signInAs(browser, 'breanna.davison');
  // The scaffolder's action list documents the action with its schema.
  await page.goto('/create/actions');
  const action = page.getByRole('row', { name: /^api-access:request / });
  await expect(action).toContainText('as the user who runs the template');
  await action.click();
  await expect(page.getByText('credentialStorage').first()).toBeVisible();
  await expect(page.getByText('consumerRef').first()).toBeVisible();
  await shot(page, '15-template-action-list');

  await page.goto('/create');
  // The demo has one template.
  await page.getByRole('button', { name: 'Choose' }).first().click();

  // Step 1: the integration.
  await expect(
    page.getByRole('heading', { name: 'New integration' }),
  ).toBeVisible();
  await page.getByRole('textbox', { name: 'Name' }).fill('petstore-sync');
  await page
    .getByRole('textbox', { name: 'Description' })
    .fill('Copies adoptions from the petstore into the artist catalogue');
  const owner = page.getByRole('textbox', { name: 'Owner' });
  await owner.fill('team-a');
  await page.getByRole('option', { name: 'team-a' }).first().click();
  await page.getByRole('button', { name: 'Next' }).click();

  // Step 2: the access request.
  const apiField = page.getByRole('textbox', { name: 'API', exact: true });
  await apiField.fill('petstore');
  await page.getByRole('option', { name: /^petstore$/ }).click();
  const consumer = page.getByRole('textbox', { name: 'Consumer' });
  await consumer.fill('artist-lookup');
  await page.getByRole('option', { name: /artist-lookup/ }).click();
  await page
    .getByRole('textbox', { name: 'Use case' })
    .fill(
      'Sync adoptions from the petstore into the artist catalogue nightly.',
    );
  await page
    .getByRole('textbox', { name: 'Business justification' })
    .fill('The artist catalogue shows adopted pets from the spring release.');
  await page
    .getByRole('textbox', { name: 'Storage plan' })
    .fill('Vault kv/team-a/petstore-sync, rotated monthly by the deploy job');
  await page.getByRole('button', { name: 'Review' }).click();

  await expect(page.getByText('api:default/petstore')).toBeVisible();
  await shot(page, '15-template-review');
  const started = Date.now();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task page: both steps run, then the template's output link.
  const link = page.getByRole('link', { name: 'Access request' });
  await expect(link).toBeVisible({ timeout: 60_000 });
  const seconds = (Date.now() - started) / 1000;
  console.log(`Template run, Create to output link: ${seconds.toFixed(1)} s`);
  await shot(page, '15-template-run');
  const href = (await link.getAttribute('href'))!;
  expect(href).toMatch(/\/api-access\/requests\/[0-9a-f-]{36}$/);
  const id = href.split('/').pop()!;

  // The request is breanna's, for artist-lookup, in review by team-c.
  const request = await (
    await first.request.get(`${API}/requests/${id}`, { headers: requester })
  ).json();
  expect(request).toMatchObject({
    requesterRef: 'user:default/breanna.davison',
    consumerRef: 'component:default/artist-lookup',
    apiRef: 'api:default/petstore',
    environment: 'sandbox',
    scopes: ['pets:read'],
    status: 'in_review',
  });

  // The link opens the request's page in the app.
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/api-access/requests/${id}$`));
  await expect(
    page.getByText(
      'Sync adoptions from the petstore into the artist catalogue nightly.',
    ),
  ).toBeVisible();

  // calum.leavy (team-c, petstore's owner) finds it in team-c's inbox.
  const reviewer = await signInAs(browser, 'calum.leavy');
  await reviewer.goto('/catalog/default/group/team-c');
  const row = reviewer.getByTestId(`review-${id}`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('petstore');
  await expect(row).toContainText('artist-lookup');
});
