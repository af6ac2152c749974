/*
 * The portal's front door and live updates, in the browser against the demo
 * (the real signals backend and frontend plugin): calum.leavy (team-c) keeps
 * the home page open; when breanna.davison asks for petstore, the request
 * appears in his "Waiting for my review" card without a reload, and when a
 * colleague approves it, it leaves his team-c inbox on its own too.
 * breanna's home page shows her access that ends within 30 days.
 */
import { expect, test } from '@playwright/test';
import { BACKEND, shot, signInAs, tokenFor, waitForCatalog } from './personas';

const API = `${BACKEND}/api/api-access`;

test('home cards show my review queue and my expiring access, and pages follow decisions live', async ({
  page: first,
  browser,
}) => {
  await waitForCatalog(first);
  const requester = await tokenFor(first.request, 'breanna.davison');
  const colleague = await tokenFor(first.request, 'frank.tiernan');
  const useCase = `Live update demo ${Date.now()}: pets on the artist page.`;

  const reviewer = await signInAs(browser, 'calum.leavy');
  await reviewer.goto('/home');
  const queue = reviewer.getByRole('list', {
    name: 'Requests waiting for my review',
  });
  await expect(reviewer.getByText('Waiting for my review')).toBeVisible();

  // breanna asks; calum's open home page shows it without a reload.
  const created = await first.request.post(`${API}/requests`, {
    headers: requester,
    data: {
      apiRef: 'api:default/petstore',
      consumerRef: 'component:default/artist-lookup',
      environment: 'development',
      scopes: ['pets:read'],
      useCase,
      justification: 'The artist page shows pets this release.',
      credentialStorage: 'Vault kv/artist-lookup, rotated monthly',
      durationDays: 20,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = await created.json();
  const link = queue.locator(`a[href$="/requests/${encodeURIComponent(id)}"]`);
  await expect(link).toBeVisible({ timeout: 15_000 });
  await shot(reviewer, '16-home-cards');

  // On team-c's page, the same request leaves the inbox when a colleague decides it.
  await reviewer.goto('/catalog/default/group/team-c');
  const row = reviewer.getByTestId(`review-${id}`);
  await expect(row).toBeVisible();
  const approved = await first.request.post(`${API}/requests/${id}/decisions`, {
    headers: colleague,
    data: { decision: 'approve', comment: 'Fine for development.' },
  });
  expect(approved.status(), await approved.text()).toBe(201);
  await expect(row).toBeHidden({ timeout: 15_000 });

  // breanna's access of 20 days is in her "My access expiring soon".
  const owner = await signInAs(browser, 'breanna.davison');
  await owner.goto('/home');
  await expect(
    owner
      .getByRole('list', { name: 'My access expiring soon' })
      .getByText('petstore for artist-lookup')
      .first(),
  ).toBeVisible();
});
